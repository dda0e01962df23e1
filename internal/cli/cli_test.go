package cli

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

type testIO struct {
	in          *strings.Reader
	out, errOut *bytes.Buffer
}

func newTestDeps(stdin string, env map[string]string) (Deps, testIO) {
	tio := testIO{in: strings.NewReader(stdin), out: &bytes.Buffer{}, errOut: &bytes.Buffer{}}
	return Deps{
		IO:     IOStreams{In: tio.in, Out: tio.out, ErrOut: tio.errOut},
		Getenv: func(k string) string { return env[k] },
	}, tio
}

// run executes vsauth with args in-process.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	d, tio := newTestDeps(stdin, env)
	code := Main(context.Background(), args, d)
	return code, tio.out.String(), tio.errOut.String()
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// startServer runs `vsauth server` in-process on a free loopback port and
// stops it when the test ends. edit, when given, changes the options first.
func startServer(t *testing.T, db, mailDir string, edit ...func(*serverOptions)) (string, *bytes.Buffer) {
	return startServerWith(t, func(o *serverOptions) {
		o.DB, o.MailDir = db, mailDir
		for _, e := range edit {
			e(o)
		}
	})
}

// startServerWith is startServer with options set by set.
func startServerWith(t *testing.T, set func(*serverOptions)) (string, *bytes.Buffer) {
	t.Helper()
	d, tio := newTestDeps("", nil)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	opts := &serverOptions{IO: d.IO, Getenv: d.Getenv, Addr: "127.0.0.1:0",
		PasswordIterations: 2, Profile: "compat", SecretKey: "", ready: func(u string) { ready <- u }}
	set(opts)
	go func() { done <- runServer(ctx, opts) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("server stopped: %v\n%s", err, tio.errOut)
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready after 10s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return base, tio.errOut
}

func TestServerMailAndAdmin(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vsauth.db")
	mailDir := filepath.Join(dir, "mail")
	base, logs := startServer(t, db, mailDir)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(base) {
		t.Fatalf("base URL %q", base)
	}
	if !strings.Contains(logs.String(), "vsauth server ready") || !strings.Contains(logs.String(), "url="+base) {
		t.Fatalf("ready line missing: %s", logs)
	}
	if got := post(t, base+"/api/user/create/", `{"email":"alice@example.com","password":"S3cure-pass-xyz"}`); got != 201 {
		t.Fatalf("create: %d", got)
	}
	if got := post(t, base+"/api/user/password/reset/", `{"email":"alice@example.com"}`); got != 204 {
		t.Fatalf("reset: %d", got)
	}
	emls, _ := filepath.Glob(filepath.Join(mailDir, "*.eml"))
	if len(emls) != 1 {
		t.Fatalf(".eml files: %v", emls)
	}

	code, out, errOut := run(t, "", nil, "mail", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "alice@example.com") || !strings.Contains(out, "Password reset on 127.0.0.1:") {
		t.Fatalf("mail list: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, "", nil, "mail", "show", "--db", db, "--to", "alice@example.com", "--link")
	host := strings.TrimPrefix(base, "http://")
	if code != 0 || !regexp.MustCompile(`^http://`+regexp.QuoteMeta(host)+`/password/reset/confirm/MQ/[0-9a-z]+-[0-9a-f]{20}\n$`).MatchString(out) {
		t.Fatalf("mail show --link: %d %q", code, out)
	}
	code, _, errOut = run(t, "", nil, "mail", "show", "--db", db, "--to", "bob@example.com")
	if code != 1 || errOut != "vsauth: no message to bob@example.com\n" {
		t.Fatalf("mail show unknown: %d %q", code, errOut)
	}

	code, out, _ = run(t, "", nil, "admin", "list", "--db", db)
	want := "ID  EMAIL              ACTIVE  TWO-STEP  CODES  FAILED LOGINS  LOCKED UNTIL  LAST LOGIN\n1   alice@example.com  true    off       0      0              -             never\n"
	if code != 0 || out != want {
		t.Fatalf("admin list: %d\n%s\nwant\n%s", code, out, want)
	}
	code, out, errOut = run(t, "An0ther-long-pass\n", nil, "admin", "set-password", "--db", db, "--password-iterations", "2", "1", "--password-stdin", "--yes", "--reason", "test")
	if code != 0 || out != "alice@example.com: password set, every session ended (audit #1)\n" {
		t.Fatalf("set-password: %d %q %q", code, out, errOut)
	}
	if got := post(t, base+"/api/user/login/", `{"email":"alice@example.com","password":"An0ther-long-pass"}`); got != 200 {
		t.Fatalf("login with the new password: %d", got)
	}
	code, _, errOut = run(t, "short\n", nil, "admin", "set-password", "--db", db, "alice@example.com", "--password-stdin", "--yes")
	if code != 1 || errOut != "vsauth: password refused, nothing changed: This password is too short. It must contain at least 8 characters.\n" {
		t.Fatalf("weak set-password: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "", nil, "admin", "set-password", "--db", db, "alice@example.com")
	if code != 2 || !strings.Contains(errOut, "--password-stdin") {
		t.Fatalf("set-password without a terminal: %d %q", code, errOut)
	}
	code, out, _ = run(t, "", nil, "admin", "reset-two-step", "--db", db, "alice@example.com", "--yes", "--reason", "test")
	if code != 0 || out != "alice@example.com: removed two-step login and revoked every session (audit #2)\n" {
		t.Fatalf("reset-two-step: %d %q", code, out)
	}
	code, _, errOut = run(t, "", nil, "admin", "show", "--db", db, "nobody@example.com")
	if code != 1 || !strings.Contains(errOut, `no user "nobody@example.com"`) {
		t.Fatalf("show unknown: %d %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	code, _, errOut := run(t, "", nil, "server", "--profile", "nope")
	if code != 2 || errOut != "vsauth: --profile must be compat or hardened, not \"nope\"\n" {
		t.Fatalf("bad profile: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "", nil, "server", "--max-body-bytes", "0")
	if code != 2 || errOut != "vsauth: --max-body-bytes must be positive\n" {
		t.Fatalf("bad body cap: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "", nil, "server", "--no-such-flag")
	if code != 2 || errOut != "vsauth: unknown flag: --no-such-flag\n" {
		t.Fatalf("bad flag: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "", nil, "mail", "list", "--db", filepath.Join(t.TempDir(), "missing.db"))
	if code != 1 || !strings.Contains(errOut, "no database at") {
		t.Fatalf("missing db: %d %q", code, errOut)
	}
}

func TestServerEnvironment(t *testing.T) {
	var got *serverOptions
	d, _ := newTestDeps("", nil)
	t.Setenv("VSAUTH_PROFILE", "hardened")
	t.Setenv("VSAUTH_ALLOWED_HOSTS", "api.example.com,.example.org")
	t.Setenv("VSAUTH_MAX_BODY_BYTES", "3000000")
	cmd := newCmdServer(d, func(_ context.Context, o *serverOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--db", ":memory:"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Profile != "hardened" || got.DB != ":memory:" || got.Addr != "127.0.0.1:8000" || strings.Join(got.AllowedHosts, "|") != "api.example.com|.example.org" || got.PasswordIterations != 120000 || got.MaxBodyBytes != 3000000 {
		t.Fatalf("options = %+v", got)
	}
}

// parseServerFlags runs `vsauth server` with env set and args, up to the
// options it would start with, and returns them instead of starting.
func parseServerFlags(t *testing.T, env map[string]string, args ...string) (*serverOptions, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var got *serverOptions
	d, _ := newTestDeps("", nil)
	cmd := newCmdServer(d, func(_ context.Context, o *serverOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return got, cmd.Execute()
}
