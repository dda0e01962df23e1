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
	"github.com/virtualspaces/vsauth/server/otp"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/store"
)

func newCmdAdmin(d Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Support tasks on a local server database: unblock, reset and inspect accounts",
		Long: `Support tasks on the database of a local 'vsauth server' (--db, default: the
server's default database). They work while the server runs.

A user is named by e-mail, in any case (as users say it), or by numeric id.
The original allows two accounts whose addresses differ only in case; such
an address lists them and asks for the id (without a terminal it stops).

The commands read the server's settings the way 'vsauth server' does: a
flag, else VSAUTH_<FLAG> (--db and VSAUTH_DB, --profile and VSAUTH_PROFILE,
--login-lock-max, --site-name, --mail-from, set-password's
--password-iterations), so a host configured through
the environment (a systemd EnvironmentFile) needs nothing more.

Every action that changes an account is recorded in the audit trail ('vsauth
admin audit') in the same transaction as the change: when, who (--actor, by
default your OS user and host), what, why (--reason) and what changed, as
counts. Actions that end sessions or remove devices show the account and ask
for confirmation on a terminal; elsewhere they need --yes and --reason.
--dry-run says what would change and changes nothing.`,
	}
	o := &adminOptions{
		settings: addServerSettings(cmd, d, "db", "profile", "login-lock-max", "site-name", "mail-from"),
		now:      d.now,
	}
	cmd.PersistentFlags().StringVar(&o.actor, "actor", "", "who is acting, for the audit trail (default: OS user@host)")
	cmd.AddCommand(
		newCmdAdminList(d, o),
		newCmdAdminShow(d, o),
		newCmdAdminAudit(d, o),
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

// adminOptions are the flags and settings every admin command shares.
type adminOptions struct {
	settings *serverSettings
	actor    string
	now      func() time.Time
}

// actorName is --actor, or the OS user and host running the command.
func (o *adminOptions) actorName() string { return actorName(o.actor) }

// actorName is flag, or the OS user and host running the command.
func actorName(flag string) string {
	if flag != "" {
		return flag
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

// wantNotice is --notify, defaulting to on in the server's hardened profile.
func (f *actionFlags) wantNotice(c *cobra.Command, s *serverSettings) (bool, error) {
	if c.Flags().Changed("notify") {
		return f.notify, nil
	}
	return s.hardened()
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
			return withUser(ctx, d, o, args[0], func(st *store.SQLite, u store.User) error {
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
	req.UserID, req.At, req.Actor, req.Reason = u.ID, o.now(), o.actorName(), strings.TrimSpace(f.reason)
	notify, err := f.wantNotice(c, o.settings)
	if err != nil {
		return err
	}
	if notify {
		m := mail.AccountNotice(u.Email, o.settings.siteName(), a.notice, req.At)
		m.From = o.settings.mailFrom()
		row, err := mail.NewOutbox(st, mail.OutboxOptions{}).Prepare(m)
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
		summary, err := o.account(ctx, st, u.ID)
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
	if id, ok := c["resent_mail"]; ok {
		parts = append(parts, fmt.Sprintf("message #%d queued again as #%d", id, c["new_mail"]))
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

// findUser resolves a numeric id, or an e-mail address in any case: support
// types addresses as users say them. Addresses that differ only in case
// (the original allows them) are listed, and on a terminal support picks
// one by id; elsewhere the command stops.
func findUser(ctx context.Context, d Deps, st *store.SQLite, ref string) (store.User, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		u, err := st.UserByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return u, errNoUser{fmt.Errorf("no user with id %d", id)}
		}
		return u, err
	}
	users, err := st.UsersByEmailFold(ctx, ref)
	switch {
	case err != nil:
		return store.User{}, err
	case len(users) == 0:
		return store.User{}, errNoUser{fmt.Errorf("no user %q (try 'vsauth admin list')", ref)}
	case len(users) == 1:
		return users[0], nil
	}
	var list strings.Builder
	for _, u := range users {
		fmt.Fprintf(&list, "  %d  %s\n", u.ID, u.Email)
	}
	what := fmt.Sprintf("%d accounts match %s when case is ignored:\n%s", len(users), ref, list.String())
	if !d.IO.InTTY {
		return store.User{}, usageErrorf("%sname one by its id; nothing changed", what)
	}
	fmt.Fprint(d.IO.ErrOut, what)
	answer, err := promptLine(d.IO, "Account id: ")
	if err != nil {
		return store.User{}, err
	}
	for _, u := range users {
		if strconv.FormatInt(u.ID, 10) == answer {
			return u, nil
		}
	}
	return store.User{}, fmt.Errorf("%q is not one of the ids listed; nothing changed", answer)
}

// errNoUser is findUser's answer when no account matches.
type errNoUser struct{ error }

// withUser opens the server's database and runs do on the user named by
// ref, an email or a numeric id.
func withUser(ctx context.Context, d Deps, o *adminOptions, ref string, do func(st *store.SQLite, u store.User) error) error {
	st, _, err := openDB(ctx, o.settings.db(), d.Getenv, dbMustExist)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := findUser(ctx, d, st, ref)
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
	ID         int64      `json:"id"`
	Email      string     `json:"email"`
	Active     bool       `json:"active"`
	Admin      bool       `json:"admin"`
	DateJoined time.Time  `json:"date_joined"`
	LastLogin  *time.Time `json:"last_login"`
	// TwoStep is off, pending (a TOTP device not confirmed yet), totp or
	// codes only (emergency codes and no TOTP device).
	TwoStep        string `json:"two_step"`
	EmergencyCodes int    `json:"emergency_codes"`
	FailedLogins   int    `json:"failed_logins"`
	// LockedUntil is when failed logins stop locking the account (hardened
	// profile); nil when they do not.
	LockedUntil    *time.Time `json:"locked_until"`
	FailedCodes    int        `json:"failed_codes"`
	HashIterations string     `json:"hash_iterations"`
}

// loginLock is the server's rule for failed logins: its throttle factor
// (1) and --login-lock-max.
func (o *adminOptions) loginLock() (otp.ThrottlePolicy, error) {
	lockMax, err := o.settings.loginLockMax()
	return otp.ThrottlePolicy{Factor: 1, Max: lockMax}, err
}

// account reads one account and summarizes it as of now.
func (o *adminOptions) account(ctx context.Context, st *store.SQLite, id int64) (accountSummary, error) {
	lock, err := o.loginLock()
	if err != nil {
		return accountSummary{}, err
	}
	as, err := st.Accounts(ctx, store.AccountFilter{UserID: id})
	if err != nil {
		return accountSummary{}, err
	}
	if len(as) == 0 {
		return accountSummary{}, fmt.Errorf("user %d was deleted meanwhile", id)
	}
	return summarizeAccount(as[0], lock, o.now()), nil
}

func summarizeAccount(acc store.Account, lock otp.ThrottlePolicy, now time.Time) accountSummary {
	a := accountSummary{ID: acc.ID, Email: acc.Email, Active: acc.IsActive, Admin: acc.IsAdmin, DateJoined: acc.DateJoined, LastLogin: acc.LastLogin,
		TwoStep: "off", EmergencyCodes: acc.Codes, FailedLogins: acc.LoginFailure.FailureCount}
	if parts := strings.SplitN(acc.Password, "$", 4); len(parts) == 4 {
		a.HashIterations = parts[0] + " " + parts[1]
	} else {
		a.HashIterations = "unusable"
	}
	switch {
	case acc.TOTP != nil && acc.TOTP.Confirmed:
		a.TwoStep = "totp"
	case acc.TOTP != nil:
		a.TwoStep = "pending"
	case acc.Static != nil && acc.Static.Confirmed:
		a.TwoStep = "codes only"
	}
	if acc.TOTP != nil {
		a.FailedCodes += acc.TOTP.Throttle.FailureCount
	}
	if acc.Static != nil {
		a.FailedCodes += acc.Static.Throttle.FailureCount
	}
	if ok, until := lock.Allows(acc.LoginFailure, now); !ok {
		until = until.UTC()
		a.LockedUntil = &until
	}
	return a
}

func lockedUntil(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// twoStepFilters are the values of admin list --two-step.
var twoStepFilters = map[string]string{"on": store.TwoStepOn, "off": store.TwoStepOff, "pending": store.TwoStepPending}

func newCmdAdminList(d Deps, o *adminOptions) *cobra.Command {
	var (
		asJSON, locked bool
		twoStep        string
		limit          int
		after          int64
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List accounts with their two-step state, failed logins and lock",
		Long: `List accounts, ordered by id, with their two-step state:

  off         no second step: the password alone logs in
  pending     a TOTP device was created but not confirmed yet
  totp        a confirmed TOTP device: login asks for a code
  codes only  emergency codes and no TOTP device: login asks for a code

--two-step on keeps totp and codes only; off and pending keep their own.
--locked keeps the accounts that failed logins lock now (hardened profile),
until LOCKED UNTIL, computed with the server's --login-lock-max.
--limit pages through a large table: the next page is --after the last id.`,
		Example: `  vsauth admin list --locked
  vsauth admin list --two-step pending --json
  vsauth admin list --limit 100 --after 4200`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			f := store.AccountFilter{AfterID: after}
			if twoStep != "" {
				var ok bool
				if f.TwoStep, ok = twoStepFilters[twoStep]; !ok {
					return usageErrorf("--two-step must be on, off or pending, not %q", twoStep)
				}
			}
			if limit < 0 || after < 0 {
				return usageErrorf("--limit and --after must not be negative")
			}
			lock, err := o.loginLock()
			if err != nil {
				return err
			}
			now := o.now()
			if locked {
				// Only a failure within the cap can lock; the rule then
				// decides exactly, and the few candidates are paged here.
				f.FailedLoginSince = now.Add(-lock.Max)
			} else if limit > 0 {
				f.Limit = limit + 1 // one more tells whether there is a next page
			}
			st, _, err := openDB(ctx, o.settings.db(), d.Getenv, dbMustExist)
			if err != nil {
				return err
			}
			defer st.Close()
			accounts, err := st.Accounts(ctx, f)
			if err != nil {
				return err
			}
			out := make([]accountSummary, 0, len(accounts))
			for _, acc := range accounts {
				if a := summarizeAccount(acc, lock, now); !locked || a.LockedUntil != nil {
					out = append(out, a)
				}
			}
			more := limit > 0 && len(out) > limit
			if more {
				out = out[:limit]
			}
			if err := writeAccounts(d.IO, out, asJSON); err != nil {
				return err
			}
			if more {
				fmt.Fprintf(d.IO.ErrOut, "more accounts: add --after %d for the next page\n", out[len(out)-1].ID)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&twoStep, "two-step", "", "only accounts whose two-step login is on (totp, codes only), off or pending")
	cmd.Flags().BoolVar(&locked, "locked", false, "only accounts that failed logins lock now")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many accounts (0: all)")
	cmd.Flags().Int64Var(&after, "after", 0, "only accounts with a higher id (the next page)")
	return cmd
}

func writeAccounts(io IOStreams, out []accountSummary, asJSON bool) error {
	if asJSON {
		return writeJSON(io.Out, out)
	}
	if len(out) == 0 {
		_, err := fmt.Fprintln(io.ErrOut, "no accounts")
		return err
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tACTIVE\tTWO-STEP\tCODES\tFAILED LOGINS\tLOCKED UNTIL\tLAST LOGIN")
	for _, a := range out {
		fmt.Fprintf(tw, "%d\t%s\t%t\t%s\t%d\t%d\t%s\t%s\n", a.ID, a.Email, a.Active, a.TwoStep, a.EmergencyCodes, a.FailedLogins, lockedUntil(a.LockedUntil), lastLogin(a.LastLogin))
	}
	return tw.Flush()
}

func newCmdAdminShow(d Deps, o *adminOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show EMAIL|ID",
		Short: "Show one account (no secrets)",
		Long: `Show one account: its state, until when failed logins lock it (hardened
profile; computed with the server's --login-lock-max), its last login and
the newest support actions on it. Never a hash, key, secret or code.`,
		Args: exactArgs(1, "a user's email or id"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			return withUser(ctx, d, o, args[0], func(st *store.SQLite, u store.User) error {
				a, err := o.account(ctx, st, u.ID)
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
				locked := "not locked"
				if a.LockedUntil != nil {
					locked = lockedUntil(a.LockedUntil)
				}
				fmt.Fprintf(d.IO.Out, "ID:              %d\nEmail:           %s\nActive:          %t\nAdmin:           %t\nJoined:          %s\nLast login:      %s\nTwo-step:        %s\nEmergency codes: %d left\nFailed logins:   %d\nLocked until:    %s\nFailed codes:    %d\nPassword hash:   %s\n",
					a.ID, a.Email, a.Active, a.Admin, a.DateJoined.UTC().Format(time.RFC3339), lastLogin(a.LastLogin), a.TwoStep, a.EmergencyCodes, a.FailedLogins, locked, a.FailedCodes, a.HashIterations)
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
		f         actionFlags
		fromStdin bool
		settings  *serverSettings
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
			iterations, err := settings.passwordIterations()
			if err != nil {
				return err
			}
			ctx := c.Context()
			return withUser(ctx, d, o, args[0], func(st *store.SQLite, u store.User) error {
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
	settings = addServerSettings(cmd, d, "password-iterations")
	return cmd
}

func newCmdAdminAudit(d Deps, o *adminOptions) *cobra.Command {
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
				t, err := parseSince(since, o.now())
				if err != nil {
					return usageError{err}
				}
				f.Since = t
			}
			st, _, err := openDB(ctx, o.settings.db(), d.Getenv, dbMustExist)
			if err != nil {
				return err
			}
			defer st.Close()
			if len(args) == 1 {
				u, err := findUser(ctx, d, st, args[0])
				var none errNoUser
				switch {
				case err == nil:
					f.UserID = u.ID
				case errors.As(err, &none) && strings.Contains(args[0], "@"):
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
