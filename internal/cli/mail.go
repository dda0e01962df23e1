package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/store"
)

func newCmdMail(d Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "Read the mail outbox of a local server database",
		Long: `Read the messages a local 'vsauth server' has sent (password reset links).

Every message is stored in the database outbox before the server answers, so
these commands see it even without --mail-dir or SMTP.`,
	}
	cmd.AddCommand(newCmdMailList(d, nil), newCmdMailShow(d, nil))
	return cmd
}

type mailListOptions struct {
	IO     IOStreams
	Getenv func(string) string
	DB     string
	To     string
	JSON   bool
}

func newCmdMailList(d Deps, runF func(context.Context, *mailListOptions) error) *cobra.Command {
	opts := &mailListOptions{IO: d.IO, Getenv: d.Getenv}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the messages in the outbox, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return mailListRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.DB, "db", "", "server database (default: the one 'vsauth server' uses)")
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
}

func summarize(m store.Mail) mailSummary {
	return mailSummary{ID: m.ID, Date: m.CreatedAt, To: m.To, Subject: m.Subject, SentAt: m.SentAt, Status: mailStatus(m)}
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
	IO     IOStreams
	Getenv func(string) string
	DB     string
	ID     int64
	To     string
	Link   bool
	Raw    bool
	JSON   bool
}

func newCmdMailShow(d Deps, runF func(context.Context, *mailShowOptions) error) *cobra.Command {
	opts := &mailShowOptions{IO: d.IO, Getenv: d.Getenv}
	cmd := &cobra.Command{
		Use:   "show [ID]",
		Short: "Show one message (default: the newest, or the newest to --to)",
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
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return mailShowRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.DB, "db", "", "server database (default: the one 'vsauth server' uses)")
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
	if opts.JSON {
		out := struct {
			mailSummary
			Link  string `json:"link"`
			UID   string `json:"uid"`
			Token string `json:"token"`
			Text  string `json:"text"`
		}{summarize(m), link, uid, token, text}
		return writeJSON(opts.IO.Out, out)
	}
	fmt.Fprintf(opts.IO.Out, "ID: %d\nDate: %s\nTo: %s\nSubject: %s\nStatus: %s\n\n%s\n", m.ID, m.CreatedAt.UTC().Format(time.RFC3339), m.To, m.Subject, mailStatus(m), text)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
