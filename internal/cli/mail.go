package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/resettoken"
	"github.com/virtualspaces/vsauth/server/store"
)

func newCmdMail(d Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "Read the mail outbox of a server database, and send a message again",
		Long: `Read the messages a 'vsauth server' has sent (password reset links, support
notices), see whether a reset link still works, and send a message again.

Every message is stored in the database outbox before the server answers, so
these commands see it even without --mail-dir or SMTP. They read the
server's database as the server does (--db, else VSAUTH_DB), and check reset
links with the server's secret key: VSAUTH_SECRET_KEY, else the key the
server keeps in the database.`,
	}
	s := addServerSettings(cmd, d, "db")
	cmd.AddCommand(newCmdMailList(d, s, nil), newCmdMailShow(d, s, nil), newCmdMailResend(d, s))
	return cmd
}

type mailListOptions struct {
	IO     IOStreams
	Getenv func(string) string
	DB     string
	To     string
	JSON   bool
}

func newCmdMailList(d Deps, s *serverSettings, runF func(context.Context, *mailListOptions) error) *cobra.Command {
	opts := &mailListOptions{IO: d.IO, Getenv: d.Getenv}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the messages in the outbox, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.DB = s.db()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return mailListRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "only messages to this address")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// mailSummary is the stable JSON shape of one outbox message.
type mailSummary struct {
	ID      int64      `json:"id"`
	Date    time.Time  `json:"date"`
	To      string     `json:"to"`
	Subject string     `json:"subject"`
	SentAt  *time.Time `json:"sent_at"`
	Status  string     `json:"status"`
	// Attempts counts the failed deliveries; NextAttempt is when the
	// server tries again.
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error"`
	NextAttempt *time.Time `json:"next_attempt"`
}

func summarize(m store.Mail) mailSummary {
	s := mailSummary{ID: m.ID, Date: m.CreatedAt, To: m.To, Subject: m.Subject, SentAt: m.SentAt, Status: mailStatus(m), Attempts: m.Attempts, LastError: m.LastError}
	if m.SentAt == nil && m.Attempts > 0 {
		s.NextAttempt = m.NextAttempt
	}
	return s
}

func mailStatus(m store.Mail) string {
	switch {
	case m.SentAt != nil:
		return "sent"
	case m.Attempts > 0:
		return "retrying"
	}
	return "stored"
}

func filterMail(all []store.Mail, to string) []store.Mail {
	if to == "" {
		return all
	}
	var out []store.Mail
	for _, m := range all {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

func mailListRun(ctx context.Context, opts *mailListOptions) error {
	st, _, err := openDB(ctx, opts.DB, opts.Getenv, dbMustExist)
	if err != nil {
		return err
	}
	defer st.Close()
	all, err := st.ListMail(ctx)
	if err != nil {
		return err
	}
	msgs := filterMail(all, opts.To)
	if opts.JSON {
		out := make([]mailSummary, 0, len(msgs))
		for _, m := range msgs {
			out = append(out, summarize(m))
		}
		return writeJSON(opts.IO.Out, out)
	}
	if len(msgs) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no messages")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDATE\tTO\tSUBJECT\tSTATUS")
	for _, m := range msgs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.ID, m.CreatedAt.UTC().Format(time.RFC3339), m.To, m.Subject, mailStatus(m))
	}
	return tw.Flush()
}

type mailShowOptions struct {
	IO       IOStreams
	Getenv   func(string) string
	settings *serverSettings
	now      func() time.Time // Deps.now
	DB       string
	ID       int64
	To       string
	Link     bool
	Raw      bool
	JSON     bool
}

func newCmdMailShow(d Deps, s *serverSettings, runF func(context.Context, *mailShowOptions) error) *cobra.Command {
	opts := &mailShowOptions{IO: d.IO, Getenv: d.Getenv, settings: s, now: d.now}
	cmd := &cobra.Command{
		Use:   "show [ID]",
		Short: "Show one message (default: the newest, or the newest to --to)",
		Long: `Show one message: its delivery (sent, retrying with the failed attempts and
the last error, or stored when nothing delivers mail), whether its reset
link still works, and its text.

A reset link is valid until the start of the fourth day (UTC) after the day
it was sent, and only while the account's password and last login are what
they were: a reset or a password change since then makes it "used". Checking it needs the server's secret key (VSAUTH_SECRET_KEY, else
the one kept in the database).`,
		Example: `  vsauth mail show --to alice@example.com --link
  vsauth mail show 3 --raw > reset.eml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil || id < 1 {
					return usageErrorf("message ID must be a positive number, not %q", args[0])
				}
				opts.ID = id
			}
			if opts.Link && opts.Raw {
				return usageErrorf("--link and --raw cannot be used together")
			}
			opts.DB = s.db()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return mailShowRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.To, "to", "", "the newest message to this address")
	f.BoolVar(&opts.Link, "link", false, "print only the password reset link")
	f.BoolVar(&opts.Raw, "raw", false, "print the whole RFC 5322 message")
	f.BoolVar(&opts.JSON, "json", false, "print JSON with the link, uid and token")
	return cmd
}

func mailShowRun(ctx context.Context, opts *mailShowOptions) error {
	st, _, err := openDB(ctx, opts.DB, opts.Getenv, dbMustExist)
	if err != nil {
		return err
	}
	defer st.Close()
	var m store.Mail
	if opts.ID != 0 {
		if m, err = st.MailByID(ctx, opts.ID); err != nil {
			return fmt.Errorf("message %d: %w", opts.ID, err)
		}
		if opts.To != "" && m.To != opts.To {
			return fmt.Errorf("message %d is to %s, not %s", opts.ID, m.To, opts.To)
		}
	} else {
		all, err := st.ListMail(ctx)
		if err != nil {
			return err
		}
		msgs := filterMail(all, opts.To)
		if len(msgs) == 0 {
			if opts.To != "" {
				return fmt.Errorf("no message to %s", opts.To)
			}
			return fmt.Errorf("the outbox is empty")
		}
		m = msgs[len(msgs)-1]
	}
	if opts.Raw {
		_, err := opts.IO.Out.Write(m.Raw)
		return err
	}
	link, uid, token, linkErr := mail.ResetLink(m.Raw)
	if opts.Link {
		if linkErr != nil {
			return fmt.Errorf("message %d has no reset link: %w", m.ID, linkErr)
		}
		_, err := fmt.Fprintln(opts.IO.Out, link)
		return err
	}
	text, err := mail.TextPart(m.Raw)
	if err != nil {
		return fmt.Errorf("reading message %d: %w", m.ID, err)
	}
	var ls linkState
	if linkErr == nil {
		if ls, err = checkLink(ctx, opts.settings, st, uid, token, opts.now()); err != nil {
			return err
		}
	}
	sum := summarize(m)
	if opts.JSON {
		out := struct {
			mailSummary
			Link           string     `json:"link"`
			UID            string     `json:"uid"`
			Token          string     `json:"token"`
			LinkStatus     string     `json:"link_status"`
			LinkValidUntil *time.Time `json:"link_valid_until"`
			Text           string     `json:"text"`
		}{sum, link, uid, token, ls.status, ls.validUntil(), text}
		return writeJSON(opts.IO.Out, out)
	}
	fmt.Fprintf(opts.IO.Out, "ID: %d\nDate: %s\nTo: %s\nSubject: %s\nStatus: %s\n", m.ID, m.CreatedAt.UTC().Format(time.RFC3339), m.To, m.Subject, sum.Status)
	if m.Attempts > 0 {
		fmt.Fprintf(opts.IO.Out, "Failed attempts: %d\nLast error: %s\n", m.Attempts, m.LastError)
		if sum.NextAttempt != nil {
			fmt.Fprintf(opts.IO.Out, "Next attempt: %s\n", sum.NextAttempt.UTC().Format(time.RFC3339))
		}
	}
	if linkErr == nil {
		fmt.Fprintf(opts.IO.Out, "Link: %s\n", ls)
	}
	fmt.Fprintf(opts.IO.Out, "\n%s\n", text)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Link states, as mail show --json names them.
const (
	linkValid   = "valid"
	linkExpired = "expired"
	linkUsed    = "used"
	linkDeleted = "account deleted"
	linkBad     = "malformed"
	linkUnknown = "unknown"
)

// linkState is what a reset link would do if the user followed it now.
type linkState struct {
	status  string
	expires time.Time
	user    store.User // the link's account, unless deleted or malformed
}

func (l linkState) validUntil() *time.Time {
	if l.status != linkValid && l.status != linkExpired {
		return nil
	}
	t := l.expires.UTC()
	return &t
}

func (l linkState) String() string {
	switch l.status {
	case linkValid:
		return "valid until " + l.expires.UTC().Format(time.RFC3339)
	case linkExpired:
		return "expired at " + l.expires.UTC().Format(time.RFC3339)
	case linkUsed:
		return "used: the account's password or last login changed after it was made (a reset or a password change)"
	case linkDeleted:
		return "no longer valid: the account was deleted"
	case linkBad:
		return "not valid: the link's uid or token is malformed"
	}
	return "not checked: no secret key (set VSAUTH_SECRET_KEY to the server's)"
}

// checkLink checks a reset link as the server's reset-confirm would, with
// the server's secret key, and tells used from expired: a token that does
// not check even on the day it was made no longer matches the account.
func checkLink(ctx context.Context, s *serverSettings, st *store.SQLite, uid, token string, now time.Time) (linkState, error) {
	pk, ok := resettoken.DecodeUID(uid)
	if !ok {
		return linkState{status: linkBad}, nil
	}
	made, expires, ok := resettoken.Lifetime(token)
	if !ok {
		return linkState{status: linkBad}, nil
	}
	u, err := st.UserByID(ctx, pk)
	if errors.Is(err, store.ErrNotFound) {
		return linkState{status: linkDeleted}, nil
	}
	if err != nil {
		return linkState{}, err
	}
	l := linkState{status: linkUnknown, user: u, expires: expires}
	key, ok, err := s.secretKey(ctx, st)
	if err != nil || !ok {
		return l, err
	}
	g := resettoken.Generator{SecretKey: key}
	switch {
	case !g.Check(token, pk, u.Password, u.LastLogin, made):
		l.status = linkUsed
	case !g.Check(token, pk, u.Password, u.LastLogin, now):
		l.status = linkExpired
	default:
		l.status = linkValid
	}
	return l, nil
}

func newCmdMailResend(d Deps, s *serverSettings) *cobra.Command {
	var (
		force         bool
		actor, reason string
	)
	cmd := &cobra.Command{
		Use:   "resend ID",
		Short: "Queue a copy of a message, which the server delivers",
		Long: `Queue a copy of message ID in the outbox as a new message (with its own Date
and Message-ID), which the server's deliverer sends within a minute, as it
does its own mail. A reset mail whose link no longer works is refused
(unless --force): the user should ask for a new one instead. The resend is
a support action on the account, recorded in the audit trail ('vsauth admin
audit') with the ids of the message and of its copy.`,
		Example: `  vsauth mail resend 3 --reason "ticket 42: mail landed in spam"`,
		Args:    exactArgs(1, "a message ID"),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usageErrorf("message ID must be a positive number, not %q", args[0])
			}
			ctx := c.Context()
			st, _, err := openDB(ctx, s.db(), d.Getenv, dbMustExist)
			if err != nil {
				return err
			}
			defer st.Close()
			m, err := st.MailByID(ctx, id)
			if err != nil {
				return fmt.Errorf("message %d: %w", id, err)
			}
			now := d.now()
			u, err := resendAccount(ctx, s, st, m, now, force)
			if err != nil {
				return err
			}
			raw, err := restamp(m.Raw, now, rand.Reader)
			if err != nil {
				return fmt.Errorf("message %d: %w", id, err)
			}
			e, err := st.Administer(ctx, store.AdminRequest{
				Action: store.ActionResendMail, UserID: u.ID, At: now, Actor: actorName(actor), Reason: strings.TrimSpace(reason),
				ResendOf: m.ID, Notice: &store.Mail{CreatedAt: now.UTC(), From: m.From, To: m.To, Subject: m.Subject, Raw: raw},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(d.IO.Out, "message %d to %s queued again as message %d (audit #%d)\n", m.ID, m.To, e.Changes["new_mail"], e.ID)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "send a reset mail even when its link no longer works")
	cmd.Flags().StringVar(&actor, "actor", "", "who is acting, for the audit trail (default: OS user@host)")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit trail")
	return cmd
}

// resendAccount is the account a resend of m is about: a reset link's, or
// the one the message went to. A link that no longer works is refused
// unless force.
func resendAccount(ctx context.Context, s *serverSettings, st *store.SQLite, m store.Mail, now time.Time, force bool) (store.User, error) {
	_, uid, token, err := mail.ResetLink(m.Raw)
	if err != nil {
		u, err := st.UserByEmail(ctx, m.To)
		if errors.Is(err, store.ErrNotFound) {
			return u, fmt.Errorf("message %d is to %s, which no account has now; nothing queued", m.ID, m.To)
		}
		return u, err
	}
	l, err := checkLink(ctx, s, st, uid, token, now)
	switch {
	case err != nil:
		return store.User{}, err
	case l.status == linkDeleted || l.status == linkBad:
		return store.User{}, fmt.Errorf("message %d: the link is %s; nothing queued", m.ID, l)
	case l.status != linkValid && !force:
		return store.User{}, fmt.Errorf("message %d: the link is %s; nothing queued.\nThe user can ask for a new link ('vsauth password reset %s'); --force sends this one anyway", m.ID, l, m.To)
	}
	return l.user, nil
}

// restamp gives a copy of a stored message its own Date and Message-ID:
// receivers drop a message whose Message-ID they have seen, which the
// original may have been, even into a spam folder.
func restamp(raw []byte, now time.Time, r io.Reader) ([]byte, error) {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, errors.New("no header section")
	}
	var rnd [8]byte
	if _, err := io.ReadFull(r, rnd[:]); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	replaced := false
	for line := range strings.SplitSeq(string(raw[:end]), "\r\n") {
		if replaced && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) {
			continue // the rest of a folded header being replaced
		}
		name, value, _ := strings.Cut(line, ":")
		replaced = true
		switch strings.ToLower(name) {
		case "date":
			line = "Date: " + mail.FormatDate(now)
		case "message-id":
			domain := "localhost"
			if at := strings.LastIndexByte(value, '@'); at >= 0 {
				domain = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value[at+1:]), ">"))
			}
			line = fmt.Sprintf("Message-ID: <%d.%d@%s>", now.UnixMilli()/10, binary.BigEndian.Uint64(rnd[:]), domain)
		default:
			replaced = false
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	b.Truncate(b.Len() - 2)
	b.Write(raw[end:])
	return b.Bytes(), nil
}
