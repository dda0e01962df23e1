package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/qr"
	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/otp"
	"github.com/virtualspaces/vsauth/server/store"
)

const (
	tfEmail    = "alice@example.com"
	tfPassword = "S3cure-pass-xyz"
	// tfRFCSecret is the RFC 6238 key "12345678901234567890" in base32
	// (API.md §8).
	tfRFCSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
)

// tfUser registers tfEmail on the env's server and returns its id.
func (e *cliEnv) tfUser() int64 {
	e.t.Helper()
	c, err := client.New(e.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := c.CreateUser(context.Background(), tfEmail, tfPassword)
	if err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u.ID
}

// tfLogin runs 'vsauth login' without a terminal, with extra arguments
// (--otp-code), and checks its exit code: 5 means the password step is done
// and kept, the second step missing.
func (e *cliEnv) tfLogin(want int, args ...string) {
	e.t.Helper()
	r := e.run(tfPassword+"\n", false, nil, append([]string{"login", "--email", tfEmail, "--password-stdin"}, args...)...)
	if r.Code != want {
		e.t.Fatalf("login: exit %d, want %d\n%s", r.Code, want, r.ErrOut)
	}
}

// tfPending gives the user a pending TOTP device through the API, so that a
// test knows the code to type before enroll runs; enroll gets the same
// device back from the server.
func (e *cliEnv) tfPending(userID int64) store.TOTPDevice {
	e.t.Helper()
	ctx := context.Background()
	c, _ := client.New(e.URL)
	tok, err := c.Login(ctx, tfEmail, tfPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	c.SetToken(tok)
	if _, err := c.TOTPCreate(ctx); err != nil {
		e.t.Fatal(err)
	}
	return e.tfDevice(userID)
}

// tfEnroll turns two-step login on through the CLI, without emergency
// codes, and moves the clock to the next step so the next code is fresh.
func (e *cliEnv) tfEnroll(userID int64, args ...string) store.TOTPDevice {
	e.t.Helper()
	dev := e.tfPending(userID)
	r := e.run("", false, nil, append([]string{"totp", "enroll", "--qr", "none", "--no-recovery-codes", "--otp-code", e.tfCode(dev)}, args...)...)
	if r.Code != 0 {
		e.t.Fatalf("enroll: exit %d\n%s", r.Code, r.ErrOut)
	}
	e.Clock.Advance(30 * time.Second)
	return dev
}

func (e *cliEnv) tfDevice(userID int64) store.TOTPDevice {
	e.t.Helper()
	d, err := e.Store.FirstTOTPDevice(context.Background(), userID)
	if err != nil {
		e.t.Fatalf("TOTP device: %v", err)
	}
	return d
}

// tfCode is the device's code at the shared clock's time.
func (e *cliEnv) tfCode(d store.TOTPDevice) string {
	e.t.Helper()
	c, err := totp.Code(d.Key, e.Clock.Now(), 6, 30)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *cliEnv) tfLink(d store.TOTPDevice) string {
	e.t.Helper()
	l, err := otp.ConfigURL(tfEmail, d.Key, 6, 30)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// tfStaticCodes are the user's emergency codes as stored.
func (e *cliEnv) tfStaticCodes(userID int64) []string {
	e.t.Helper()
	sd, err := e.Store.FirstStaticDevice(context.Background(), userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	codes, err := e.Store.StaticTokens(context.Background(), sd.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return codes
}

// tfVerifiedBy is the otp_device_id of the stored token, "" when it has
// none.
func (e *cliEnv) tfVerifiedBy() string {
	e.t.Helper()
	r := e.run("", false, nil, "auth", "token")
	if r.Code != 0 {
		e.t.Fatalf("auth token: exit %d\n%s", r.Code, r.ErrOut)
	}
	claims, err := client.Token(strings.TrimSpace(r.Out)).Claims()
	if err != nil {
		e.t.Fatal(err)
	}
	return claims.OTPDeviceID
}

func (e *cliEnv) tfStatus(want int) {
	e.t.Helper()
	if r := e.run("", false, nil, "auth", "status"); r.Code != want {
		e.t.Fatalf("auth status: exit %d, want %d\n%s%s", r.Code, want, r.Out, r.ErrOut)
	}
}

// tfIntro is what enroll shows before it asks for the code. The QR drawing
// itself is internal/qr's business (tested there); here it must be the
// drawing of the server's URL in the chosen mode, or absent.
func tfIntro(t *testing.T, link string, mode qr.Mode, noColor bool) string {
	t.Helper()
	var b strings.Builder
	if mode == qr.None {
		b.WriteString("Enter")
	} else {
		b.WriteString("Scan this QR code with your authenticator app:\n")
		if err := qr.Draw(&b, link, qr.Options{Mode: mode, NoColor: noColor}); err != nil {
			t.Fatal(err)
		}
		b.WriteString("Or enter")
	}
	secret := strings.TrimPrefix(strings.Split(link, "&")[0], "otpauth://totp/alice%40example.com?secret=")
	if len(secret) != 32 {
		t.Fatalf("secret %q in %s", secret, link)
	}
	var grouped []string
	for i := 0; i < 32; i += 4 {
		grouped = append(grouped, secret[i:i+4])
	}
	b.WriteString(" this secret in the app (time-based, 6 digits, every 30 seconds):\n  " + strings.Join(grouped, " ") + "\notpauth URL: " + link + "\n")
	return b.String()
}

const (
	tfEnrolled  = "Two-step login is on for alice@example.com: logging in now takes a code from the app.\n"
	tfNoCodes   = "No emergency codes were created; without them, a lost phone locks you out. Create them with 'vsauth recovery create'.\n"
	tfCodesNote = "Store these 6 emergency codes somewhere safe (a password manager, or on paper): each one logs you in once without the app ('vsauth recovery use'). They are not shown again, and earlier codes no longer work.\n"
	tfAlreadyOn = "vsauth: two-step login is already on for alice@example.com; 'vsauth totp disable' first to enrol a new device\n"
	tfNeedCode  = "vsauth: not a terminal: pass the app's first code with --otp-code (the device stays pending until a code is verified)\n"
	tfPrompt    = "First code from the app (6 digits): \n"
	tfAskCodes  = "Create emergency codes now? [Y/n] "
	tfRejected  = "vsauth: the code was not accepted (wrong, already used, or the clock is off)\ntwo-step login is not on yet: run 'vsauth totp enroll' again with a new code\n"
	tfNotLogged = "vsauth: not logged in to {URL}: run 'vsauth login'\n"
)

func tfLines(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return strings.Join(ss, "\n") + "\n"
}

func TestTOTPEnrollFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		config  string // the config key qr
		want    totpEnrollOptions
		wantErr string
	}{
		{name: "defaults", want: totpEnrollOptions{QR: qr.Blocks}},
		{name: "all flags", args: []string{"--qr", "ansi", "--otp-code", " 123456 ", "--recovery-codes", "--save-secret"},
			want: totpEnrollOptions{QR: qr.ANSI, OTPCode: "123456", Recovery: recoveryYes, SaveSecret: true}},
		{name: "no codes", args: []string{"--no-recovery-codes"}, want: totpEnrollOptions{QR: qr.Blocks, Recovery: recoveryNo}},
		{name: "config", config: "none", want: totpEnrollOptions{QR: qr.None}},
		{name: "flag beats config", config: "none", args: []string{"--qr", "blocks"}, want: totpEnrollOptions{QR: qr.Blocks}},
		{name: "NO_COLOR", env: map[string]string{"NO_COLOR": "1"}, want: totpEnrollOptions{QR: qr.Blocks, NoColor: true}},
		{name: "empty NO_COLOR", env: map[string]string{"NO_COLOR": ""}, want: totpEnrollOptions{QR: qr.Blocks}},
		{name: "bad config", config: "sixel", wantErr: `config qr (or VSAUTH_QR): invalid QR mode "sixel": allowed values are ansi, blocks, none`},
		{name: "bad flag", args: []string{"--qr", "png"}, wantErr: `invalid argument "png" for "--qr" flag: invalid QR mode "png": allowed values are ansi, blocks, none`},
		{name: "both", args: []string{"--recovery-codes", "--no-recovery-codes"}, wantErr: "--recovery-codes and --no-recovery-codes exclude each other"},
		{name: "bad code", args: []string{"--otp-code", "12345"}, wantErr: "--otp-code: a TOTP code is 6 digits"},
		{name: "argument", args: []string{"extra"}, wantErr: `unknown command "extra" for "enroll"`},
		{name: "json implies no QR", args: []string{"--json"}, want: totpEnrollOptions{QR: qr.None, JSON: true}},
		{name: "json beats config", config: "ansi", args: []string{"--json"}, want: totpEnrollOptions{QR: qr.None, JSON: true}},
		{name: "json with --qr", args: []string{"--json", "--qr", "blocks"}, want: totpEnrollOptions{QR: qr.Blocks, JSON: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := newTestDeps("", tt.env)
			a := newApp(d)
			if tt.config != "" {
				a.v.Set("qr", tt.config)
			}
			var got *totpEnrollOptions
			cmd := newCmdTOTPEnroll(a, func(_ context.Context, o *totpEnrollOptions) error { got = o; return nil })
			err := execParse(cmd, d, tt.args)
			if !tfErrIs(t, err, tt.wantErr) {
				return
			}
			got.a = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// execParse runs a command built with a runF that records its options.
func execParse(cmd *cobra.Command, d Deps, args []string) error {
	cmd.SetArgs(args)
	cmd.SetOut(d.IO.Out)
	cmd.SetErr(d.IO.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(context.Background())
}

// tfErrIs checks err against want ("" for none) and tells whether the
// test should go on to look at the options.
func tfErrIs(t *testing.T, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("error %v", err)
	case want != "" && (err == nil || err.Error() != want):
		t.Fatalf("error %v, want %q", err, want)
	}
	return want == ""
}

// TestTOTPEnrollRecoveryChoice runs enroll at a terminal (the code at the
// hidden prompt, the yes/no on stdin) and without one (--otp-code).
func TestTOTPEnrollRecoveryChoice(t *testing.T) {
	tests := []struct {
		name      string
		tty       bool
		stdin     string
		args      []string
		wantCodes bool
		wantAsk   bool
	}{
		{name: "terminal, default yes", tty: true, stdin: "\n", wantCodes: true, wantAsk: true},
		{name: "terminal, yes", tty: true, stdin: "Y\n", wantCodes: true, wantAsk: true},
		{name: "terminal, no", tty: true, stdin: "n\n", wantAsk: true},
		{name: "terminal, --no-recovery-codes", tty: true, stdin: "y\n", args: []string{"--no-recovery-codes"}},
		{name: "terminal, --recovery-codes", tty: true, args: []string{"--recovery-codes"}, wantCodes: true},
		{name: "script", args: []string{"--otp-code", "{CODE}"}},
		{name: "script, --recovery-codes", args: []string{"--otp-code", "{CODE}", "--recovery-codes"}, wantCodes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCLIEnv(t, server.Compat)
			uid := e.tfUser()
			e.tfLogin(0)
			dev := e.tfPending(uid)
			code := e.tfCode(dev)
			args := []string{"totp", "enroll"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "{CODE}", code))
			}
			r := e.run(tt.stdin, tt.tty, []string{code}, args...)

			codes := e.tfStaticCodes(uid)
			wantErr := tfIntro(t, e.tfLink(dev), qr.Blocks, false)
			if tt.tty {
				wantErr += tfPrompt
			}
			wantErr += tfEnrolled
			if tt.wantAsk {
				wantErr += tfAskCodes
			}
			if tt.wantCodes {
				if len(codes) != 6 {
					t.Fatalf("%d emergency codes stored, want 6", len(codes))
				}
				wantErr += tfCodesNote
			} else {
				if codes != nil {
					t.Fatalf("emergency codes stored: %d", len(codes))
				}
				wantErr += tfNoCodes
			}
			e.expect(r, 0, tfLines(codes), wantErr)
			if !e.tfDevice(uid).Confirmed {
				t.Error("device not confirmed")
			}
			if got, want := e.tfVerifiedBy(), otp.PersistentID(otp.KindTOTP, dev.ID); got != want {
				t.Errorf("stored token verified by %q, want %q", got, want)
			}
			e.tfStatus(0)
		})
	}
}

// TestTOTPEnrollScripted is the two-run enrolment of a script: the first
// run shows the secret and stops, the second confirms with a code.
func TestTOTPEnrollScripted(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	notLogged := strings.ReplaceAll(tfNotLogged, "{URL}", e.URL)
	e.expect(e.run("", false, nil, "totp", "enroll", "--qr", "none"), ExitAuth, "", notLogged)
	e.tfLogin(0)

	r := e.run("", false, nil, "totp", "enroll", "--qr", "none")
	dev := e.tfDevice(uid)
	if dev.Confirmed {
		t.Fatal("device confirmed without a code")
	}
	intro := tfIntro(t, e.tfLink(dev), qr.None, false)
	e.expect(r, ExitUsage, "", intro+tfNeedCode)

	wrong, err := totp.Code(dev.Key, e.Clock.Now().Add(5*time.Minute), 6, 30)
	if err != nil {
		t.Fatal(err)
	}
	e.expect(e.run("", false, nil, "totp", "enroll", "--qr", "none", "--otp-code", wrong), ExitError, "", intro+tfRejected)
	if e.tfDevice(uid).Confirmed {
		t.Fatal("device confirmed by a wrong code")
	}
	e.tfStatus(0) // the first-factor token still works: nothing is on yet

	r = e.run("", false, nil, "totp", "enroll", "--qr", "none", "--otp-code", e.tfCode(dev), "--recovery-codes")
	codes := e.tfStaticCodes(uid)
	e.expect(r, 0, tfLines(codes), intro+tfEnrolled+tfCodesNote)
	if len(codes) != 6 {
		t.Fatalf("%d codes", len(codes))
	}
	e.tfStatus(0)
	if e.Keyring.items["vsauth-totp:"+e.URL+"\x00"+tfEmail] != "" {
		t.Error("the secret was saved without --save-secret")
	}

	// Enrolling again with a verified token is refused before the server
	// would show the confirmed secret again (the original does, D4).
	e.expect(e.run("", false, nil, "totp", "enroll", "--qr", "none"), ExitError, "", tfAlreadyOn)
}

// tfEnrollJSON is what enroll --json prints for dev; extra are the lines
// after "two_step".
func (e *cliEnv) tfEnrollJSON(dev store.TOTPDevice, twoStep bool, extra string) string {
	e.t.Helper()
	link := e.tfLink(dev)
	secret := strings.TrimPrefix(strings.Split(link, "&")[0], "otpauth://totp/alice%40example.com?secret=")
	return "{\n  \"account\": \"alice@example.com\",\n  \"otpauth_url\": \"" + link + "\",\n  \"secret\": \"" + secret +
		"\",\n  \"two_step\": " + strconv.FormatBool(twoStep) + extra + "\n}\n"
}

func tfCodesJSON(codes []string) string {
	return "[\n    \"" + strings.Join(codes, "\",\n    \"") + "\"\n  ]"
}

// TestTOTPEnrollJSON is the scripted enrolment with --json: the object is
// printed whenever the secret was handed out, and no QR is drawn unless
// asked for.
func TestTOTPEnrollJSON(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	notLogged := strings.ReplaceAll(tfNotLogged, "{URL}", e.URL)
	e.expect(e.run("", false, nil, "totp", "enroll", "--json"), ExitAuth, "", notLogged)
	e.tfLogin(0)
	// The config's QR mode gives way to --json.
	if err := os.WriteFile(filepath.Join(e.Config, "config.yaml"), []byte("qr: ansi\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	r := e.run("", false, nil, "totp", "enroll", "--json")
	dev := e.tfDevice(uid)
	intro := tfIntro(t, e.tfLink(dev), qr.None, false)
	pending := e.tfEnrollJSON(dev, false, "")
	e.expect(r, ExitUsage, pending, intro+tfNeedCode)

	// An explicit --qr still draws on stderr; stdout is the JSON alone.
	r = e.run("", false, nil, "totp", "enroll", "--json", "--qr", "blocks")
	e.expect(r, ExitUsage, pending, tfIntro(t, e.tfLink(dev), qr.Blocks, false)+tfNeedCode)

	wrong, err := totp.Code(dev.Key, e.Clock.Now().Add(5*time.Minute), 6, 30)
	if err != nil {
		t.Fatal(err)
	}
	e.expect(e.run("", false, nil, "totp", "enroll", "--json", "--otp-code", wrong), ExitError, pending, intro+tfRejected)

	r = e.run("", false, nil, "totp", "enroll", "--json", "--otp-code", e.tfCode(dev), "--recovery-codes")
	codes := e.tfStaticCodes(uid)
	if len(codes) != 6 {
		t.Fatalf("%d codes", len(codes))
	}
	e.expect(r, 0, e.tfEnrollJSON(dev, true, ",\n  \"recovery_codes\": "+tfCodesJSON(codes)), intro+tfEnrolled+tfCodesNote)
	e.tfStatus(0)

	// Already on: an error, no JSON.
	e.expect(e.run("", false, nil, "totp", "enroll", "--json"), ExitError, "", tfAlreadyOn)
}

// TestTOTPEnrollJSONTerminal: at a terminal the code is asked as without
// --json; without emergency codes the field is left out.
func TestTOTPEnrollJSONTerminal(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	e.tfLogin(0)
	dev := e.tfPending(uid)
	r := e.run("n\n", true, []string{e.tfCode(dev)}, "totp", "enroll", "--json")
	e.expect(r, 0, e.tfEnrollJSON(dev, true, ""),
		tfIntro(t, e.tfLink(dev), qr.None, false)+tfPrompt+tfEnrolled+tfAskCodes+tfNoCodes)
	if e.tfStaticCodes(uid) != nil {
		t.Error("codes created")
	}
}

// TestTOTPEnrollJSONEnvToken: with VSAUTH_TOKEN the verified token cannot
// be stored; --json carries it as "token" instead of a bare line.
func TestTOTPEnrollJSONEnvToken(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	e.tfLogin(0)
	e.Env["VSAUTH_TOKEN"] = strings.TrimSpace(e.run("", false, nil, "auth", "token").Out)
	dev := e.tfPending(uid)
	r := e.run("", false, nil, "totp", "enroll", "--json", "--otp-code", e.tfCode(dev), "--no-recovery-codes")
	_, rest, _ := strings.Cut(r.Out, `"token": "`)
	tok, _, _ := strings.Cut(rest, `"`)
	claims, err := client.Token(tok).Claims()
	if err != nil {
		t.Fatalf("stdout %q: %v", r.Out, err)
	}
	if want := otp.PersistentID(otp.KindTOTP, dev.ID); claims.OTPDeviceID != want {
		t.Errorf("token verified by %q, want %q", claims.OTPDeviceID, want)
	}
	e.expect(r, 0, e.tfEnrollJSON(dev, true, ",\n  \"token\": \""+tok+"\""),
		tfIntro(t, e.tfLink(dev), qr.None, false)+"note: VSAUTH_TOKEN is set; the new token is printed, not stored\n"+tfEnrolled+tfNoCodes)
}

func TestTOTPEnrollQR(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	e.tfLogin(0)
	config := filepath.Join(e.Config, "config.yaml")
	tests := []struct {
		name    string
		args    []string
		noColor string
		config  string
		mode    qr.Mode
		ansi    bool // escape sequences expected
	}{
		{name: "default", mode: qr.Blocks},
		{name: "none", args: []string{"--qr", "none"}, mode: qr.None},
		{name: "ansi", args: []string{"--qr", "ansi"}, mode: qr.ANSI, ansi: true},
		{name: "ansi with NO_COLOR", args: []string{"--qr", "ansi"}, noColor: "1", mode: qr.ANSI},
		{name: "config none", config: "qr: none\n", mode: qr.None},
		{name: "config ansi, flag blocks", config: "qr: ansi\n", args: []string{"--qr", "blocks"}, mode: qr.Blocks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Env["NO_COLOR"] = tt.noColor
			os.Remove(config)
			if tt.config != "" {
				if err := os.WriteFile(config, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := e.run("", false, nil, append([]string{"totp", "enroll"}, tt.args...)...)
			link := e.tfLink(e.tfDevice(uid))
			e.expect(r, ExitUsage, "", tfIntro(t, link, tt.mode, tt.noColor != "")+tfNeedCode)
			if got := strings.Contains(r.ErrOut, "\x1b["); got != tt.ansi {
				t.Errorf("escape sequences: %v, want %v", got, tt.ansi)
			}
			if drawn := strings.Contains(r.ErrOut, "Scan this QR code"); drawn != (tt.mode != qr.None) {
				t.Errorf("QR drawn: %v", drawn)
			}
		})
	}
}

// TestTOTPEnrollHardenedConflict: with a confirmed device, a hardened server
// answers 409 instead of the secret, to a first-factor token.
func TestTOTPEnrollHardenedConflict(t *testing.T) {
	e := newCLIEnv(t, server.Hardened)
	uid := e.tfUser()
	e.tfLogin(0)
	e.tfEnroll(uid)
	e.tfLogin(ExitSecondStep) // password step only: the claims name no device
	if got := e.tfVerifiedBy(); got != "" {
		t.Fatalf("token verified by %q", got)
	}
	e.expect(e.run("", false, nil, "totp", "enroll", "--qr", "none"), ExitError, "", tfAlreadyOn)
}

func TestTOTPDisable(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	e.tfLogin(0)
	dev := e.tfEnroll(uid, "--save-secret")
	secretKey := "vsauth-totp:" + e.URL + "\x00" + tfEmail
	if e.Keyring.items[secretKey] == "" {
		t.Fatal("secret not saved")
	}
	question := "Turn off two-step login for alice@example.com? Its emergency codes are deleted and every other session ends."

	e.expect(e.run("", false, nil, "totp", "disable"), ExitUsage, "", "vsauth: "+question+"\nnot a terminal: pass --yes to confirm\n")
	e.expect(e.run("n\n", true, nil, "totp", "disable"), ExitError, "", question+" [y/N] vsauth: cancelled; nothing changed\n")
	if !e.tfDevice(uid).Confirmed {
		t.Fatal("device gone after a refusal")
	}

	// With the password step only, the server refuses.
	e.tfLogin(ExitSecondStep)
	e.expect(e.run("", false, nil, "totp", "disable", "--yes"), ExitSecondStep, "",
		"vsauth: 403 Forbidden: You do not have permission to perform this action until you verify your OTP device.\n"+
			"turning two-step login off needs a verified session: 'vsauth login' with a code, or 'vsauth recovery use'\n")

	e.tfLogin(0, "--otp-code", e.tfCode(dev))
	e.expect(e.run("y\n", true, nil, "totp", "disable"), 0, "",
		question+" [y/N] Two-step login is off for alice@example.com; every other session has ended.\n"+
			"Removed the saved TOTP secret from the OS keyring.\n")
	if _, err := e.Store.FirstTOTPDevice(context.Background(), uid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("device after disable: %v", err)
	}
	if _, ok := e.Keyring.items[secretKey]; ok {
		t.Error("saved secret left in the keyring")
	}
	if got := e.tfVerifiedBy(); got != "" {
		t.Errorf("token verified by %q", got)
	}
	e.tfStatus(0)
	e.tfLogin(0) // the password alone is enough again

	e.expect(e.run("", false, nil, "totp", "disable", "--yes"), 0, "", "Two-step login is off for alice@example.com; every other session has ended.\n")
}

func TestTOTPCodeFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    totpCodeOptions
		wantErr string
	}{
		{name: "defaults"},
		{name: "all", args: []string{"--keyring", "--account", "bob@example.com", "--at", "2009-02-13T23:31:30Z", "--digits", "8", "--period", "60"},
			want: totpCodeOptions{Keyring: true, Account: "bob@example.com", At: time.Unix(1234567890, 0).UTC(), Digits: 8, Period: 60}},
		{name: "explicit defaults", args: []string{"--secret-file", "f", "--digits", "6", "--period", "30"},
			want: totpCodeOptions{SecretFile: "f", Digits: 6, Period: 30}},
		{name: "both sources", args: []string{"--keyring", "--secret-file", "f"}, wantErr: "--secret-file and --keyring exclude each other"},
		{name: "account alone", args: []string{"--account", "bob@example.com"}, wantErr: "--account is for --keyring"},
		{name: "bad time", args: []string{"--at", "1234567890"}, wantErr: `--at "1234567890": want an RFC 3339 time such as 2009-02-13T23:31:30Z`},
		{name: "before 1970", args: []string{"--at", "1969-12-31T23:59:59Z"}, wantErr: `--at "1969-12-31T23:59:59Z": the time must not be before 1970`},
		{name: "digits", args: []string{"--digits", "5"}, wantErr: "--digits must be 6, 7 or 8"},
		{name: "period", args: []string{"--period", "0"}, wantErr: "--period must be at least 1 second"},
		{name: "json", args: []string{"--json"}, want: totpCodeOptions{JSON: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := newTestDeps("", nil)
			var got *totpCodeOptions
			cmd := newCmdTOTPCode(newApp(d), func(_ context.Context, o *totpCodeOptions) error { got = o; return nil })
			if !tfErrIs(t, execParse(cmd, d, tt.args), tt.wantErr) {
				return
			}
			got.a = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestTOTPCode(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rfcFile := file("secret", tfRFCSecret+"\n")
	urlFile := file("url", "otpauth://totp/alice%40example.com?secret="+tfRFCSecret+"&algorithm=SHA1&digits=8&period=30\n")
	emptyFile := file("empty", "")
	nowCode, err := totp.Code("3132333435363738393031323334353637383930", e.Clock.Now(), 6, 30)
	if err != nil {
		t.Fatal(err)
	}
	const notBase32 = "vsauth: the TOTP secret is not base32 (letters A-Z and digits 2-7)\n"
	tests := []struct {
		name    string
		stdin   string
		tty     bool
		secrets []string
		args    []string
		code    int
		out     string
		errOut  string
	}{
		// API.md §8 vectors.
		{name: "t=59", stdin: tfRFCSecret + "\n", args: []string{"--at", "1970-01-01T00:00:59Z"}, out: "287082\n"},
		{name: "t=1111111109, lower case with spaces", stdin: "gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n", args: []string{"--at", "2005-03-18T01:58:29Z"}, out: "081804\n"},
		{name: "t=1234567890, otpauth URL", stdin: "otpauth://totp/alice%40example.com?secret=" + tfRFCSecret + "&algorithm=SHA1&digits=6&period=30\n",
			args: []string{"--at", "2009-02-13T23:31:30Z"}, out: "005924\n"},
		{name: "t=2000000000, file", args: []string{"--secret-file", rfcFile, "--at", "2033-05-18T03:33:20Z"}, out: "279037\n"},
		{name: "zone offset", stdin: tfRFCSecret, args: []string{"--at", "2009-02-14T00:31:30+01:00"}, out: "005924\n"},
		// RFC 6238 appendix B, 8 digits.
		{name: "8 digits", stdin: tfRFCSecret + "\n", args: []string{"--at", "1970-01-01T00:00:59Z", "--digits", "8"}, out: "94287082\n"},
		{name: "8 digits from the URL", args: []string{"--secret-file", urlFile, "--at", "2033-05-18T03:33:20Z"}, out: "69279037\n"},
		{name: "flag beats URL", args: []string{"--secret-file", urlFile, "--at", "2033-05-18T03:33:20Z", "--digits", "6"}, out: "279037\n"},
		{name: "period 60", stdin: tfRFCSecret, args: []string{"--at", "1970-01-01T00:00:59Z", "--period", "60"},
			out: mustCode(t, "3132333435363738393031323334353637383930", time.Unix(0, 0), 6, 30) + "\n"},
		{name: "padding", stdin: "GEZDGNBVGY3TQOJQ======\n", args: []string{"--at", "1970-01-01T00:00:59Z"},
			out: mustCode(t, "31323334353637383930", time.Unix(59, 0), 6, 30) + "\n"},
		{name: "now is the clock", stdin: tfRFCSecret + "\n", out: nowCode + "\n"},
		{name: "terminal prompt", tty: true, secrets: []string{tfRFCSecret}, args: []string{"--at", "1970-01-01T00:00:59Z"},
			out: "287082\n", errOut: "TOTP secret (base32 or otpauth:// URL): \n"},
		{name: "json", stdin: tfRFCSecret + "\n", args: []string{"--at", "1970-01-01T00:00:59Z", "--json"},
			out: tfCodeJSON("287082", "1970-01-01T00:00:30Z", "1970-01-01T00:01:00Z")},
		{name: "json, zone offset", stdin: tfRFCSecret, args: []string{"--at", "2009-02-14T00:31:30+01:00", "--json"},
			out: tfCodeJSON("005924", "2009-02-13T23:31:30Z", "2009-02-13T23:32:00Z")},
		{name: "json, 8 digits from the URL", args: []string{"--secret-file", urlFile, "--at", "2033-05-18T03:33:20Z", "--json"},
			out: tfCodeJSON("69279037", "2033-05-18T03:33:00Z", "2033-05-18T03:33:30Z")},
		{name: "json, period 60", stdin: tfRFCSecret, args: []string{"--at", "1970-01-01T00:00:59Z", "--period", "60", "--json"},
			out: tfCodeJSON(mustCode(t, "3132333435363738393031323334353637383930", time.Unix(0, 0), 6, 30), "1970-01-01T00:00:00Z", "1970-01-01T00:01:00Z")},
		{name: "json, now", stdin: tfRFCSecret, args: []string{"--json"},
			out: tfCodeJSON(nowCode, rfc3339(e.Clock.Now().Truncate(30*time.Second)), rfc3339(e.Clock.Now().Truncate(30*time.Second).Add(30*time.Second)))},

		{name: "not base32", stdin: "GEZDGNBVGY3TQOJ1secret\n", code: 1, errOut: notBase32},
		{name: "empty line", stdin: "  \n", code: 1, errOut: "vsauth: the TOTP secret is empty\n"},
		{name: "nothing", code: 1, errOut: "vsauth: reading standard input: nothing was sent\n"},
		{name: "empty file", args: []string{"--secret-file", emptyFile}, code: 1, errOut: "vsauth: reading the secret: " + emptyFile + " is empty\n"},
		{name: "missing file", args: []string{"--secret-file", filepath.Join(dir, "nope")}, code: 1,
			errOut: "vsauth: reading the secret: open " + filepath.Join(dir, "nope") + ": no such file or directory\n"},
		{name: "SHA256", stdin: "otpauth://totp/x?secret=" + tfRFCSecret + "&algorithm=SHA256\n", code: 1,
			errOut: "vsauth: the otpauth URL asks for algorithm \"SHA256\"; only SHA1 is supported\n"},
		{name: "hotp URL", stdin: "otpauth://hotp/x?secret=" + tfRFCSecret + "&counter=1\n", code: 1, errOut: "vsauth: not an otpauth://totp/ URL\n"},
		{name: "URL with a bad secret", stdin: "otpauth://totp/x?secret=secret1secret\n", code: 1,
			errOut: "vsauth: the otpauth URL's secret: the TOTP secret is not base32 (letters A-Z and digits 2-7)\n"},
		{name: "URL with bad digits", stdin: "otpauth://totp/x?secret=" + tfRFCSecret + "&digits=4\n", code: 1,
			errOut: "vsauth: the otpauth URL has an invalid digits parameter\n"},
		{name: "bad --at", stdin: tfRFCSecret, args: []string{"--at", "yesterday"}, code: 2,
			errOut: "vsauth: --at \"yesterday\": want an RFC 3339 time such as 2009-02-13T23:31:30Z\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(tt.stdin, tt.tty, tt.secrets, append([]string{"totp", "code"}, tt.args...)...)
			e.expect(r, tt.code, tt.out, tt.errOut)
		})
	}
	// Without --keyring the keyring is never touched, and no login is
	// needed.
	if e.Keyring.calls != 0 {
		t.Errorf("%d keyring calls", e.Keyring.calls)
	}
}

func tfCodeJSON(code, start, end string) string {
	return "{\n  \"code\": \"" + code + "\",\n  \"step_start\": \"" + start + "\",\n  \"step_end\": \"" + end + "\"\n}\n"
}

func mustCode(t *testing.T, keyHex string, at time.Time, digits, step int) string {
	t.Helper()
	c, err := totp.Code(keyHex, at, digits, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTPCodeKeyring(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	noSecret := "vsauth: no TOTP secret of bob@example.com on " + e.URL +
		" in the keyring (secret not found in keyring): it is saved only by 'vsauth totp enroll --save-secret'\n"
	e.expect(e.run("", false, nil, "totp", "code", "--keyring"), ExitUsage, "", "vsauth: no active account on "+e.URL+": pass --account\n")
	e.tfLogin(0)
	dev := e.tfPending(uid)
	r := e.run("", false, nil, "totp", "enroll", "--qr", "none", "--save-secret")
	e.expect(r, ExitUsage, "", tfIntro(t, e.tfLink(dev), qr.None, false)+
		"Saved the secret in the OS keyring; 'vsauth totp code --keyring' prints codes.\n"+tfNeedCode)
	secret := e.Keyring.items["vsauth-totp:"+e.URL+"\x00"+tfEmail]
	if !strings.Contains(e.tfLink(dev), "secret="+secret+"&") || len(secret) != 32 {
		t.Fatalf("saved secret %q, link %s", secret, e.tfLink(dev))
	}

	// A CI job can now finish the enrolment with codes from the keyring.
	r = e.run("", false, nil, "totp", "code", "--keyring")
	e.expect(r, 0, e.tfCode(dev)+"\n", "")
	r = e.run("", false, nil, "totp", "enroll", "--qr", "none", "--no-recovery-codes", "--otp-code", strings.TrimSpace(r.Out))
	if r.Code != 0 {
		t.Fatalf("enroll: exit %d\n%s", r.Code, r.ErrOut)
	}
	e.Clock.Advance(30 * time.Second)

	e.expect(e.run("", false, nil, "totp", "code", "--keyring", "--account", "bob@example.com"), ExitError, "", noSecret)
	if r := e.run("", false, nil, "logout"); r.Code != 0 {
		t.Fatalf("logout: %s", r.ErrOut)
	}
	// After logout there is no active account, but the secret stays: it
	// is what the next login needs.
	r = e.run("", false, nil, "totp", "code", "--keyring", "--account", tfEmail, "--at", "2009-02-13T23:31:30Z")
	e.expect(r, 0, mustCode(t, dev.Key, time.Unix(1234567890, 0), 6, 30)+"\n", "")
	r = e.run("", false, nil, "totp", "code", "--keyring", "--account", tfEmail)
	e.tfLogin(0, "--otp-code", strings.TrimSpace(r.Out))
	if got, want := e.tfVerifiedBy(), otp.PersistentID(otp.KindTOTP, dev.ID); got != want {
		t.Errorf("verified by %q, want %q", got, want)
	}
}
