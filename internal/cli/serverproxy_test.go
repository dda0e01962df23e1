package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestServerProxyFlags(t *testing.T) {
	parse := parseServerFlags
	o, err := parse(t, map[string]string{"VSAUTH_TRUSTED_PROXIES": "10.0.0.0/8, ::1", "VSAUTH_MAIL_FROM": "Support <support@example.com>"},
		"--public-url", "https://auth.example.com", "--reset-url", "https://app.example.com/reset/{uid}/{token}",
		"--site-name", "Virtual Spaces", "--trusted-proxies", "127.0.0.1,192.168.1.7/24")
	if err != nil {
		t.Fatal(err)
	}
	wantPrefixes := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("192.168.1.0/24")}
	if o.PublicURL != "https://auth.example.com" || o.ResetURL != "https://app.example.com/reset/{uid}/{token}" ||
		o.SiteName != "Virtual Spaces" || o.MailFrom != "Support <support@example.com>" || !reflect.DeepEqual(o.TrustedProxies, wantPrefixes) {
		t.Errorf("options: %+v", o)
	}
	o, err = parse(t, map[string]string{"VSAUTH_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
	if err != nil || !reflect.DeepEqual(o.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}) {
		t.Errorf("from the environment: %v %v", o.TrustedProxies, err)
	}
	o, err = parse(t, map[string]string{"VSAUTH_SECRET_KEY": "k1", "VSAUTH_LOG_LEVEL": "warn"}, "--log-format", "json")
	if err != nil || o.SecretKeySource != "env" || o.LogLevel != slog.LevelWarn || o.LogFormat != "json" {
		t.Errorf("environment: %+v %v", o, err)
	}
	// t.Setenv holds to the end of the test: the flags win over it.
	o, err = parse(t, nil, "--secret-key", "k2", "--log-level", "DEBUG")
	if err != nil || o.SecretKeySource != "flag" || o.LogLevel != slog.LevelDebug || o.LogFormat != "text" {
		t.Errorf("flag: %+v %v", o, err)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--log-level", "loud"}, `--log-level must be debug, info, warn or error, not "loud"`},
		{[]string{"--log-format", "xml"}, `--log-format must be text or json, not "xml"`},
		{[]string{"--public-url", "auth.example.com"}, `--public-url "auth.example.com" must be a scheme and host, like https://auth.example.com`},
		{[]string{"--trusted-proxies", "proxy.local"}, `--trusted-proxies: "proxy.local" is not an address or CIDR (like 10.0.0.0/8 or ::1)`},
		{[]string{"--reset-url", "https://app.example.com/reset/{uid}"}, `--reset-url "https://app.example.com/reset/{uid}" must be an http(s) URL with {uid} and {token} once each`},
		{[]string{"--mail-from", "not an address"}, `--mail-from "not an address" is not an e-mail address`},
	} {
		_, err := parse(t, nil, tc.args...)
		var ue usageError
		if !errors.As(err, &ue) || err.Error() != tc.msg {
			t.Errorf("%v: %v, want usage error %q", tc.args, err, tc.msg)
		}
	}
}

// The start line says what an operator needs to check a deployment, and
// never the SMTP password or the secret key.
func TestServerStartLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vsauth.db")
	base, logs := startServer(t, db, "", func(o *serverOptions) {
		o.LogFormat, o.LogLevel = "json", slog.LevelInfo
		o.SMTP = "smtp://mailer:hunter2-secret@127.0.0.1:1?from=bounce@example.com"
		o.AllowedHosts = []string{"auth.example.com", "127.0.0.1"}
		o.PublicURL = "https://auth.example.com"
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		o.SecretKey, o.SecretKeySource = "flag-secret-key-value", "flag"
	})
	var ready map[string]any
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"vsauth server ready"`) {
			if err := json.Unmarshal([]byte(line), &ready); err != nil {
				t.Fatal(err)
			}
		}
	}
	delete(ready, "time")
	want := map[string]any{"level": "INFO", "msg": "vsauth server ready", "url": base, "version": version, "profile": "compat",
		"store": "sqlite " + db, "mail": "smtp://mailer:xxxxx@127.0.0.1:1?from=bounce%40example.com", "allowed_hosts": "auth.example.com,127.0.0.1",
		"public_url": "https://auth.example.com", "trusted_proxies": "10.0.0.0/8", "secret_key": "flag"}
	if !reflect.DeepEqual(ready, want) {
		t.Errorf("start line %v\nwant %v", ready, want)
	}
	if s := logs.String(); strings.Contains(s, "hunter2") || strings.Contains(s, "flag-secret-key-value") {
		t.Errorf("a secret in the log:\n%s", s)
	}

	// Without a key the server makes one and keeps it in the database.
	_, logs = startServer(t, filepath.Join(t.TempDir(), "vsauth.db"), "", func(o *serverOptions) { o.LogFormat = "text" })
	if !strings.Contains(logs.String(), ` secret_key=database`) || !strings.Contains(logs.String(), ` mail="outbox only`) {
		t.Errorf("start line: %s", logs)
	}
}

func TestSMTPPasswordSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "smtp-password")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env, file, want, err string
	}{
		{"", "", "", ""},
		{"from-env", "", "from-env", ""},
		{"", file, "from-file", ""},
		{"from-env", file, "", "give the SMTP password once: VSAUTH_SMTP_PASSWORD or --smtp-password-file"},
		{"", empty, "", "--smtp-password-file " + empty + " is empty"},
		{"", filepath.Join(dir, "missing"), "", "reading the SMTP password: open " + filepath.Join(dir, "missing") + ": no such file or directory"},
	} {
		o := &serverOptions{Getenv: func(k string) string {
			if k == "VSAUTH_SMTP_PASSWORD" {
				return tc.env
			}
			return ""
		}}
		err := readSMTPPassword(o, tc.file)
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) || o.SMTPPassword != tc.want {
			t.Errorf("env %q file %q: %q, %v; want %q, %q", tc.env, tc.file, o.SMTPPassword, err, tc.want, tc.err)
		}
	}
	// The server refuses a password twice or one without a user, before it
	// opens anything.
	for smtp, want := range map[string]string{
		"smtp://u:p@127.0.0.1:1": "the SMTP password is given twice: in the --smtp URL and in VSAUTH_SMTP_PASSWORD or --smtp-password-file",
		"smtp://127.0.0.1:1":     "an SMTP password is set but --smtp names no user (smtp://USER@host)",
	} {
		d, _ := newTestDeps("", nil)
		err := runServer(context.Background(), &serverOptions{IO: d.IO, Getenv: d.Getenv, DB: filepath.Join(dir, "vsauth.db"), Addr: "127.0.0.1:0",
			SMTP: smtp, SMTPPassword: "x", PasswordIterations: 2, Profile: "compat", LogFormat: "text"})
		var ue usageError
		if !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%s: %v, want %q", smtp, err, want)
		}
	}
}

// The server refuses a bad setting, from a flag or from the environment,
// as a usage error that names the flag; the support commands read
// --profile and --login-lock-max with the same words (support_test.go).
func TestServerFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		msg  string
	}{
		{nil, []string{"--profile", "strict"}, `--profile must be compat or hardened, not "strict"`},
		{map[string]string{"VSAUTH_PROFILE": "strict"}, nil, `--profile must be compat or hardened, not "strict"`},
		{nil, []string{"--login-lock-max", "0"}, `--login-lock-max must be a positive duration such as 15m, not "0s"`},
		{nil, []string{"--login-lock-max", "-1m"}, `--login-lock-max must be a positive duration such as 15m, not "-1m0s"`},
		{map[string]string{"VSAUTH_LOGIN_LOCK_MAX": "soon"}, nil, `--login-lock-max must be a positive duration such as 15m, not "soon"`},
		{nil, []string{"--password-iterations", "0"}, `--password-iterations must be a positive number, not "0"`},
		{map[string]string{"VSAUTH_PASSWORD_ITERATIONS": "many"}, nil, `--password-iterations must be a positive number, not "many"`},
		{nil, []string{"--db-max-conns", "0"}, `--db-max-conns must be a positive number, not "0"`},
		{map[string]string{"VSAUTH_DB_MAX_CONNS": "3000000000"}, nil, `--db-max-conns must be a positive number, not "3000000000"`},
		{nil, []string{"--db-connect-timeout", "0s"}, `--db-connect-timeout must be a positive duration such as 30s, not "0s"`},
		{map[string]string{"VSAUTH_DB_CONNECT_TIMEOUT": "30"}, nil, `--db-connect-timeout must be a positive duration such as 30s, not "30"`},
		{nil, []string{"--db-statement-timeout", "-1s"}, `--db-statement-timeout must be a positive duration such as 30s, not "-1s"`},
		{map[string]string{"VSAUTH_LOGIN_LOCK_MAX": "15"}, nil, `--login-lock-max must be a positive duration such as 15m, not "15"`},
	} {
		t.Run(strings.Join(tc.args, " ")+fmt.Sprint(tc.env), func(t *testing.T) {
			o, err := parseServerFlags(t, tc.env, tc.args...)
			var ue usageError
			if o != nil || !errors.As(err, &ue) || err.Error() != tc.msg {
				t.Errorf("%v, %v: want usage error %q", o, err, tc.msg)
			}
		})
	}
}
