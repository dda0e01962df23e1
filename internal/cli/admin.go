package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/store"
)

func newCmdAdmin(d Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Support tasks on a local server database: unblock, reset and inspect accounts",
		Long: `Support tasks on the database of a local 'vsauth server' (--db, default: the
server's default database). They work while the server runs.

A user is named by email (exact, as stored) or by numeric id.`,
	}
	var db string
	cmd.PersistentFlags().StringVar(&db, "db", "", "server database (default: the one 'vsauth server' uses)")
	dbPath := func() string { return db }
	cmd.AddCommand(
		newCmdAdminList(d, dbPath),
		newCmdAdminShow(d, dbPath),
		newCmdAdminAction(d, dbPath, "reset-two-step", "Delete the user's TOTP device and emergency codes and end every session",
			"The user logs in with the password alone afterwards and can enrol again.", resetTwoStep),
		newCmdAdminAction(d, dbPath, "clear-throttle", "Clear the failed-attempt delays of the user's logins and devices",
			"", func(ctx context.Context, st *store.SQLite, u store.User) (string, error) {
				return "cleared failed-attempt throttling", st.ClearThrottles(ctx, u.ID)
			}),
		newCmdAdminAction(d, dbPath, "revoke-sessions", "End every session of the user (all tokens stop working)",
			"", func(ctx context.Context, st *store.SQLite, u store.User) (string, error) {
				secret, err := authtoken.NewSecret(rand.Reader)
				if err != nil {
					return "", err
				}
				return "revoked every session", st.SetJWTSecret(ctx, u.ID, secret)
			}),
		newCmdAdminSetPassword(d, dbPath),
	)
	return cmd
}

func resetTwoStep(ctx context.Context, st *store.SQLite, u store.User) (string, error) {
	secret, err := authtoken.NewSecret(rand.Reader)
	if err != nil {
		return "", err
	}
	return "removed two-step login and revoked every session", st.DeleteDevices(ctx, u.ID, false, secret)
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

type adminAction func(ctx context.Context, st *store.SQLite, u store.User) (string, error)

func newCmdAdminAction(d Deps, db func() string, use, short, long string, act adminAction) *cobra.Command {
	return &cobra.Command{
		Use:   use + " EMAIL|ID",
		Short: short,
		Long:  strings.TrimSpace(short + ".\n\n" + long),
		Args:  exactArgs(1, "a user's email or id"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			return withUser(ctx, d, db(), args[0], func(st *store.SQLite, u store.User) error {
				done, err := act(ctx, st, u)
				if err != nil {
					return err
				}
				fmt.Fprintf(d.IO.Out, "%s: %s\n", u.Email, done)
				return nil
			})
		},
	}
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
				if asJSON {
					return writeJSON(d.IO.Out, a)
				}
				last := "never"
				if a.LastLogin != nil {
					last = a.LastLogin.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(d.IO.Out, "ID:              %d\nEmail:           %s\nActive:          %t\nAdmin:           %t\nJoined:          %s\nLast reset:      %s\nTwo-step:        %s\nEmergency codes: %d left\nFailed logins:   %d\nFailed codes:    %d\nPassword hash:   %s\n",
					a.ID, a.Email, a.Active, a.Admin, a.DateJoined.UTC().Format(time.RFC3339), last, a.TwoStep, a.EmergencyCodes, a.FailedLogins, a.FailedCodes, a.HashIterations)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCmdAdminSetPassword(d Deps, db func() string) *cobra.Command {
	var fromStdin bool
	var iterations int
	cmd := &cobra.Command{
		Use:   "set-password EMAIL|ID",
		Short: "Set a user's password (read from a prompt or --password-stdin, never from arguments)",
		Long: `Set a user's password. It must pass the server's password rules. Every session
of the user ends, and password-reset links already sent stop working.`,
		Example: `  vsauth admin set-password alice@example.com
  printf '%s\n' "$NEW_PASSWORD" | vsauth admin set-password alice@example.com --password-stdin`,
		Args: exactArgs(1, "a user's email or id"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			return withUser(ctx, d, db(), args[0], func(st *store.SQLite, u store.User) error {
				pw, err := newSecret(d.IO, "New password for "+u.Email+": ", fromStdin)
				if err != nil {
					return err
				}
				return setPassword(ctx, d.IO, st, u, pw, iterations)
			})
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.Flags().IntVar(&iterations, "password-iterations", password.DefaultIterations, "PBKDF2 iterations of the new hash")
	return cmd
}

func setPassword(ctx context.Context, io IOStreams, st *store.SQLite, u store.User, pw string, iterations int) error {
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
	ok, err := st.UpdatePassword(ctx, u.ID, store.PasswordUpdate{ExpectHash: u.Password, NewHash: hash, NewJWTSecret: secret})
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the account changed meanwhile; nothing changed, try again")
	}
	fmt.Fprintf(io.Out, "%s: password set, every session ended\n", u.Email)
	return nil
}
