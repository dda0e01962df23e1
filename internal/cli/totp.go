package cli

import (
	"bufio"
	"context"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/qr"
	"github.com/virtualspaces/vsauth/internal/tokenstore"
	"github.com/virtualspaces/vsauth/internal/totp"
)

func newCmdTOTP(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "totp",
		Short: "Two-step login with an authenticator app (TOTP): enrol, disable, print codes",
	}
	cmd.AddCommand(newCmdTOTPEnroll(a, nil), newCmdTOTPDisable(a, nil), newCmdTOTPCode(a, nil))
	return cmd
}

// recoveryChoice is what enroll does about emergency codes once the device
// is confirmed.
type recoveryChoice int

const (
	recoveryAsk recoveryChoice = iota // ask on a terminal, skip otherwise
	recoveryYes
	recoveryNo
)

type totpEnrollOptions struct {
	a          *app
	QR         qr.Mode
	NoColor    bool
	OTPCode    string
	Recovery   recoveryChoice
	SaveSecret bool
	JSON       bool
}

// totpEnrollResult is the stable JSON shape of `vsauth totp enroll --json`.
type totpEnrollResult struct {
	Account    string `json:"account"`
	OTPAuthURL string `json:"otpauth_url"`
	Secret     string `json:"secret"` // base32, as in the URL
	// TwoStep tells whether the device is confirmed: two-step login is on.
	TwoStep       bool     `json:"two_step"`
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
	// Token is the new verified token, only when VSAUTH_TOKEN is set and
	// it cannot be stored.
	Token client.Token `json:"token,omitempty"`
}

func newCmdTOTPEnroll(a *app, runF func(context.Context, *totpEnrollOptions) error) *cobra.Command {
	opts := &totpEnrollOptions{a: a, QR: qr.Blocks}
	var withCodes, withoutCodes bool
	cmd := &cobra.Command{
		Use:   "enroll",
		Short: "Turn on two-step login: scan a QR code, confirm with the first code, get emergency codes",
		Long: `Turn on two-step login for the logged-in account.

The QR code, the secret and the otpauth:// URL are shown on standard error, for
the authenticator app. The first code from the app confirms the device (asked at
a hidden prompt, or --otp-code); the stored token is then replaced by a verified
one. Emergency codes, each good for one login without the app, are printed on
standard output.

A rejected code exits 1 and leaves the device pending: run enroll again with a
new code. Without a terminal and without --otp-code, enroll shows the secret and
exits 2: the device stays pending, and a second 'vsauth totp enroll --otp-code
CODE' confirms it. --save-secret keeps the secret in the OS keyring for
'vsauth totp code --keyring' (test accounts and CI); otherwise it is never
stored.

The QR drawing is --qr, else the config key qr (or VSAUTH_QR). 'blocks' fits an
80-column terminal; 'ansi' is about 100 columns wide. NO_COLOR turns ansi into
blocks.

With --json, standard output is one object, and nothing else goes there:
  {"account": "alice@example.com", "otpauth_url": "otpauth://totp/...",
   "secret": "BASE32...", "two_step": true, "recovery_codes": ["abcd2345", ...]}
It is printed once the server has handed out the secret, even when enroll then
exits non-zero: two_step is false while the device is still pending (no code
yet, or a rejected one). recovery_codes is left out when none were created;
token appears only when VSAUTH_TOKEN is set and the new token cannot be stored.
Messages stay on standard error, as without --json, but --json implies --qr
none: pass --qr explicitly to draw the QR code on standard error anyway.`,
		Example: `  vsauth totp enroll
  vsauth totp enroll --qr none --otp-code 123456 --recovery-codes > codes.txt
  vsauth totp enroll --json --otp-code 123456 --recovery-codes > enroll.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if withCodes && withoutCodes {
				return usageErrorf("--recovery-codes and --no-recovery-codes exclude each other")
			}
			switch {
			case withCodes:
				opts.Recovery = recoveryYes
			case withoutCodes:
				opts.Recovery = recoveryNo
			}
			switch {
			case c.Flags().Changed("qr"):
			case opts.JSON:
				// A script reads the secret from the JSON: no drawing.
				opts.QR = qr.None
			default:
				if s := a.v.GetString("qr"); s != "" {
					m, err := qr.ParseMode(s)
					if err != nil {
						return usageErrorf("config qr (or VSAUTH_QR): %v", err)
					}
					opts.QR = m
				}
			}
			opts.NoColor = a.d.Getenv != nil && a.d.Getenv("NO_COLOR") != ""
			opts.OTPCode = strings.TrimSpace(opts.OTPCode)
			if opts.OTPCode != "" && !totpCodeRE.MatchString(opts.OTPCode) {
				return usageErrorf("--otp-code: a TOTP code is 6 digits")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return totpEnrollRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.Var(&opts.QR, "qr", "QR code drawing: ansi, blocks or none")
	f.StringVar(&opts.OTPCode, "otp-code", "", "the first 6-digit code from the app (short-lived, single-use)")
	f.BoolVar(&withCodes, "recovery-codes", false, "create emergency codes without asking")
	f.BoolVar(&withoutCodes, "no-recovery-codes", false, "do not create emergency codes")
	f.BoolVar(&opts.SaveSecret, "save-secret", false, "keep the TOTP secret in the OS keyring for 'vsauth totp code --keyring'")
	f.BoolVar(&opts.JSON, "json", false, "print the account, otpauth URL, secret, two-step state and emergency codes as JSON (implies --qr none)")
	return cmd
}

func totpEnrollRun(ctx context.Context, opts *totpEnrollOptions) error {
	res := &totpEnrollResult{}
	err := totpEnroll(ctx, opts, res)
	if opts.JSON && res.OTPAuthURL != "" {
		if werr := writeJSON(opts.a.d.IO.Out, res); err == nil {
			err = werr
		}
	}
	return err
}

// totpEnroll does the work of totpEnrollRun. Once the server has handed
// out the secret (r.OTPAuthURL is set), r holds what --json prints, kept up
// to date as enroll goes on.
func totpEnroll(ctx context.Context, opts *totpEnrollOptions, r *totpEnrollResult) error {
	a, io := opts.a, opts.a.d.IO
	s, err := a.loggedIn(ctx)
	if err != nil {
		return err
	}
	account := sessionAccount(s)
	alreadyOn := fmt.Errorf("two-step login is already on for %s; 'vsauth totp disable' first to enrol a new device", account)
	// A verified TOTP token means a confirmed device: the original would
	// show its secret again (API.md D4); we do not ask for it.
	if claims, cerr := s.token.Claims(); cerr == nil && strings.HasPrefix(claims.OTPDeviceID, totp.DeviceKind+"/") {
		return alreadyOn
	}
	link, err := s.c.TOTPCreate(ctx)
	if isConflict(err) {
		return alreadyOn
	}
	if err != nil {
		return apiError(err)
	}
	p, err := parseOTPAuth(link)
	if err != nil {
		return fmt.Errorf("the server's enrolment URL: %w", err)
	}
	r.Account, r.OTPAuthURL, r.Secret = account, link, p.secret
	if opts.QR != qr.None {
		fmt.Fprintln(io.ErrOut, "Scan this QR code with your authenticator app:")
		if err := qr.Draw(io.ErrOut, link, qr.Options{Mode: opts.QR, NoColor: opts.NoColor}); err != nil {
			return err
		}
		fmt.Fprint(io.ErrOut, "Or enter")
	} else {
		fmt.Fprint(io.ErrOut, "Enter")
	}
	fmt.Fprintf(io.ErrOut, " this secret in the app (time-based, %d digits, every %d seconds):\n  %s\n", p.digits, p.period, groupSecret(p.secret))
	fmt.Fprintf(io.ErrOut, "otpauth URL: %s\n", link)
	if opts.SaveSecret {
		service, err := totpKeyringService(s.server)
		if err != nil {
			return err
		}
		if err := a.keyring().Set(ctx, service, account, p.secret); err != nil {
			return fmt.Errorf("saving the TOTP secret in the keyring: %w\ntwo-step login is not on yet: run 'vsauth totp enroll' again (without --save-secret if there is no keyring)", err)
		}
		fmt.Fprintf(io.ErrOut, "Saved the secret in the OS keyring; 'vsauth totp code --keyring' prints codes.\n")
	}

	code := opts.OTPCode
	if code == "" {
		if !io.InTTY {
			return usageErrorf("not a terminal: pass the app's first code with --otp-code (the device stays pending until a code is verified)")
		}
		if code, err = readSecret(io, "First code from the app (6 digits): ", false); err != nil {
			return err
		}
		if code = strings.TrimSpace(code); !totpCodeRE.MatchString(code) {
			return usageErrorf("a TOTP code is 6 digits; two-step login is not on yet")
		}
	}
	tok, err := s.c.TOTPLogin(ctx, code)
	if errors.Is(err, client.ErrCodeRejected) {
		// The server's 400 has no body: there is nothing more to say.
		return errors.New("the code was not accepted (wrong, already used, or the clock is off)\ntwo-step login is not on yet: run 'vsauth totp enroll' again with a new code")
	}
	if err != nil {
		return apiError(err)
	}
	r.TwoStep = true
	var saveErr error
	if opts.JSON {
		r.Token, saveErr = a.keep(ctx, s, tok)
	} else {
		saveErr = a.save(ctx, s, tok)
	}
	fmt.Fprintf(io.ErrOut, "Two-step login is on for %s: logging in now takes a code from the app.\n", account)
	if saveErr != nil {
		// The device is confirmed on the server whatever happens here. Go
		// on with the verified token in memory, so that the emergency
		// codes are still offered, and report the failure last.
		s.c.SetToken(tok)
		saveErr = afterChange("two-step login is on", notStored(saveErr),
			"log in again with a code from the app: 'vsauth login'")
	}
	err = createCodesAfterEnroll(ctx, opts, s, r)
	return errors.Join(err, saveErr)
}

// createCodesAfterEnroll offers (or makes, or skips) the emergency codes of
// a device enroll has just confirmed.
func createCodesAfterEnroll(ctx context.Context, opts *totpEnrollOptions, s *session, r *totpEnrollResult) error {
	io := opts.a.d.IO

	want := opts.Recovery == recoveryYes
	if opts.Recovery == recoveryAsk && io.InTTY {
		answer, err := promptLine(io, "Create emergency codes now? [Y/n] ")
		if err != nil {
			return err
		}
		answer = strings.ToLower(answer)
		want = answer == "" || answer == "y" || answer == "yes"
	}
	if !want {
		fmt.Fprintln(io.ErrOut, "No emergency codes were created; without them, a lost phone locks you out. Create them with 'vsauth recovery create'.")
		return nil
	}
	codes, err := s.c.StaticCreate(ctx)
	if err != nil {
		return fmt.Errorf("two-step login is on, but creating emergency codes failed: %w\nrun 'vsauth recovery create'", apiError(err))
	}
	if opts.JSON {
		r.RecoveryCodes = codes
		recoveryCodesAdvice(io, len(codes))
		return nil
	}
	printRecoveryCodes(io, codes)
	return nil
}

type totpDisableOptions struct {
	a   *app
	Yes bool
}

func newCmdTOTPDisable(a *app, runF func(context.Context, *totpDisableOptions) error) *cobra.Command {
	opts := &totpDisableOptions{a: a}
	cmd := &cobra.Command{
		Use:   "disable",
		Short: "Turn off two-step login (deletes the device and the emergency codes, ends every other session)",
		Long: `Turn off two-step login for the logged-in account. The server deletes the TOTP
device and the emergency codes and ends every session; the new token it returns
is stored. This needs a verified session: log in with a code first.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return totpDisableRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	return cmd
}

func totpDisableRun(ctx context.Context, opts *totpDisableOptions) error {
	a, io := opts.a, opts.a.d.IO
	s, err := a.loggedIn(ctx)
	if err != nil {
		return err
	}
	account := sessionAccount(s)
	q := fmt.Sprintf("Turn off two-step login for %s? Its emergency codes are deleted and every other session ends.", account)
	if err := confirm(io, q, opts.Yes); err != nil {
		return err
	}
	tok, err := s.c.TOTPDelete(ctx)
	if client.IsOTPRequired(err) {
		return secondStepError{fmt.Errorf("%w\nturning two-step login off needs a verified session: 'vsauth login' with a code, or 'vsauth recovery use'", err)}
	}
	if err != nil {
		return apiError(err)
	}
	saveErr := a.save(ctx, s, tok)
	fmt.Fprintf(io.ErrOut, "Two-step login is off for %s; every other session has ended.\n", account)
	// A secret saved by 'enroll --save-secret' belongs to a device that is
	// gone: do not leave it in the keyring.
	if service, err := totpKeyringService(s.server); err == nil {
		if a.keyring().Delete(ctx, service, account) == nil {
			fmt.Fprintln(io.ErrOut, "Removed the saved TOTP secret from the OS keyring.")
		}
	}
	if saveErr != nil {
		return afterChange("two-step login is off", notStored(saveErr), "log in again with your password: 'vsauth login'")
	}
	return nil
}

type totpCodeOptions struct {
	a          *app
	SecretFile string
	Keyring    bool
	Account    string
	At         time.Time // zero: now
	Digits     int       // 0: from the otpauth URL, else 6
	Period     int       // 0: from the otpauth URL, else 30
	JSON       bool
}

// totpCodeResult is the stable JSON shape of `vsauth totp code --json`: the
// code and the time step it belongs to, from step_start up to (not
// including) step_end.
type totpCodeResult struct {
	Code      string    `json:"code"`
	StepStart time.Time `json:"step_start"`
	StepEnd   time.Time `json:"step_end"`
}

func newCmdTOTPCode(a *app, runF func(context.Context, *totpCodeOptions) error) *cobra.Command {
	opts := &totpCodeOptions{a: a}
	var at string
	var digits, period int
	cmd := &cobra.Command{
		Use:   "code",
		Short: "Print the current TOTP code of a secret (like oathtool --totp)",
		Long: `Print the TOTP code of a secret, as an authenticator app would show it.

The secret is base32 (spaces and lower case allowed) or a whole otpauth:// URL,
whose digits and period then apply unless given as flags. It is read from
standard input (a hidden prompt on a terminal), from --secret-file, or with
--keyring from the entry 'vsauth totp enroll --save-secret' made for the
account on the selected server. Neither a login nor the server is needed.

With --json, standard output is one object: the code and its time step, in
UTC, from step_start up to (not including) step_end:
  {"code": "287082", "step_start": "1970-01-01T00:00:30Z", "step_end": "1970-01-01T00:01:00Z"}`,
		Example: `  printf '%s\n' GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ | vsauth totp code --at 2009-02-13T23:31:30Z
  vsauth login --email ci@example.com --password-stdin --otp-code "$(vsauth totp code --keyring --account ci@example.com)"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Keyring && opts.SecretFile != "" {
				return usageErrorf("--secret-file and --keyring exclude each other")
			}
			if opts.Account != "" && !opts.Keyring {
				return usageErrorf("--account is for --keyring")
			}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageErrorf("--at %q: want an RFC 3339 time such as 2009-02-13T23:31:30Z", at)
				}
				if t.Unix() < 0 {
					return usageErrorf("--at %q: the time must not be before 1970", at)
				}
				opts.At = t
			}
			if c.Flags().Changed("digits") {
				if digits < 6 || digits > 8 {
					return usageErrorf("--digits must be 6, 7 or 8")
				}
				opts.Digits = digits
			}
			if c.Flags().Changed("period") {
				if period < 1 {
					return usageErrorf("--period must be at least 1 second")
				}
				opts.Period = period
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return totpCodeRun(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.SecretFile, "secret-file", "", "read the secret from the first line of this file")
	f.BoolVar(&opts.Keyring, "keyring", false, "use the secret saved by 'vsauth totp enroll --save-secret'")
	f.StringVar(&opts.Account, "account", "", "with --keyring: the account (default: the active account on the server)")
	f.StringVar(&at, "at", "", "the code at this RFC 3339 time instead of now")
	f.IntVar(&digits, "digits", 6, "code length")
	f.IntVar(&period, "period", 30, "time step in seconds")
	f.BoolVar(&opts.JSON, "json", false, "print the code and the start and end of its time step as JSON")
	return cmd
}

func totpCodeRun(ctx context.Context, opts *totpCodeOptions) error {
	a, io := opts.a, opts.a.d.IO
	var raw string
	var err error
	switch {
	case opts.Keyring:
		raw, err = savedSecret(ctx, opts)
	case opts.SecretFile != "":
		raw, err = readFirstLine(opts.SecretFile)
	default:
		raw, err = readSecret(io, "TOTP secret (base32 or otpauth:// URL): ", !io.InTTY)
	}
	if err != nil {
		return err
	}
	p, err := parseTOTPSecret(raw)
	if err != nil {
		return err
	}
	digits, period := p.digits, p.period
	if opts.Digits != 0 {
		digits = opts.Digits
	}
	if opts.Period != 0 {
		period = opts.Period
	}
	at := opts.At
	if at.IsZero() {
		at = a.now()
	}
	key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(p.secret)
	code, err := totp.Code(hex.EncodeToString(key), at, digits, period)
	if err != nil {
		return fmt.Errorf("computing the code: %w", err)
	}
	if opts.JSON {
		start := time.Unix(at.Unix()-at.Unix()%int64(period), 0).UTC()
		return writeJSON(io.Out, totpCodeResult{Code: code, StepStart: start, StepEnd: start.Add(time.Duration(period) * time.Second)})
	}
	_, err = fmt.Fprintln(io.Out, code)
	return err
}

// savedSecret reads the keyring entry of 'enroll --save-secret'. Only the
// token store's state file is read to find the active account: no token.
func savedSecret(ctx context.Context, opts *totpCodeOptions) (string, error) {
	a := opts.a
	base, err := a.serverURL()
	if err != nil {
		return "", err
	}
	account := opts.Account
	if account == "" {
		st, err := a.tokens()
		if err != nil {
			return "", err
		}
		var ok bool
		if account, ok = st.Active(base); !ok {
			return "", usageErrorf("no active account on %s: pass --account", base)
		}
	}
	service, err := totpKeyringService(base)
	if err != nil {
		return "", err
	}
	secret, err := a.keyring().Get(ctx, service, account)
	if err != nil {
		return "", fmt.Errorf("no TOTP secret of %s on %s in the keyring (%v): it is saved only by 'vsauth totp enroll --save-secret'", account, base, err)
	}
	return secret, nil
}

func readFirstLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the secret: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading the secret: %s is empty", path)
	}
	return line, nil
}

// totpParams are the parts of an otpauth:// URL that make a code.
type totpParams struct {
	secret         string // base32, upper case, no padding or spaces
	digits, period int
}

// parseTOTPSecret reads a base32 secret or an otpauth:// URL. Its errors
// never quote the input: it is the secret.
func parseTOTPSecret(raw string) (totpParams, error) {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(strings.ToLower(raw), "otpauth:") {
		return parseOTPAuth(raw)
	}
	secret, err := normalizeBase32(raw)
	if err != nil {
		return totpParams{}, err
	}
	return totpParams{secret: secret, digits: 6, period: 30}, nil
}

// parseOTPAuth reads an otpauth://totp/ URL with a SHA1 secret.
func parseOTPAuth(link string) (totpParams, error) {
	p := totpParams{digits: 6, period: 30}
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || !strings.EqualFold(u.Scheme, "otpauth") || !strings.EqualFold(u.Host, "totp") {
		return p, errors.New("not an otpauth://totp/ URL")
	}
	q := u.Query()
	if alg := q.Get("algorithm"); alg != "" && !strings.EqualFold(alg, "SHA1") {
		return p, fmt.Errorf("the otpauth URL asks for algorithm %.10q; only SHA1 is supported", alg)
	}
	for _, param := range []struct {
		name string
		dst  *int
	}{{"digits", &p.digits}, {"period", &p.period}} {
		name, dst := param.name, param.dst
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || (name == "digits" && (n < 6 || n > 8)) {
				return p, fmt.Errorf("the otpauth URL has an invalid %s parameter", name)
			}
			*dst = n
		}
	}
	if p.secret, err = normalizeBase32(q.Get("secret")); err != nil {
		return p, fmt.Errorf("the otpauth URL's secret: %w", err)
	}
	return p, nil
}

// normalizeBase32 forgives what people type: spaces, lower case, padding.
func normalizeBase32(s string) (string, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	s = strings.TrimRight(s, "=")
	if s == "" {
		return "", errors.New("the TOTP secret is empty")
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || len(key) == 0 {
		return "", errors.New("the TOTP secret is not base32 (letters A-Z and digits 2-7)")
	}
	return s, nil
}

// groupSecret spaces a base32 secret in fours, for typing it by hand.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sessionAccount is the account a session acts for; a token from
// VSAUTH_TOKEN names it only in its claims.
func sessionAccount(s *session) string {
	if s.account != "" {
		return s.account
	}
	if claims, err := s.token.Claims(); err == nil {
		return claims.Username
	}
	return ""
}

// totpKeyringService is the keyring service of a saved TOTP secret, next to
// the token store's "vsauth:<server>".
func totpKeyringService(server string) (string, error) {
	norm, err := tokenstore.NormalizeServer(server)
	if err != nil {
		return "", err
	}
	return "vsauth-totp:" + norm, nil
}

// keyring holds the TOTP secrets saved by 'enroll --save-secret', each call
// bounded like the token store's.
func (a *app) keyring() tokenstore.TimedKeyring {
	return tokenstore.TimedKeyring{Keyring: a.d.Keyring}
}
