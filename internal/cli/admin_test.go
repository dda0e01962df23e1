package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/server/store"
)

// adminDB is a database with alice (a confirmed TOTP device, two emergency
// codes, three failed logins) and bob (nothing), closed again so that the
// commands open it as support staff would.
func adminDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vsauth.db")
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		if _, err := st.CreateUser(ctx, store.User{Email: email, Password: "pbkdf2_sha256$2$salt$hash", IsActive: true, JWTSecret: "2382347b-72be-4f0e-aad9-2059bca32fde", DateJoined: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.CreateTOTPDeviceIfNone(ctx, store.TOTPDevice{UserID: 1, Confirmed: true, Key: "3132333435363738393031323334353637383930", Step: 30, Digits: 6, Tolerance: 1, LastT: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReplaceStaticTokens(ctx, 1, []string{"aaaaaaaa", "bbbbbbbb"}); err != nil {
		t.Fatal(err)
	}
	always := func(store.Throttle, time.Time) (bool, time.Time) { return true, time.Time{} }
	for range 3 {
		if _, err := st.ClaimLoginAttempt(ctx, 1, time.Now(), always); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// dbState is what the admin actions may change, in one line.
func dbState(t *testing.T, path string) string {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	u, err := st.UserByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	th, _ := st.LoginThrottle(ctx, 1)
	_, totpErr := st.FirstTOTPDevice(ctx, 1)
	audit, _ := st.Audit(ctx, store.AuditFilter{})
	mails, _ := st.ListMail(ctx)
	return strings.Join([]string{u.JWTSecret, u.Password, strings.Repeat("T", boolInt(totpErr == nil)), strings.Repeat("F", th.FailureCount), strings.Repeat("A", len(audit)), strings.Repeat("M", len(mails))}, "|")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func auditEntries(t *testing.T, path string) []store.AuditEntry {
	t.Helper()
	code, out, errOut := run(t, "", nil, "admin", "audit", "--db", path, "--json")
	if code != 0 {
		t.Fatalf("admin audit: %d %q", code, errOut)
	}
	var es []store.AuditEntry
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return es
}

// Without a terminal, destructive actions need --yes and --reason, and a
// refusal changes nothing; --dry-run says what would change.
func TestAdminActionsNeedConfirmation(t *testing.T) {
	db := adminDB(t)
	before := dbState(t, db)
	for _, tt := range []struct {
		args    []string
		stdin   string
		wantErr string
	}{
		{[]string{"reset-two-step", "alice@example.com"}, "", "vsauth: reset-two-step changes alice@example.com's account: pass --yes (and --reason) to confirm when not on a terminal; nothing changed\n"},
		{[]string{"reset-two-step", "alice@example.com", "--yes"}, "", "vsauth: reset-two-step needs --reason for the audit trail when not on a terminal; nothing changed\n"},
		{[]string{"revoke-sessions", "1", "--reason", "ticket 7"}, "", "vsauth: revoke-sessions changes alice@example.com's account: pass --yes (and --reason) to confirm when not on a terminal; nothing changed\n"},
		{[]string{"set-password", "alice@example.com", "--password-stdin", "--reason", "x"}, "An0ther-long-pass\n", "vsauth: set-password --password-stdin needs --yes (and --reason); nothing changed\n"},
		{[]string{"set-password", "alice@example.com", "--password-stdin", "--password-iterations", "0", "--yes", "--reason", "x"}, "An0ther-long-pass\n", "vsauth: --password-iterations must be a positive number, not \"0\"\n"},
	} {
		code, out, errOut := run(t, tt.stdin, nil, append([]string{"admin", "--db", db}, tt.args...)...)
		if code != 2 || out != "" || errOut != tt.wantErr {
			t.Errorf("%v: %d %q %q\nwant %q", tt.args, code, out, errOut, tt.wantErr)
		}
	}
	code, out, _ := run(t, "", nil, "admin", "--db", db, "reset-two-step", "alice@example.com", "--dry-run")
	if want := "alice@example.com: would reset-two-step: 1 TOTP devices deleted, 1 emergency-code devices deleted, 2 emergency codes deleted, every session ended (dry run, nothing changed)\n"; code != 0 || out != want {
		t.Errorf("dry run: %d %q\nwant %q", code, out, want)
	}
	if after := dbState(t, db); after != before {
		t.Errorf("refusals changed the database: %q → %q", before, after)
	}
}

// Each action leaves exactly one audit row with the actor, the reason and
// the counts, and no secret.
func TestAdminActionsAreAudited(t *testing.T) {
	db := adminDB(t)
	steps := []struct {
		args    []string
		stdin   string
		out     string
		action  string
		changes map[string]int
	}{
		{[]string{"clear-throttle", "alice@example.com"}, "", "alice@example.com: cleared failed-attempt throttling (audit #1)\n",
			"clear-throttle", map[string]int{"failed_logins_cleared": 3, "failed_codes_cleared": 0}},
		{[]string{"reset-two-step", "alice@example.com", "--yes", "--reason", "lost phone, ticket 12"}, "", "alice@example.com: removed two-step login and revoked every session (audit #2)\n",
			"reset-two-step", map[string]int{"totp_devices_deleted": 1, "static_devices_deleted": 1, "emergency_codes_deleted": 2, "sessions_revoked": 1}},
		{[]string{"revoke-sessions", "1", "-y", "--reason", "suspected compromise"}, "", "alice@example.com: revoked every session (audit #3)\n",
			"revoke-sessions", map[string]int{"sessions_revoked": 1}},
		{[]string{"set-password", "alice@example.com", "--password-stdin", "--password-iterations", "2", "--yes", "--reason", "ticket 13"}, "An0ther-long-pass\n", "alice@example.com: password set, every session ended (audit #4)\n",
			"set-password", map[string]int{"password_set": 1, "sessions_revoked": 1, "failed_logins_cleared": 0}},
	}
	secrets := []string{}
	for i, s := range steps {
		code, out, errOut := run(t, s.stdin, nil, append([]string{"admin", "--db", db, "--actor", "carol@helpdesk"}, s.args...)...)
		if code != 0 || out != s.out {
			t.Fatalf("%v: %d %q %q\nwant %q", s.args, code, out, errOut, s.out)
		}
		es := auditEntries(t, db)
		if len(es) != i+1 {
			t.Fatalf("after %v: %d audit entries", s.args, len(es))
		}
		e := es[i]
		reason := ""
		for j, a := range s.args {
			if a == "--reason" {
				reason = s.args[j+1]
			}
		}
		if e.Actor != "carol@helpdesk" || e.Action != s.action || e.UserID != 1 || e.Email != "alice@example.com" || e.Reason != reason || !equalCounts(e.Changes, s.changes) {
			t.Errorf("entry %d = %+v", i+1, e)
		}
		secrets = append(secrets, strings.Split(dbState(t, db), "|")[:2]...)
	}
	code, out, _ := run(t, "", nil, "admin", "audit", "--db", db)
	if code != 0 || strings.Count(out, "\n") != 5 || !strings.Contains(out, "lost phone, ticket 12") || !strings.Contains(out, "carol@helpdesk") {
		t.Errorf("admin audit: %d\n%s", code, out)
	}
	for _, secret := range append(secrets, "An0ther-long-pass") {
		if strings.Contains(out, secret) || strings.Contains(out, strings.ReplaceAll(secret, "-", "")) {
			t.Errorf("audit output holds a secret %q", secret)
		}
	}
	code, out, _ = run(t, "", nil, "admin", "show", "--db", db, "alice@example.com")
	if code != 0 || !strings.Contains(out, "Support actions (newest 5):\n") || !strings.Contains(out, "suspected compromise") || !strings.Contains(out, "Last login:      never\n") {
		t.Errorf("admin show: %d\n%s", code, out)
	}
	code, out, _ = run(t, "", nil, "admin", "audit", "--db", db, "bob@example.com")
	if code != 0 || out != "no audit entries\n" {
		t.Errorf("bob's audit: %d %q", code, out)
	}
	code, _, errOut := run(t, "", nil, "admin", "audit", "--db", db, "--since", "last tuesday")
	if code != 2 || errOut != "vsauth: --since \"last tuesday\": give a duration (36h, 7d) or a date (2026-11-01, RFC 3339)\n" {
		t.Errorf("bad --since: %d %q", code, errOut)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// On a terminal, a destructive action shows the account, asks, and asks
// for a reason; "n" changes nothing.
func TestAdminActionConfirmsOnTerminal(t *testing.T) {
	db := adminDB(t)
	before := dbState(t, db)
	tty := func(stdin string) (Deps, *bytes.Buffer, *bytes.Buffer) {
		out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
		return Deps{IO: IOStreams{In: &oneLineReader{lines: strings.SplitAfter(stdin, "\n")}, Out: out, ErrOut: errOut, InTTY: true}, Getenv: func(string) string { return "" }}, out, errOut
	}
	d, out, errOut := tty("n\n")
	if code := Main(context.Background(), []string{"admin", "--db", db, "reset-two-step", "alice@example.com"}, d); code != 1 {
		t.Fatalf("declined: exit %d, %q %q", code, out, errOut)
	}
	wantPrompt := "Account:    alice@example.com (id 1)\nTwo-step:   totp\nLast login: never\nWill:       1 TOTP devices deleted, 1 emergency-code devices deleted, 2 emergency codes deleted, every session ended\nRemove two-step login of alice@example.com and end every session? [y/N] "
	if errOut.String() != wantPrompt+"vsauth: not confirmed; nothing changed\n" {
		t.Errorf("prompt:\n%q\nwant\n%q", errOut, wantPrompt)
	}
	if after := dbState(t, db); after != before {
		t.Errorf("declining changed the database")
	}
	d, out, errOut = tty("y\nlost phone\n")
	if code := Main(context.Background(), []string{"admin", "--db", db, "--actor", "carol", "reset-two-step", "alice@example.com"}, d); code != 0 {
		t.Fatalf("confirmed: exit %d, %q %q", code, out, errOut)
	}
	if es := auditEntries(t, db); len(es) != 1 || es[0].Reason != "lost phone" || es[0].Actor != "carol" {
		t.Errorf("audit = %+v", es)
	}
}

// In the hardened profile the account holder is told, through the outbox,
// in the same transaction; --notify=false opts out.
func TestAdminNoticeInHardened(t *testing.T) {
	db := adminDB(t)
	env := map[string]string{"VSAUTH_PROFILE": "hardened"}
	code, out, errOut := run(t, "", env, "admin", "--db", db, "reset-two-step", "alice@example.com", "--yes", "--reason", "lost phone")
	if code != 0 || out != "alice@example.com: removed two-step login and revoked every session (audit #1)\nalice@example.com: notice queued in the outbox\n" {
		t.Fatalf("reset-two-step: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, "", nil, "mail", "show", "--db", db, "--to", "alice@example.com")
	if code != 0 || !strings.Contains(out, "Two-step login was turned off for your account, and every session was ended, by support on ") || !strings.Contains(out, "Subject: Your Virtual Spaces account was changed by support") {
		t.Errorf("notice:\n%s", out)
	}
	if es := auditEntries(t, db); len(es) != 1 || es[0].Changes["notice_queued"] != 1 {
		t.Errorf("audit = %+v", es)
	}
	code, out, _ = run(t, "", env, "admin", "--db", db, "clear-throttle", "alice@example.com", "--notify=false")
	if code != 0 || out != "alice@example.com: cleared failed-attempt throttling (audit #2)\n" {
		t.Errorf("--notify=false: %d %q", code, out)
	}
	if n := strings.Count(dbState(t, db), "M"); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

// oneLineReader hands out one line per Read, as a terminal does, so that
// successive prompts each get their own answer.
type oneLineReader struct{ lines []string }

func (r *oneLineReader) Read(p []byte) (int, error) {
	for len(r.lines) > 0 && r.lines[0] == "" {
		r.lines = r.lines[1:]
	}
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0])
	r.lines[0] = r.lines[0][n:]
	return n, nil
}

// An action is recorded at the command's clock (Deps.Now), and audit
// --since counts back from that clock.
func TestAdminActionUsesDepsClock(t *testing.T) {
	db := adminDB(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	runAt := func(now time.Time, args ...string) (int, string, string) {
		d, tio := newTestDeps("", nil)
		d.Now = func() time.Time { return now }
		code := Main(context.Background(), append([]string{"admin", "--db", db}, args...), d)
		return code, tio.out.String(), tio.errOut.String()
	}
	if code, out, errOut := runAt(at, "clear-throttle", "alice@example.com", "--actor", "tester"); code != 0 {
		t.Fatalf("clear-throttle: %d %q %q", code, out, errOut)
	}
	es := auditEntries(t, db)
	if len(es) != 1 || !es[0].At.Equal(at) {
		t.Fatalf("audit: %+v, want one entry at %s", es, at)
	}
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{at.Add(time.Hour), "clear-throttle"},
		{at.Add(25 * time.Hour), ""},
	} {
		code, out, errOut := runAt(tc.now, "audit", "--since", "1d")
		if code != 0 || strings.Contains(out, "clear-throttle") != (tc.want != "") {
			t.Errorf("audit --since 1d at %s: %d %q %q", tc.now, code, out, errOut)
		}
	}
}

// set-password hashes with the server's --password-iterations, also when
// the host sets it as VSAUTH_PASSWORD_ITERATIONS; the flag wins.
func TestAdminSetPasswordIterations(t *testing.T) {
	db := adminDB(t)
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, "pbkdf2_sha256$3$"},
		{[]string{"--password-iterations", "2"}, "pbkdf2_sha256$2$"},
	} {
		args := append([]string{"admin", "--db", db, "set-password", "1", "--password-stdin", "--yes", "--reason", "ticket 14"}, tc.flags...)
		code, out, errOut := run(t, "An0ther-long-pass\n", map[string]string{"VSAUTH_PASSWORD_ITERATIONS": "3"}, args...)
		if code != 0 {
			t.Fatalf("%v: %d %q %q", tc.flags, code, out, errOut)
		}
		st, err := store.OpenSQLite(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.UserByID(context.Background(), 1)
		st.Close()
		if err != nil || !strings.HasPrefix(u.Password, tc.want) {
			t.Errorf("%v: hash %.20q %v, want %s…", tc.flags, u.Password, err, tc.want)
		}
	}
}
