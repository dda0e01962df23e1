package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/store"
)

func newCmdAdmin(d Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Support tasks on a local server database: unblock, reset and inspect accounts",
		Long: `Support tasks on the database of a local 'vsauth server' (--db, default: the
server's default database). They work while the server runs.

A user is named by email (exact, as stored) or by numeric id.

Every action that changes an account is recorded in the audit trail ('vsauth
admin audit') in the same transaction as the change: when, who (--actor, by
default your OS user and host), what, why (--reason) and what changed, as
counts. Actions that end sessions or remove devices show the account and ask
for confirmation on a terminal; elsewhere they need --yes and --reason.
--dry-run says what would change and changes nothing.`,
	}
	o := &adminOptions{}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.db, "db", "", "server database (default: the one 'vsauth server' uses)")
	pf.StringVar(&o.actor, "actor", "", "who is acting, for the audit trail (default: OS user@host)")
	cmd.AddCommand(
		newCmdAdminList(d, o.dbPath),
		newCmdAdminShow(d, o.dbPath),
		newCmdAdminAudit(d, o.dbPath),
		newCmdAdminAction(d, o, adminAction{
			name: store.ActionResetTwoStep, destructive: true,
			short:  "Delete the user's TOTP device and emergency codes and end every session",
			long:   "The user logs in with the password alone afterwards and can enrol again.",
			done:   "removed two-step login and revoked every session",
			ask:    "Remove two-step login of %s and end every session?",
			notice: "Two-step login was turned off for your account, and every session was ended,",
		}),
		newCmdAdminAction(d, o, adminAction{
			name:   store.ActionClearThrottle,
			short:  "Clear the failed-attempt delays of the user's logins and devices",
			done:   "cleared failed-attempt throttling",
			notice: "The failed-login lock on your account was cleared",
		}),
		newCmdAdminAction(d, o, adminAction{
			name: store.ActionRevokeSessions, destructive: true,
			short:  "End every session of the user (all tokens stop working)",
			done:   "revoked every session",
			ask:    "End every session of %s?",
			notice: "Every session of your account was ended",
		}),
		newCmdAdminSetPassword(d, o),
	)
	return cmd
}

// adminOptions are the flags every admin command shares.
type adminOptions struct {
	db, actor string
}

func (o *adminOptions) dbPath() string { return o.db }

// actorName is --actor, or the OS user and host running the command.
func (o *adminOptions) actorName() string {
	if o.actor != "" {
		return o.actor
	}
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if host, err := os.Hostname(); err == nil {
		name += "@" + host
	}
	return name
}

// adminAction describes one support action on an account.
type adminAction struct {
	name        string // a store.Action… constant, and the command's name
	destructive bool   // ends sessions or removes devices: confirm, and give a reason
	short, long string
	done        string // what the command prints after it
	ask         string // the confirmation question, with %s for the e-mail
	notice      string // the account holder's notice, completed with " by support on …"
}

// actionFlags are the flags of a command that changes an account.
type actionFlags struct {
	reason      string
	yes, dryRun bool
	notify      bool
}

func (f *actionFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.reason, "reason", "", "why, for the audit trail (required for destructive actions without a terminal)")
	c.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "say what would change, change nothing")
	c.Flags().BoolVar(&f.notify, "notify", false, "queue a notice to the account holder in the outbox (default: on with VSAUTH_PROFILE=hardened)")
}

// wantNotice is --notify, defaulting to on in the hardened profile.
func (f *actionFlags) wantNotice(c *cobra.Command, getenv func(string) string) bool {
	if c.Flags().Changed("notify") {
		return f.notify
	}
	return getenv("VSAUTH_PROFILE") == "hardened"
}

func newCmdAdminAction(d Deps, o *adminOptions, a adminAction) *cobra.Command {
	var f actionFlags
	cmd := &cobra.Command{
		Use:   a.name + " EMAIL|ID",
		Short: a.short,
		Long:  strings.TrimSpace(a.short + ".\n\n" + a.long),
		Args:  exactArgs(1, "a user's email or id"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			return withUser(ctx, d, o.db, args[0], func(st *store.SQLite, u store.User) error {
				req := store.AdminRequest{Action: a.name}
				if a.name != store.ActionClearThrottle {
					secret, err := authtoken.NewSecret(rand.Reader)
					if err != nil {
						return err
					}
					req.NewJWTSecret = secret
				}
				return administer(ctx, d, c, o, &f, a, st, u, req)
			})
		},
	}
	f.register(cmd)
	return cmd
}

// administer confirms, carries out and reports one support action: it shows
// what would change (and stops there with --dry-run), asks on a terminal or
// insists on --yes and --reason elsewhere, then changes the account, writes
// the audit row and queues the optional notice in one transaction.
func administer(ctx context.Context, d Deps, c *cobra.Command, o *adminOptions, f *actionFlags, a adminAction, st *store.SQLite, u store.User, req store.AdminRequest) error {
	req.UserID, req.At, req.Actor, req.Reason = u.ID, time.Now(), o.actorName(), strings.TrimSpace(f.reason)
	if f.wantNotice(c, d.Getenv) {
		site := d.Getenv("VSAUTH_SITE_NAME")
		if site == "" {
			site = "Virtual Spaces"
		}
		row, err := mail.NewOutbox(st, mail.OutboxOptions{}).Prepare(mail.AccountNotice(u.Email, site, a.notice, req.At))
		if err != nil {
			return err
		}
		req.Notice = &row
	}
	preview := req
	preview.DryRun = true
	would, err := st.Administer(ctx, preview)
	if err != nil {
		return adminError(err)
	}
	if f.dryRun {
		fmt.Fprintf(d.IO.Out, "%s: would %s: %s (dry run, nothing changed)\n", u.Email, a.name, describeChanges(would.Changes))
		return nil
	}
	if a.destructive && !f.yes {
		if !d.IO.InTTY {
			return usageErrorf("%s changes %s's account: pass --yes (and --reason) to confirm when not on a terminal; nothing changed", a.name, u.Email)
		}
		summary, err := summarizeAccount(ctx, st, u)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.IO.ErrOut, "Account:    %s (id %d)\nTwo-step:   %s\nLast login: %s\nWill:       %s\n", u.Email, u.ID, summary.TwoStep, lastLogin(summary.LastLogin), describeChanges(would.Changes))
		answer, err := promptLine(d.IO, fmt.Sprintf(a.ask, u.Email)+" [y/N] ")
		if err != nil {
			return err
		}
		if a := strings.ToLower(answer); a != "y" && a != "yes" {
			return errors.New("not confirmed; nothing changed")
		}
	}
	if a.destructive && req.Reason == "" {
		if !d.IO.InTTY {
			return usageErrorf("%s needs --reason for the audit trail when not on a terminal; nothing changed", a.name)
		}
		if req.Reason, err = promptLine(d.IO, "Reason (kept in the audit trail): "); err != nil {
			return err
		}
		if req.Reason == "" {
			return errors.New("a reason is required; nothing changed")
		}
	}
	e, err := st.Administer(ctx, req)
	if err != nil {
		return adminError(err)
	}
	fmt.Fprintf(d.IO.Out, "%s: %s (audit #%d)\n", u.Email, a.done, e.ID)
	if req.Notice != nil {
		fmt.Fprintf(d.IO.Out, "%s: notice queued in the outbox\n", u.Email)
	}
	return nil
}

func adminError(err error) error {
	if errors.Is(err, store.ErrChanged) {
		return errors.New("the account changed meanwhile; nothing changed, try again")
	}
	return err
}

// describeChanges says what an action changed (or would), from its counts.
func describeChanges(c map[string]int) string {
	var parts []string
	for _, k := range []struct{ key, what string }{
		{"totp_devices_deleted", "TOTP devices deleted"},
		{"static_devices_deleted", "emergency-code devices deleted"},
		{"emergency_codes_deleted", "emergency codes deleted"},
		{"failed_logins_cleared", "failed logins cleared"},
		{"failed_codes_cleared", "failed codes cleared"},
	} {
		if n, ok := c[k.key]; ok {
			parts = append(parts, fmt.Sprintf("%d %s", n, k.what))
		}
	}
	if c["password_set"] > 0 {
		parts = append(parts, "password set")
	}
	if c["sessions_revoked"] > 0 {
		parts = append(parts, "every session ended")
	}
	if c["notice_queued"] > 0 {
		parts = append(parts, "notice queued")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

func lastLogin(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// findUser resolves an email or a numeric id.
func findUser(ctx context.Context, st *store.SQLite, ref string) (store.User, error) {
	u, err := st.UserByEmail(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
			u, err = st.UserByID(ctx, id)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("no user %q (emails match exactly; try 'vsauth admin list')", ref)
	}
	return u, err
}

// withUser opens the database at db (the server's default when empty) and
// runs do on the user named by ref, an email or a numeric id.
func withUser(ctx context.Context, d Deps, db, ref string, do func(st *store.SQLite, u store.User) error) error {
	st, _, err := openDB(ctx, db, d.Getenv, dbMustExist)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := findUser(ctx, st, ref)
	if err != nil {
		return err
	}
	return do(st, u)
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %s", c.CommandPath(), what)
		}
		return nil
	}
}

// accountSummary is what support sees of an account: never a hash, secret,
// key or code.
type accountSummary struct {
	ID             int64      `json:"id"`
	Email          string     `json:"email"`
	Active         bool       `json:"active"`
	Admin          bool       `json:"admin"`
	DateJoined     time.Time  `json:"date_joined"`
	LastLogin      *time.Time `json:"last_login"`
	TwoStep        string     `json:"two_step"` // off, pending, totp
	EmergencyCodes int        `json:"emergency_codes"`
	FailedLogins   int        `json:"failed_logins"`
	FailedCodes    int        `json:"failed_codes"`
	HashIterations string     `json:"hash_iterations"`
}

func summarizeAccount(ctx context.Context, st *store.SQLite, u store.User) (accountSummary, error) {
	a := accountSummary{ID: u.ID, Email: u.Email, Active: u.IsActive, Admin: u.IsAdmin, DateJoined: u.DateJoined, LastLogin: u.LastLogin, TwoStep: "off"}
	if parts := strings.SplitN(u.Password, "$", 4); len(parts) == 4 {
		a.HashIterations = parts[0] + " " + parts[1]
	} else {
		a.HashIterations = "unusable"
	}
	dev, err := st.FirstTOTPDevice(ctx, u.ID)
	switch {
	case err == nil:
		a.TwoStep = "pending"
		if dev.Confirmed {
			a.TwoStep = "totp"
		}
		a.FailedCodes = dev.Throttle.FailureCount
	case !errors.Is(err, store.ErrNotFound):
		return a, err
	}
	sd, err := st.FirstStaticDevice(ctx, u.ID)
	switch {
	case err == nil:
		codes, err := st.StaticTokens(ctx, sd.ID)
		if err != nil {
			return a, err
		}
		a.EmergencyCodes = len(codes)
		a.FailedCodes += sd.Throttle.FailureCount
		if a.TwoStep == "off" && sd.Confirmed {
			a.TwoStep = "codes only"
		}
	case !errors.Is(err, store.ErrNotFound):
		return a, err
	}
	th, err := st.LoginThrottle(ctx, u.ID)
	if err != nil {
		return a, err
	}
	a.FailedLogins = th.FailureCount
	return a, nil
}

func newCmdAdminList(d Deps, db func() string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List accounts with their two-step state",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			st, _, err := openDB(ctx, db(), d.Getenv, dbMustExist)
			if err != nil {
				return err
			}
			defer st.Close()
			users, err := st.ListUsers(ctx)
			if err != nil {
				return err
			}
			out := make([]accountSummary, 0, len(users))
			for _, u := range users {
				a, err := summarizeAccount(ctx, st, u)
				if err != nil {
					return err
				}
				out = append(out, a)
			}
			if asJSON {
				return writeJSON(d.IO.Out, out)
			}
			tw := tabwriter.NewWriter(d.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tACTIVE\tTWO-STEP\tCODES\tFAILED LOGINS")
			for _, a := range out {
				fmt.Fprintf(tw, "%d\t%s\t%t\t%s\t%d\t%d\n", a.ID, a.Email, a.Active, a.TwoStep, a.EmergencyCodes, a.FailedLogins)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCmdAdminShow(d Deps, db func() string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show EMAIL|ID",
		Short: "Show one account (no secrets)",
		Args:  exactArgs(1, "a user's email or id"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			return withUser(ctx, d, db(), args[0], func(st *store.SQLite, u store.User) error {
				a, err := summarizeAccount(ctx, st, u)
				if err != nil {
					return err
				}
				recent, err := st.Audit(ctx, store.AuditFilter{UserID: u.ID, Limit: 5})
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(d.IO.Out, struct {
						accountSummary
						RecentAudit []store.AuditEntry `json:"recent_audit"`
					}{a, append([]store.AuditEntry{}, recent...)})
				}
				fmt.Fprintf(d.IO.Out, "ID:              %d\nEmail:           %s\nActive:          %t\nAdmin:           %t\nJoined:          %s\nLast login:      %s\nTwo-step:        %s\nEmergency codes: %d left\nFailed logins:   %d\nFailed codes:    %d\nPassword hash:   %s\n",
					a.ID, a.Email, a.Active, a.Admin, a.DateJoined.UTC().Format(time.RFC3339), lastLogin(a.LastLogin), a.TwoStep, a.EmergencyCodes, a.FailedLogins, a.FailedCodes, a.HashIterations)
				if len(recent) == 0 {
					fmt.Fprintln(d.IO.Out, "Support actions: none")
					return nil
				}
				fmt.Fprintln(d.IO.Out, "Support actions (newest 5):")
				return writeAudit(d.IO.Out, recent)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCmdAdminSetPassword(d Deps, o *adminOptions) *cobra.Command {
	var (
		f          actionFlags
		fromStdin  bool
		iterations int
	)
	a := adminAction{
		name: store.ActionSetPassword, destructive: true,
		done:   "password set, every session ended",
		ask:    "Set a new password for %s and end every session?",
		notice: "The password of your account was changed, and every session was ended,",
	}
	cmd := &cobra.Command{
		Use:   "set-password EMAIL|ID",
		Short: "Set a user's password (read from a prompt or --password-stdin, never from arguments)",
		Long: `Set a user's password. It must pass the server's password rules. Every session
of the user ends, and password-reset links already sent stop working.`,
		Example: `  vsauth admin set-password alice@example.com
  printf '%s\n' "$NEW_PASSWORD" | vsauth admin set-password alice@example.com --password-stdin --yes --reason "ticket 42"`,
		Args: exactArgs(1, "a user's email or id"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			return withUser(ctx, d, o.db, args[0], func(st *store.SQLite, u store.User) error {
				if fromStdin && !f.yes && !f.dryRun {
					// Standard input carries the password: it cannot answer a question too.
					return usageErrorf("set-password --password-stdin needs --yes (and --reason); nothing changed")
				}
				pw, err := newSecret(d.IO, "New password for "+u.Email+": ", fromStdin)
				if err != nil {
					return err
				}
				pw = strings.TrimSpace(pw) // the API strips passwords too, so the user can log in with what was typed
				if msgs := password.Validate(pw, u.Email, true); len(msgs) > 0 {
					return fmt.Errorf("password refused, nothing changed: %s", strings.Join(msgs, " "))
				}
				hash, err := password.Hasher{Iterations: iterations, Rand: rand.Reader}.Hash(pw)
				if err != nil {
					return err
				}
				secret, err := authtoken.NewSecret(rand.Reader)
				if err != nil {
					return err
				}
				req := store.AdminRequest{Action: a.name, NewJWTSecret: secret, NewHash: hash, ExpectHash: u.Password}
				return administer(ctx, d, c, o, &f, a, st, u, req)
			})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.Flags().IntVar(&iterations, "password-iterations", password.DefaultIterations, "PBKDF2 iterations of the new hash")
	return cmd
}

func newCmdAdminAudit(d Deps, db func() string) *cobra.Command {
	var (
		asJSON bool
		since  string
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "audit [EMAIL|ID]",
		Short: "List support actions on accounts, oldest first",
		Long: `List the audit trail: every support action on an account, oldest first, with
its time, actor, action, account, reason and what changed (counts, never a
secret). With EMAIL or ID, only that account's, including a deleted account's
under the e-mail it had.`,
		Example: `  vsauth admin audit
  vsauth admin audit alice@example.com --since 7d
  vsauth admin audit --since 2026-11-01 --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			f := store.AuditFilter{Limit: limit}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return usageError{err}
				}
				f.Since = t
			}
			st, _, err := openDB(ctx, db(), d.Getenv, dbMustExist)
			if err != nil {
				return err
			}
			defer st.Close()
			if len(args) == 1 {
				u, err := findUser(ctx, st, args[0])
				switch {
				case err == nil:
					f.UserID = u.ID
				case strings.Contains(args[0], "@"):
					f.Email = args[0] // perhaps a deleted account
				default:
					return err
				}
			}
			entries, err := st.Audit(ctx, f)
			if err != nil {
				return err
			}
			if asJSON {
				if entries == nil {
					entries = []store.AuditEntry{}
				}
				return writeJSON(d.IO.Out, entries)
			}
			return writeAudit(d.IO.Out, entries)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&since, "since", "", "only entries since this moment: a duration (36h, 7d) or a date (2026-11-01, RFC 3339)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many of the newest entries")
	return cmd
}

func writeAudit(w io.Writer, entries []store.AuditEntry) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "no audit entries")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTIME\tACTOR\tACTION\tACCOUNT\tREASON\tCHANGES")
	for _, e := range entries {
		reason := e.Reason
		if reason == "" {
			reason = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s (id %d)\t%s\t%s\n", e.ID, e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, e.Email, e.UserID, reason, describeChanges(e.Changes))
	}
	return tw.Flush()
}

// parseSince reads --since: a duration back from now (Go's, or whole days
// as "7d"), a date (midnight UTC) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration (36h, 7d) or a date (2026-11-01, RFC 3339)", s)
}
