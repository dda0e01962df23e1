package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/tokenstore"
)

type loginOptions struct {
	a             *app
	Email         string
	PasswordStdin bool
	OTPCode       string
	JSON          bool
}

// loginResult is the stable JSON shape of `vsauth login --json`; its fields
// are named as in `vsauth auth status --json`. It holds no secret.
type loginResult struct {
	Server      string     `json:"server"`
	Account     string     `json:"account"`
	Storage     string     `json:"storage"`
	Expires     *time.Time `json:"expires,omitempty"`
	OTPVerified bool       `json:"otp_verified"`
	OTPDevice   string     `json:"otp_device,omitempty"`
}

func newCmdLogin(a *app, runF func(context.Context, *loginOptions) error) *cobra.Command {
	opts := &loginOptions{a: a}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in and keep the token in the OS keyring",
		Long: `Log in with email and password. When the account has two-step login, continue
with a TOTP code or an emergency code (asked at the prompt, or --otp-code).

The token is kept in the OS keyring, one entry per server and account. Without a
keyring, pass --insecure-storage to keep it in a plain file instead (a warning is
printed once); this is checked before the password is asked. Later commands that
get a new token (totp enroll, recovery use, ...) replace it in that file without
the flag.

With --json, a successful login prints one object on standard output (never the
token; messages stay on standard error):
  {"server": "http://127.0.0.1:8000", "account": "alice@example.com",
   "storage": "keyring", "expires": "2030-01-01T00:05:00Z",
   "otp_verified": true, "otp_device": "otp_totp.totpdevice/1"}
storage is "keyring" or "file PATH"; otp_device is left out when otp_verified is
false. A login that stops before its second step (exit 5) prints no JSON:
'vsauth auth status --json' shows that state.`,
		Example: `  vsauth login --email alice@example.com
  printf '%s\n' "$PASSWORD" | vsauth login --email alice@example.com --password-stdin --otp-code 123456
  printf '%s\n' "$PASSWORD" | vsauth login --email alice@example.com --password-stdin --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return loginRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Email, "email", "", "account email (asked when omitted on a terminal)")
	f.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of standard input")
	f.StringVar(&opts.OTPCode, "otp-code", "", "second step: a 6-digit TOTP code or an 8-character emergency code (short-lived, single-use)")
	f.BoolVar(&opts.JSON, "json", false, "print the server, account, token storage, expiry and two-step state as JSON (never the token)")
	return cmd
}

var (
	totpCodeRE   = regexp.MustCompile(`^[0-9]{6}$`)
	staticCodeRE = regexp.MustCompile(`^[a-z2-9]{7,8}$`)
)

func loginRun(ctx context.Context, opts *loginOptions) error {
	a, io := opts.a, opts.a.d.IO
	c, base, err := a.client()
	if err != nil {
		return err
	}
	// Find out where the token will go before anything is asked or sent: a
	// machine without a keyring (and without --insecure-storage) fails here.
	st, err := a.tokens()
	if err != nil {
		return err
	}
	target, err := st.Target(ctx, base)
	if err != nil {
		return err
	}
	email := opts.Email
	if email == "" {
		if email, err = promptLine(io, "Email: "); err != nil {
			return err
		}
	}
	pw, err := readSecret(io, "Password: ", opts.PasswordStdin)
	if err != nil {
		return err
	}
	first, err := c.Login(ctx, email, pw)
	if client.IsInvalidCredentials(err) {
		// A throttling server (vsauth hardened) refuses the right password
		// in these same words while the account is locked.
		return fmt.Errorf("login to %s failed: %w\nwrong email or password, or, on a server that throttles failed logins (vsauth --profile hardened), the account is locked for a while after failed attempts: try again later", base, err)
	}
	if err != nil {
		return fmt.Errorf("login to %s failed: %w", base, err)
	}
	claims, err := first.Claims()
	if err != nil {
		return err
	}
	// With the target's location, a keyring found missing above is not
	// asked again: the token goes straight to the file the user agreed to.
	s := &session{c: c, server: base, account: claims.Username, location: target}
	// The first-factor token is kept either way: with it, 'vsauth recovery
	// use' or a later login can finish the second step.
	if err := a.save(ctx, s, first); err != nil {
		return err
	}
	_, err = c.User(ctx)
	switch {
	case err == nil:
		fmt.Fprintf(io.ErrOut, "Logged in to %s as %s (token in %s).\n", base, s.account, s.location)
		return printLogin(io, s, opts.JSON)
	case !client.IsOTPRequired(err):
		return apiError(err)
	}
	code := strings.TrimSpace(opts.OTPCode)
	if code == "" {
		if !io.InTTY {
			return secondStepError{fmt.Errorf("%s has two-step login: pass --otp-code, or run 'vsauth recovery use' (the password step is done and kept)", s.account)}
		}
		if code, err = readSecret(io, "Two-step code (6 digits, or an emergency code): ", false); err != nil {
			return err
		}
	}
	upgraded, err := secondStep(ctx, c, strings.TrimSpace(code))
	if err != nil {
		return secondStepError{err}
	}
	if err := a.save(ctx, s, upgraded); err != nil {
		return afterChange("the second step was accepted and its code is used up", notStored(err),
			"the password step's token is kept: run 'vsauth login' again with the next code, or 'vsauth recovery use'")
	}
	fmt.Fprintf(io.ErrOut, "Logged in to %s as %s with two-step verification (token in %s).\n", base, s.account, s.location)
	return printLogin(io, s, opts.JSON)
}

// printLogin prints the JSON of a finished login, with --json.
func printLogin(io IOStreams, s *session, asJSON bool) error {
	if !asJSON {
		return nil
	}
	res := loginResult{Server: s.server, Account: s.account, Storage: s.location.String()}
	if claims, err := s.token.Claims(); err == nil {
		if !claims.Expires.IsZero() {
			exp := claims.Expires.UTC()
			res.Expires = &exp
		}
		res.OTPDevice, res.OTPVerified = claims.OTPDeviceID, claims.OTPDeviceID != ""
	}
	return writeJSON(io.Out, res)
}

// secondStep sends a TOTP code or an emergency code, told apart by shape.
func secondStep(ctx context.Context, c *client.Client, code string) (client.Token, error) {
	switch {
	case totpCodeRE.MatchString(code):
		tok, err := c.TOTPLogin(ctx, code)
		if err != nil {
			return "", fmt.Errorf("the TOTP code was not accepted (wrong, already used, or the clock is off): %w", err)
		}
		return tok, nil
	case staticCodeRE.MatchString(strings.ToLower(code)):
		tok, err := c.StaticLogin(ctx, strings.ToLower(code))
		if err != nil {
			return "", fmt.Errorf("the emergency code was not accepted (wrong or already used): %w", err)
		}
		return tok, nil
	}
	return "", usageErrorf("a code is 6 digits (TOTP) or 8 letters and digits (emergency code)")
}

type logoutOptions struct {
	a   *app
	All bool
}

func newCmdLogout(a *app) *cobra.Command {
	opts := &logoutOptions{a: a}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget the stored token (--all: end every session on the server first)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, args []string) error { return logoutRun(c.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "invalidate every token of the account on the server, then forget it here")
	return cmd
}

func logoutRun(ctx context.Context, opts *logoutOptions) error {
	a, io := opts.a, opts.a.d.IO
	s, err := a.loggedIn(ctx)
	if err != nil {
		return err
	}
	if opts.All {
		if err := s.c.LogoutAll(ctx); err != nil {
			return apiError(err)
		}
		fmt.Fprintf(io.ErrOut, "Ended every session of %s on %s.\n", s.account, s.server)
	}
	if s.location.Kind == tokenstore.InEnvironment {
		fmt.Fprintln(io.ErrOut, "The token comes from VSAUTH_TOKEN: unset it to log out here.")
		return nil
	}
	if err := a.forget(ctx, s); err != nil {
		if opts.All {
			return afterChange("every session has ended on the server", fmt.Errorf("the dead token could not be removed here: %w", err),
				"run 'vsauth logout' to remove it")
		}
		return err
	}
	fmt.Fprintf(io.ErrOut, "Logged out of %s (%s).\n", s.server, s.account)
	return nil
}

func newCmdAuth(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "auth", Short: "Inspect the stored login"}
	cmd.AddCommand(newCmdAuthStatus(a), newCmdAuthToken(a))
	return cmd
}

type authStatusOptions struct {
	a    *app
	JSON bool
}

// authStatus is the stable JSON shape of `vsauth auth status --json`.
type authStatus struct {
	Server      string     `json:"server"`
	LoggedIn    bool       `json:"logged_in"`
	Account     string     `json:"account,omitempty"`
	Storage     string     `json:"storage,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	OTPVerified bool       `json:"otp_verified"`
	OTPDevice   string     `json:"otp_device,omitempty"`
	Check       string     `json:"check"` // ok, expired, rejected, second_step_required, not_logged_in
	Detail      string     `json:"detail,omitempty"`
}

func newCmdAuthStatus(a *app) *cobra.Command {
	opts := &authStatusOptions{a: a}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the server, account, token storage and expiry, checked against the server",
		Long:  "Show the login for the selected server and check the token against it.\nExits 4 when not logged in or the token is rejected, 5 when the second step is missing.",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, args []string) error { return authStatusRun(c.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func authStatusRun(ctx context.Context, opts *authStatusOptions) error {
	a, io := opts.a, opts.a.d.IO
	st := authStatus{Check: "not_logged_in"}
	s, err := a.loggedIn(ctx)
	var ae authError
	switch {
	case errors.As(err, &ae):
		base, _ := a.serverURL()
		st.Server = base
	case err != nil:
		return err
	default:
		st.Server, st.LoggedIn, st.Account, st.Storage = s.server, true, s.account, s.location.String()
		if claims, cerr := s.token.Claims(); cerr == nil {
			exp := claims.Expires.UTC()
			st.Expires, st.OTPDevice, st.OTPVerified = &exp, claims.OTPDeviceID, claims.OTPDeviceID != ""
			if st.Account == "" {
				st.Account = claims.Username
			}
		}
		_, uerr := s.c.User(ctx)
		switch {
		case uerr == nil:
			st.Check = "ok"
		case client.IsOTPRequired(uerr):
			st.Check = "second_step_required"
		case client.IsUnauthorized(uerr):
			st.Check = "rejected"
			var ce *client.Error
			if errors.As(uerr, &ce) {
				st.Detail = ce.Detail
			}
			if st.Detail == "Signature has expired." {
				st.Check = "expired"
			}
		default:
			return uerr
		}
	}
	if opts.JSON {
		if err := writeJSON(io.Out, st); err != nil {
			return err
		}
	} else {
		printStatus(io, st, a.now())
	}
	switch st.Check {
	case "ok":
		return nil
	case "second_step_required":
		return silentExit{ExitSecondStep}
	}
	return silentExit{ExitAuth}
}

func printStatus(io IOStreams, st authStatus, now time.Time) {
	fmt.Fprintf(io.Out, "Server:    %s\n", st.Server)
	if !st.LoggedIn {
		fmt.Fprintln(io.Out, "Account:   not logged in (run 'vsauth login')")
		return
	}
	fmt.Fprintf(io.Out, "Account:   %s\nToken in:  %s\n", st.Account, st.Storage)
	if st.Expires != nil {
		left := st.Expires.Sub(now).Round(time.Second)
		when := "expired " + (-left).String() + " ago"
		if left > 0 {
			when = "in " + left.String()
		}
		fmt.Fprintf(io.Out, "Expires:   %s (%s)\n", st.Expires.Format(time.RFC3339), when)
	}
	verified := "no"
	if st.OTPVerified {
		verified = "yes (" + st.OTPDevice + ")"
	}
	fmt.Fprintf(io.Out, "Two-step:  %s\n", verified)
	check := map[string]string{
		"ok":                   "token accepted by the server",
		"second_step_required": "password step only: the account needs its second step ('vsauth login' with a code, or 'vsauth recovery use')",
		"expired":              "token expired: run 'vsauth login' (or 'vsauth token refresh' where the server allows it)",
		"rejected":             "token rejected by the server (" + st.Detail + "): run 'vsauth login'",
	}[st.Check]
	fmt.Fprintf(io.Out, "Check:     %s\n", check)
}

// silentExit ends a command with a code, its output already printed.
type silentExit struct{ code int }

func (e silentExit) Error() string { return "" }

func newCmdAuthToken(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "token",
		Short:   "Print the stored token, for scripts (exit 4 when not logged in)",
		Example: `  curl -H "Authorization: JWT $(vsauth auth token)" http://127.0.0.1:8000/api/user/view/`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			s, err := a.loggedIn(c.Context())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.d.IO.Out, s.token)
			return err
		},
	}
}

func newCmdToken(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage the stored token"}
	cmd.AddCommand(newCmdTokenRefresh(a, nil))
	return cmd
}

type tokenRefreshOptions struct {
	a    *app
	JSON bool
}

// tokenRefreshResult is the stable JSON shape of `vsauth token refresh
// --json`.
type tokenRefreshResult struct {
	Expires *time.Time `json:"expires,omitempty"`
	// Token is the fresh token, only when VSAUTH_TOKEN is set and it cannot
	// be stored.
	Token client.Token `json:"token,omitempty"`
}

func newCmdTokenRefresh(a *app, runF func(context.Context, *tokenRefreshOptions) error) *cobra.Command {
	opts := &tokenRefreshOptions{a: a}
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Exchange the stored token for a fresh one (servers that allow refresh only)",
		Long: `Exchange the stored token for a fresh one with a new expiry.

The original backend has refresh switched off and always answers
"orig_iat field is required."; vsauth's server allows it in the hardened profile.

With --json, standard output is one object with the new expiry in UTC:
  {"expires": "2030-01-01T00:05:00Z"}
When the token comes from VSAUTH_TOKEN, nothing is stored and the fresh token
is printed: as a line without --json, as the field "token" with it.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return tokenRefreshRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the new expiry as JSON")
	return cmd
}

func tokenRefreshRun(ctx context.Context, opts *tokenRefreshOptions) error {
	a, io := opts.a, opts.a.d.IO
	s, err := a.loggedIn(ctx)
	if err != nil {
		return err
	}
	fresh, err := s.c.Refresh(ctx, s.token)
	if err != nil {
		return fmt.Errorf("refresh refused: %w", err)
	}
	var res tokenRefreshResult
	if opts.JSON {
		res.Token, err = a.keep(ctx, s, fresh)
	} else {
		err = a.save(ctx, s, fresh)
	}
	if err != nil {
		return err
	}
	if claims, err := fresh.Claims(); err == nil {
		exp := claims.Expires.UTC()
		if !exp.IsZero() {
			res.Expires = &exp
		}
		fmt.Fprintf(io.ErrOut, "Token refreshed; it expires at %s.\n", exp.Format(time.RFC3339))
	}
	if opts.JSON {
		return writeJSON(io.Out, res)
	}
	return nil
}
