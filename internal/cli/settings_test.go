package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/store"
)

// VSAUTH_DB names the database of admin and mail as it does the server's:
// a host configured through the environment opens one database for all.
func TestAdminAndMailReadVSAUTHDB(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.User{Email: "env-user@example.com", Password: "!x", IsActive: true, JWTSecret: "0b0b0b0b-1111-4222-8333-444444444444"}); err != nil {
		t.Fatal(err)
	}
	if err := mail.NewOutbox(st, mail.OutboxOptions{}).Send(ctx, mail.Message{From: "a@example.com", To: "env-user@example.com", Subject: "hello from env", Text: "t", HTML: "h"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// XDG_DATA_HOME points the default elsewhere: only VSAUTH_DB finds the file.
	env := map[string]string{"VSAUTH_DB": db, "XDG_DATA_HOME": t.TempDir()}

	code, out, errOut := run(t, "", env, "admin", "list")
	if code != 0 || !strings.Contains(out, "env-user@example.com") {
		t.Fatalf("admin list: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "", env, "mail", "list")
	if code != 0 || !strings.Contains(out, "hello from env") {
		t.Fatalf("mail list: %d\n%s%s", code, out, errOut)
	}
	// --db still wins over the environment.
	code, _, errOut = run(t, "", env, "admin", "list", "--db", filepath.Join(t.TempDir(), "none.db"))
	if code != ExitError || !strings.HasPrefix(errOut, "vsauth: no database at ") {
		t.Fatalf("--db over VSAUTH_DB: %d %s", code, errOut)
	}
}

// The API commands' flags are offered where they do something, and only there.
func TestFlagsOnlyWhereTheyWork(t *testing.T) {
	for _, tc := range []struct {
		args []string
		api  bool
	}{
		{[]string{"admin", "list", "--help"}, false},
		{[]string{"admin", "--help"}, false},
		{[]string{"mail", "show", "--help"}, false},
		{[]string{"server", "--help"}, false},
		{[]string{"login", "--help"}, true},
		{[]string{"totp", "enable", "--help"}, true},
		{[]string{"password", "reset-confirm", "--help"}, true},
	} {
		code, out, _ := run(t, "", nil, tc.args...)
		for _, flag := range []string{"--server", "--debug", "--insecure-storage"} {
			if code != 0 || strings.Contains(out, flag) != tc.api {
				t.Errorf("%v: %s offered = %v, want %v (exit %d)", tc.args, flag, strings.Contains(out, flag), tc.api, code)
			}
		}
		if !strings.Contains(out, "--config") {
			t.Errorf("%v: --config missing", tc.args)
		}
	}
	code, _, errOut := run(t, "", nil, "admin", "list", "--server", "http://x")
	if code != ExitUsage || errOut != "vsauth: --server does nothing for 'vsauth admin list'\n" {
		t.Errorf("admin --server: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "", nil, "--debug", "mail", "list")
	if code != ExitUsage || errOut != "vsauth: --debug does nothing for 'vsauth mail list'\n" {
		t.Errorf("vsauth --debug mail list: %d %q", code, errOut)
	}
	// The global form still reaches an API command, and sets its flags.
	code, out, errOut := run(t, "", nil, "--server", "http://127.0.0.1:1", "--debug", "auth", "status")
	if code == ExitUsage || strings.Contains(errOut, "unknown") {
		t.Errorf("vsauth --server URL --debug auth status: %d %s%s", code, out, errOut)
	}
	code, out, _ = run(t, "", nil, "--help")
	if code != 0 || !strings.Contains(out, "  man ") {
		t.Errorf("man not listed:\n%s", out)
	}
}
