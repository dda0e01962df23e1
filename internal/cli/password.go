package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/client"
)

func newCmdPassword(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password",
		Short: "Change your password, or reset a forgotten one by email",
	}
	cmd.AddCommand(
		newCmdPasswordChange(a, nil),
		newCmdPasswordReset(a, nil),
		newCmdPasswordResetConfirm(a, nil),
	)
	return cmd
}

type passwordChangeOptions struct {
	IO            IOStreams
	app           *app
	PasswordStdin bool
}

func newCmdPasswordChange(a *app, runF func(context.Context, *passwordChangeOptions) error) *cobra.Command {
	opts := &passwordChangeOptions{IO: a.d.IO, app: a}
	cmd := &cobra.Command{
		Use:   "change",
		Short: "Change the password of the account you are logged in as",
		Long: `Change the password of the account you are logged in as. The current
password, then the new one (twice), are asked at hidden prompts; with
--password-stdin, the first line of standard input is the current password and
the second line the new one. Passwords are never read from arguments.`,
		Example: `  vsauth password change
  printf '%s\n%s\n' "$OLD" "$NEW" | vsauth password change --password-stdin`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return passwordChangeRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the current password, then the new one, from the first two lines of standard input")
	return cmd
}

func passwordChangeRun(ctx context.Context, opts *passwordChangeOptions) error {
	s, err := opts.app.loggedIn(ctx)
	if err != nil {
		return err
	}
	var current, next string
	if opts.PasswordStdin {
		lines, err := readStdinLines(opts.IO.In, 2, "the current password, then the new one")
		if err != nil {
			return err
		}
		current, next = lines[0], lines[1]
	} else {
		if current, err = readSecret(opts.IO, "Current password: ", false); err != nil {
			return err
		}
		if next, err = newSecret(opts.IO, "New password: ", false); err != nil {
			return err
		}
	}
	if err := s.c.ChangePassword(ctx, current, next); err != nil {
		return refused("password not changed", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Changed the password of %s on %s.\n", accountName(s), s.server)
	// The original backend keeps every token valid after a change (API.md D5);
	// a hardened server ends them. Which one this is cannot be seen from here.
	fmt.Fprintln(opts.IO.ErrOut, "note: if this server keeps sessions across a password change, as the original backend does, "+
		"other logins stay valid: run 'vsauth logout --all' to end them.")
	return nil
}

// accountName is the session's account for messages.
func accountName(s *session) string {
	if s.account == "" {
		return "the account"
	}
	return s.account
}

// readStdinLines reads the first n lines of standard input, which hold what
// (named in the error, since the lines themselves are secrets).
func readStdinLines(in io.Reader, n int, what string) ([]string, error) {
	r := bufio.NewReader(in)
	lines := make([]string, 0, n)
	for len(lines) < n {
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return nil, fmt.Errorf("reading standard input: want %d lines, %s; got %d", n, what, len(lines))
		}
		lines = append(lines, strings.TrimRight(line, "\r\n"))
	}
	return lines, nil
}

type passwordResetOptions struct {
	IO    IOStreams
	app   *app
	Email string
}

func newCmdPasswordReset(a *app, runF func(context.Context, *passwordResetOptions) error) *cobra.Command {
	opts := &passwordResetOptions{IO: a.d.IO, app: a}
	cmd := &cobra.Command{
		Use:   "reset EMAIL",
		Short: "Email a password reset link",
		Long: `Ask the server to email a password reset link to EMAIL. Needs no login. The
server answers the same whether or not an account exists, so this command
cannot tell either. Finish with 'vsauth password reset-confirm LINK'.`,
		Example: `  vsauth password reset alice@example.com`,
		Args:    exactArgs(1, "an email address"),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Email = args[0]
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return passwordResetRun(c.Context(), opts)
		},
	}
	return cmd
}

func passwordResetRun(ctx context.Context, opts *passwordResetOptions) error {
	c, _, err := opts.app.client()
	if err != nil {
		return err
	}
	if err := c.ResetPassword(ctx, opts.Email); err != nil {
		return refused("no reset link sent", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "If an account exists for %s, a reset link has been sent.\n", opts.Email)
	return nil
}

type passwordResetConfirmOptions struct {
	IO            IOStreams
	app           *app
	UID, Token    string
	PasswordStdin bool
	// LinkServer is the scheme, host and path prefix of the link, the
	// server that sent it; "" without a link.
	LinkServer string
}

func newCmdPasswordResetConfirm(a *app, runF func(context.Context, *passwordResetConfirmOptions) error) *cobra.Command {
	opts := &passwordResetConfirmOptions{IO: a.d.IO, app: a}
	cmd := &cobra.Command{
		Use:   "reset-confirm [LINK]",
		Short: "Set a new password with the link of a reset email",
		Long: `Set a new password with the link of a password reset email, pasted as is, or
with its two parts given as --uid and --token. The new password is asked twice
at a hidden prompt, or read from the first line of standard input with
--password-stdin.

A link is confirmed with the server that sent it (its scheme, host and any
path before /password/reset/confirm/), unless --server or VSAUTH_SERVER names
another; the command says which server it asks.

The link is single-use: it stops working once a password is set with it (or
the password changes otherwise), and after about three days. That is why it
may be given as an argument; still, do not share it before it is used.`,
		Example: `  vsauth password reset-confirm http://127.0.0.1:8000/password/reset/confirm/MQ/cdmhbk-0123456789abcdef0123
  printf '%s\n' "$NEW" | vsauth password reset-confirm --uid MQ --token cdmhbk-0123456789abcdef0123 --password-stdin`,
		Args: maxOneArg("the reset link"),
		RunE: func(c *cobra.Command, args []string) error {
			f := c.Flags()
			flags := f.Changed("uid") || f.Changed("token")
			switch {
			case len(args) == 1 && flags:
				return usageErrorf("give the reset link or --uid and --token, not both")
			case len(args) == 1:
				uid, token, err := client.ParseResetLink(args[0])
				if err != nil {
					// err never quotes the link: it is a live credential.
					return usageError{err}
				}
				opts.UID, opts.Token = uid, token
				opts.LinkServer = linkServer(args[0])
			case !flags:
				return usageErrorf("give the reset link from the email, or --uid and --token")
			case opts.UID == "" || opts.Token == "":
				return usageErrorf("--uid and --token go together, and neither may be empty")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return passwordResetConfirmRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.UID, "uid", "", "the uid part of the reset link")
	f.StringVar(&opts.Token, "token", "", "the token part of the reset link")
	f.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the new password from the first line of standard input")
	return cmd
}

// linkServer is the base URL of the server that a reset link ParseResetLink
// accepted names.
func linkServer(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return ""
	}
	prefix := u.Path[:strings.LastIndex(u.Path, "/password/reset/confirm/")]
	return u.Scheme + "://" + u.Host + prefix
}

func passwordResetConfirmRun(ctx context.Context, opts *passwordResetConfirmOptions) error {
	var (
		c    *client.Client
		base string
		err  error
	)
	if opts.LinkServer != "" && !opts.app.serverChosen() {
		c, base, err = opts.app.clientFor(opts.LinkServer)
	} else {
		c, base, err = opts.app.client()
	}
	if err != nil {
		return err
	}
	why := "the selected server"
	switch {
	case opts.LinkServer == base:
		why = "the server in the link"
	case opts.LinkServer != "":
		why = "--server, not the link's " + opts.LinkServer
	}
	pw, err := newSecret(opts.IO, "New password: ", opts.PasswordStdin)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Asking %s (%s).\n", base, why)
	if err := c.ConfirmReset(ctx, opts.UID, opts.Token, pw); err != nil {
		return refused("password not reset", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Password reset on %s; the link is used up. Log in with the new password: 'vsauth login'.\n", base)
	return nil
}
