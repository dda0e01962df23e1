package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/tokenstore"
)

func newCmdUser(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Create, view, update and delete your account",
	}
	cmd.AddCommand(
		newCmdUserCreate(a, nil),
		newCmdUserView(a, nil),
		newCmdUserUpdate(a, nil),
		newCmdUserDelete(a, nil),
	)
	return cmd
}

// maxOneArg accepts at most one positional argument, named what.
func maxOneArg(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > 1 {
			return usageErrorf("%s takes at most one argument, %s", c.CommandPath(), what)
		}
		return nil
	}
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments (got %q)", c.CommandPath(), args[0])
	}
	return nil
}

type userCreateOptions struct {
	IO            IOStreams
	app           *app
	Email         string
	PasswordStdin bool
	JSON          bool
}

func newCmdUserCreate(a *app, runF func(context.Context, *userCreateOptions) error) *cobra.Command {
	opts := &userCreateOptions{IO: a.d.IO, app: a}
	cmd := &cobra.Command{
		Use:   "create [EMAIL]",
		Short: "Register a new account",
		Long: `Register a new account on the server. Without EMAIL, it is asked for on a
terminal. The password is asked twice at a hidden prompt, or read from the
first line of standard input with --password-stdin; never from arguments.

The account's id and email (as stored: the domain lower-cased) go to standard
output with --json.`,
		Example: `  vsauth user create alice@example.com
  printf '%s\n' "$PASSWORD" | vsauth user create alice@example.com --password-stdin --json`,
		Args: maxOneArg("the email address"),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Email = args[0]
			}
			if opts.Email == "" {
				if opts.PasswordStdin {
					return usageErrorf("--password-stdin needs the EMAIL argument")
				}
				if !opts.IO.InTTY {
					return usageErrorf("not a terminal: give the EMAIL argument")
				}
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return userCreateRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the new account as JSON")
	return cmd
}

func userCreateRun(ctx context.Context, opts *userCreateOptions) error {
	c, base, err := opts.app.client()
	if err != nil {
		return err
	}
	email := opts.Email
	if email == "" {
		if email, err = promptLine(opts.IO, "Email: "); err != nil {
			return err
		}
	}
	pw, err := newSecret(opts.IO, "Password: ", opts.PasswordStdin)
	if err != nil {
		return err
	}
	u, err := c.CreateUser(ctx, email, pw)
	if err != nil {
		return refused("account not created", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Created %s (id %d) on %s.\n", u.Email, u.ID, base)
	if opts.JSON {
		return writeJSON(opts.IO.Out, u)
	}
	return nil
}

type userViewOptions struct {
	IO   IOStreams
	app  *app
	JSON bool
}

func newCmdUserView(a *app, runF func(context.Context, *userViewOptions) error) *cobra.Command {
	opts := &userViewOptions{IO: a.d.IO, app: a}
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Show the account you are logged in as",
		Long: `Show the account you are logged in as: id, email, display name and about.
Unset values are shown as "-"; --json prints the server's answer, with nulls.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return userViewRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func userViewRun(ctx context.Context, opts *userViewOptions) error {
	s, err := opts.app.loggedIn(ctx)
	if err != nil {
		return err
	}
	acct, err := s.c.User(ctx)
	if err != nil {
		return apiError(err)
	}
	return printAccount(opts.IO, acct, opts.JSON)
}

func printAccount(io IOStreams, acct client.Account, asJSON bool) error {
	if asJSON {
		return writeJSON(io.Out, acct)
	}
	var p client.Profile
	if acct.Profile != nil {
		p = *acct.Profile
	}
	_, err := fmt.Fprintf(io.Out, "ID:           %d\nEmail:        %s\nDisplay name: %s\nAbout:        %s\n",
		acct.ID, acct.Email, orDash(p.DisplayName), orDash(p.About))
	return err
}

func orDash(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

type userUpdateOptions struct {
	IO     IOStreams
	app    *app
	Update client.ProfileUpdate
	JSON   bool
}

func newCmdUserUpdate(a *app, runF func(context.Context, *userUpdateOptions) error) *cobra.Command {
	opts := &userUpdateOptions{IO: a.d.IO, app: a}
	var displayName, about string
	var clearDisplayName, clearAbout bool
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change your display name or about text",
		Long: `Change the profile of the account you are logged in as. Fields not named
keep their value; --clear-… sets a field back to unset. The account as stored
is printed afterwards.`,
		Example: `  vsauth user update --display-name "Alice Liddell"
  vsauth user update --clear-about --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			f := c.Flags()
			var err error
			if opts.Update.DisplayName, err = profileField(f.Changed("display-name"), displayName, clearDisplayName, "display-name"); err != nil {
				return err
			}
			if opts.Update.About, err = profileField(f.Changed("about"), about, clearAbout, "about"); err != nil {
				return err
			}
			if opts.Update == (client.ProfileUpdate{}) {
				return usageErrorf("nothing to update: give --display-name, --about, --clear-display-name or --clear-about")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return userUpdateRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&displayName, "display-name", "", "new display name (at most 155 characters)")
	f.StringVar(&about, "about", "", "new about text")
	f.BoolVar(&clearDisplayName, "clear-display-name", false, "unset the display name")
	f.BoolVar(&clearAbout, "clear-about", false, "unset the about text")
	f.BoolVar(&opts.JSON, "json", false, "print the updated account as JSON")
	return cmd
}

// profileField turns a --name / --clear-name pair into the change to send.
func profileField(set bool, value string, clear bool, name string) (client.Field, error) {
	switch {
	case set && clear:
		return client.Field{}, usageErrorf("--%s and --clear-%s cannot be used together", name, name)
	case set:
		return client.Set(value), nil
	case clear:
		return client.Null(), nil
	}
	return client.Field{}, nil
}

func userUpdateRun(ctx context.Context, opts *userUpdateOptions) error {
	s, err := opts.app.loggedIn(ctx)
	if err != nil {
		return err
	}
	acct, err := s.c.UpdateProfile(ctx, opts.Update, true)
	if err != nil {
		return refused("profile not updated", err)
	}
	return printAccount(opts.IO, acct, opts.JSON)
}

type userDeleteOptions struct {
	IO            IOStreams
	app           *app
	PasswordStdin bool
	Yes           bool
}

func newCmdUserDelete(a *app, runF func(context.Context, *userDeleteOptions) error) *cobra.Command {
	opts := &userDeleteOptions{IO: a.d.IO, app: a}
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete the account you are logged in as",
		Long: `Delete the account you are logged in as, after checking its current password
(asked at a hidden prompt, or read from standard input with --password-stdin).
On a terminal it asks for confirmation; otherwise pass --yes. The local token
of the account is forgotten afterwards.`,
		Example: `  vsauth user delete
  printf '%s\n' "$PASSWORD" | vsauth user delete --password-stdin --yes`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if opts.PasswordStdin && !opts.Yes {
				// Standard input holds the password, so it cannot also answer the question.
				return usageErrorf("--password-stdin needs --yes")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return userDeleteRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the current password from the first line of standard input")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func userDeleteRun(ctx context.Context, opts *userDeleteOptions) error {
	s, err := opts.app.loggedIn(ctx)
	if err != nil {
		return err
	}
	// Name the account in the question, and fail on a dead login before
	// asking for anything.
	acct, err := s.c.User(ctx)
	if err != nil {
		return apiError(err)
	}
	if err := confirm(opts.IO, fmt.Sprintf("Delete the account %s on %s? This cannot be undone.", acct.Email, s.server), opts.Yes); err != nil {
		return err
	}
	pw, err := readSecret(opts.IO, "Current password: ", opts.PasswordStdin)
	if err != nil {
		return err
	}
	if err := s.c.DeleteUser(ctx, pw); err != nil {
		return refused("account not deleted", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deleted the account %s on %s.\n", acct.Email, s.server)
	if s.location.Kind == tokenstore.InEnvironment {
		fmt.Fprintln(opts.IO.ErrOut, "note: the token came from VSAUTH_TOKEN: unset it, its account is gone")
		return nil
	}
	if err := opts.app.forget(ctx, s); err != nil {
		return afterChange("the account is deleted", fmt.Errorf("its local token could not be removed: %w", err),
			"run 'vsauth logout' to remove it")
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed the local token of %s.\n", s.account)
	return nil
}

// refusedError is a 400 from the server, shown as its messages one per line,
// "field: message", under a headline saying what did not happen.
type refusedError struct {
	what  string
	lines []string
	err   error
}

func (e refusedError) Error() string { return e.what + ":\n" + strings.Join(e.lines, "\n") }
func (e refusedError) Unwrap() error { return e.err }

// refused explains a failed request: a validation error becomes the server's
// own messages, anything else goes through apiError.
func refused(what string, err error) error {
	var ce *client.Error
	if !errors.As(err, &ce) || ce.StatusCode != http.StatusBadRequest || (len(ce.Fields) == 0 && len(ce.NonField) == 0) {
		return apiError(err)
	}
	lines := slices.Clone(ce.NonField)
	for _, name := range fieldOrder(ce) {
		for _, msg := range ce.Fields[name] {
			lines = append(lines, name+": "+msg)
		}
	}
	return refusedError{what: what, lines: lines, err: err}
}

// fieldOrder lists ce.Fields' names in the order the server sent them
// (serializer order, which tells the user what to fix first), nested names
// after their parent; names the body does not explain come last, sorted.
func fieldOrder(ce *client.Error) []string {
	var order []string
	seen := map[string]bool{}
	add := func(name string) {
		if _, ok := ce.Fields[name]; ok && !seen[name] {
			seen[name] = true
			order = append(order, name)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(ce.Body))
	if t, err := dec.Token(); err == nil && t == json.Delim('{') {
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				break
			}
			key, _ := k.(string)
			add(key)
			var nested []string
			for name := range ce.Fields {
				if strings.HasPrefix(name, key+".") {
					nested = append(nested, name)
				}
			}
			slices.Sort(nested)
			for _, name := range nested {
				add(name)
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				break
			}
		}
	}
	var rest []string
	for name := range ce.Fields {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(order, rest...)
}
