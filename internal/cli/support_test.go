package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/resettoken"
	"github.com/virtualspaces/vsauth/server/store"
)

// runAt is run with the commands' clock at now.
func runAt(t *testing.T, now time.Time, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	d, tio := newTestDeps(stdin, env)
	d.Now = func() time.Time { return now }
	code := Main(context.Background(), args, d)
	return code, tio.out.String(), tio.errOut.String()
}

const testKey = "support-test-secret-key"

var sentAt = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// mailDB is a database with alice (id 1) and bob (id 2) and three
// messages: 1, a reset link to alice in the original's form; 2, a reset
// link to bob in a --reset-url form; 3, a support notice to alice. The
// links are signed with testKey on sentAt.
func mailDB(t *testing.T) (path string, aliceToken string) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "vsauth.db")
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var users []store.User
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		u, err := st.CreateUser(ctx, store.User{Email: email, Password: "pbkdf2_sha256$2$salt$" + email, IsActive: true, JWTSecret: "2382347b-72be-4f0e-aad9-2059bca32fde", DateJoined: sentAt.AddDate(0, -1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	g := resettoken.Generator{SecretKey: testKey}
	out := mail.NewOutbox(st, mail.OutboxOptions{Clock: func() time.Time { return sentAt }, Rand: bytes.NewReader(make([]byte, 1024))})
	aliceToken = g.Make(1, users[0].Password, nil, sentAt)
	for _, m := range []mail.Message{
		mail.PasswordReset(mail.ResetParams{Protocol: "https", Domain: "auth.example.com", SiteName: "auth.example.com", UID: "MQ", Token: aliceToken, Email: "alice@example.com"}),
		mail.PasswordReset(mail.ResetParams{URL: "https://app.example.com/reset?u={uid}&t={token}", SiteName: "Virtual Spaces", UID: "Mg", Token: g.Make(2, users[1].Password, nil, sentAt), Email: "bob@example.com"}),
		mail.AccountNotice("alice@example.com", "Virtual Spaces", "Every session of your account was ended", sentAt),
	} {
		if err := out.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return path, aliceToken
}

// onStore changes the database at path.
func onStore(t *testing.T, path string, do func(st *store.SQLite) error) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := do(st); err != nil {
		t.Fatal(err)
	}
}

// mail show says whether the link works now, with the server's key from the
// environment or the database: valid until the fourth day's start, expired
// after, used once the password changed, gone with the account.
func TestMailShowLinkState(t *testing.T) {
	db, token := mailDB(t)
	env := map[string]string{"VSAUTH_DB": db, "VSAUTH_SECRET_KEY": testKey}
	head := "ID: 1\nDate: 2026-11-25T10:00:00Z\nTo: alice@example.com\nSubject: Password reset on auth.example.com\nStatus: stored\n"
	text := "\nYou're receiving this email because you requested a password reset for your user account at auth.example.com.\r\n\r\n" +
		"Please go to the following page and choose a new password:\r\nhttps://auth.example.com/password/reset/confirm/MQ/" + token + "\r\n" +
		"Your username, in case you've forgotten: alice@example.com\r\n\r\nThanks for using our site!\r\n\r\nThe auth.example.com team\n"
	show := func(now time.Time, env map[string]string, id string) string {
		t.Helper()
		code, out, errOut := runAt(t, now, "", env, "mail", "show", id)
		if code != 0 {
			t.Fatalf("mail show %s: %d %q", id, code, errOut)
		}
		return out
	}
	lastValid := time.Date(2026, 11, 28, 23, 59, 59, 0, time.UTC)
	if got, want := show(lastValid, env, "1"), head+"Link: valid until 2026-11-29T00:00:00Z\n"+text; got != want {
		t.Errorf("valid:\n%q\nwant\n%q", got, want)
	}
	if got, want := show(lastValid.Add(time.Second), env, "1"), head+"Link: expired at 2026-11-29T00:00:00Z\n"+text; got != want {
		t.Errorf("expired:\n%q\nwant\n%q", got, want)
	}
	// A --reset-url link is found and checked too.
	if got := show(sentAt, env, "2"); !strings.Contains(got, "\nLink: valid until 2026-11-29T00:00:00Z\n") {
		t.Errorf("--reset-url link:\n%s", got)
	}
	// A notice has no link, so no Link line.
	if got := show(sentAt, env, "3"); strings.Contains(got, "Link:") || !strings.HasPrefix(got, "ID: 3\n") {
		t.Errorf("notice:\n%s", got)
	}

	// Without VSAUTH_SECRET_KEY and with no key in the database, nothing
	// is checked, and no key is created.
	noKey := map[string]string{"VSAUTH_DB": db}
	if got := show(sentAt, noKey, "1"); !strings.Contains(got, "\nLink: not checked: no secret key (set VSAUTH_SECRET_KEY to the server's)\n") {
		t.Errorf("no key:\n%s", got)
	}
	onStore(t, db, func(st *store.SQLite) error {
		_, err := st.SecretKey(context.Background(), func() (string, error) { return testKey, nil })
		return err
	})
	// The key the server generated and keeps in the database checks it.
	if got := show(sentAt, noKey, "1"); !strings.Contains(got, "\nLink: valid until 2026-11-29T00:00:00Z\n") {
		t.Errorf("database key:\n%s", got)
	}
	// Another key (the server's is not this one): the token no longer
	// matches, as after a change.
	if got := show(sentAt, map[string]string{"VSAUTH_DB": db, "VSAUTH_SECRET_KEY": "other"}, "1"); !strings.Contains(got, "\nLink: used: ") {
		t.Errorf("other key:\n%s", got)
	}

	onStore(t, db, func(st *store.SQLite) error {
		login := sentAt.Add(time.Hour)
		_, err := st.UpdatePassword(context.Background(), 1, store.PasswordUpdate{NewHash: "pbkdf2_sha256$2$salt$new", LastLogin: &login})
		return err
	})
	if got, want := show(sentAt, env, "1"), head+"Link: used: the account's password or last login changed after it was made (a reset or a password change)\n"+text; got != want {
		t.Errorf("used:\n%q\nwant\n%q", got, want)
	}
	onStore(t, db, func(st *store.SQLite) error { return st.DeleteUser(context.Background(), 2) })
	if got := show(sentAt, env, "2"); !strings.Contains(got, "\nLink: no longer valid: the account was deleted\n") {
		t.Errorf("deleted:\n%s", got)
	}

	code, out, _ := runAt(t, sentAt, "", env, "mail", "show", "2", "--json")
	var js struct {
		LinkStatus     string     `json:"link_status"`
		LinkValidUntil *time.Time `json:"link_valid_until"`
		Attempts       int        `json:"attempts"`
	}
	if err := json.Unmarshal([]byte(out), &js); code != 0 || err != nil || js.LinkStatus != "account deleted" || js.LinkValidUntil != nil {
		t.Errorf("--json: %d %v %+v", code, err, js)
	}
}

// A message the relay refuses shows its failed attempts, the last error
// and when the server tries again.
func TestMailShowDelivery(t *testing.T) {
	db, _ := mailDB(t)
	onStore(t, db, func(st *store.SQLite) error {
		ctx := context.Background()
		if err := st.MarkMailFailed(ctx, 3, "first", sentAt.Add(time.Minute)); err != nil {
			return err
		}
		return st.MarkMailFailed(ctx, 3, "smtp: 554 5.7.1 relay access denied", sentAt.Add(2*time.Minute))
	})
	code, out, errOut := runAt(t, sentAt, "", map[string]string{"VSAUTH_DB": db}, "mail", "show", "3")
	want := "ID: 3\nDate: 2026-11-25T10:00:00Z\nTo: alice@example.com\nSubject: Your Virtual Spaces account was changed by support\nStatus: retrying\n" +
		"Failed attempts: 2\nLast error: smtp: 554 5.7.1 relay access denied\nNext attempt: 2026-11-25T10:02:00Z\n\nHello,\r\n"
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Errorf("mail show 3: %d %q\n%q\nwant prefix\n%q", code, errOut, out, want)
	}
	code, out, _ = runAt(t, sentAt, "", map[string]string{"VSAUTH_DB": db}, "mail", "list", "--json")
	var list []mailSummary
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 3 || list[2].Attempts != 2 || list[2].LastError != "smtp: 554 5.7.1 relay access denied" || list[2].NextAttempt == nil || list[0].NextAttempt != nil {
		t.Errorf("mail list --json: %d %v %+v", code, err, list)
	}
}

// mail resend queues a copy with its own Date and Message-ID, audited; a
// link that no longer works is refused, changing nothing, unless --force.
func TestMailResend(t *testing.T) {
	db, _ := mailDB(t)
	env := map[string]string{"VSAUTH_DB": db, "VSAUTH_SECRET_KEY": testKey}
	later := sentAt.Add(26 * time.Hour)
	code, out, errOut := runAt(t, later, "", env, "mail", "resend", "1", "--actor", "carol", "--reason", "ticket 9: in spam")
	if code != 0 || out != "message 1 to alice@example.com queued again as message 4 (audit #1)\n" || errOut != "" {
		t.Fatalf("resend: %d %q %q", code, out, errOut)
	}
	var orig, cp store.Mail
	onStore(t, db, func(st *store.SQLite) error {
		ctx := context.Background()
		var err error
		if orig, err = st.MailByID(ctx, 1); err != nil {
			return err
		}
		cp, err = st.MailByID(ctx, 4)
		return err
	})
	header := regexp.MustCompile(`(?m)^(Date|Message-ID): .*\r\n`)
	if cp.To != orig.To || cp.From != orig.From || cp.Subject != orig.Subject || !cp.CreatedAt.Equal(later) || cp.SentAt != nil ||
		header.ReplaceAllString(string(cp.Raw), "") != header.ReplaceAllString(string(orig.Raw), "") {
		t.Errorf("copy differs beyond Date and Message-ID:\n%s\n---\n%s", cp.Raw, orig.Raw)
	}
	if !strings.Contains(string(cp.Raw), "\r\nDate: Thu, 26 Nov 2026 12:00:00 -0000\r\n") || !regexp.MustCompile(`\r\nMessage-ID: <\d+\.\d+@localhost>\r\n`).Match(cp.Raw) ||
		bytes.Contains(cp.Raw, []byte(header.FindAllString(string(orig.Raw), -1)[1])) {
		t.Errorf("copy's headers:\n%s", cp.Raw[:300])
	}
	es := auditEntries(t, db)
	if len(es) != 1 || es[0].Action != "resend-mail" || es[0].Actor != "carol" || es[0].Reason != "ticket 9: in spam" || es[0].UserID != 1 ||
		!equalCounts(es[0].Changes, map[string]int{"resent_mail": 1, "new_mail": 4}) {
		t.Errorf("audit = %+v", es)
	}
	code, out, _ = run(t, "", nil, "admin", "audit", "--db", db)
	if code != 0 || !strings.Contains(out, "resend-mail  alice@example.com (id 1)  ticket 9: in spam  message #1 queued again as #4\n") {
		t.Errorf("admin audit:\n%s", out)
	}

	// After expiry: refused, nothing queued or audited, unless --force.
	expired := sentAt.AddDate(0, 0, 4)
	before := dbState(t, db)
	code, out, errOut = runAt(t, expired, "", env, "mail", "resend", "2")
	if code != 1 || out != "" || errOut != "vsauth: message 2: the link is expired at 2026-11-29T00:00:00Z; nothing queued.\nThe user can ask for a new link ('vsauth password reset bob@example.com'); --force sends this one anyway\n" {
		t.Errorf("expired: %d %q %q", code, out, errOut)
	}
	if after := dbState(t, db); after != before {
		t.Errorf("a refused resend changed %q to %q", before, after)
	}
	code, out, _ = runAt(t, expired, "", env, "mail", "resend", "2", "--force", "--actor", "carol")
	if code != 0 || out != "message 2 to bob@example.com queued again as message 5 (audit #2)\n" {
		t.Errorf("--force: %d %q", code, out)
	}
	// A notice has no link: it goes again to the account it was sent to.
	code, out, _ = runAt(t, expired, "", env, "mail", "resend", "3", "--actor", "carol")
	if code != 0 || out != "message 3 to alice@example.com queued again as message 6 (audit #3)\n" {
		t.Errorf("notice: %d %q", code, out)
	}
	for _, tc := range []struct {
		args    []string
		code    int
		wantErr string
	}{
		{[]string{"resend", "x"}, 2, "vsauth: message ID must be a positive number, not \"x\"\n"},
		{[]string{"resend"}, 2, "vsauth: vsauth mail resend takes a message ID\n"},
		{[]string{"resend", "99"}, 1, "vsauth: message 99: store: not found: mail 99\n"},
		{[]string{"resend", "0"}, 2, "vsauth: message ID must be a positive number, not \"0\"\n"},
		{[]string{"show", "1.5"}, 2, "vsauth: message ID must be a positive number, not \"1.5\"\n"},
		{[]string{"show", "1", "--link", "--raw"}, 2, "vsauth: --link and --raw cannot be used together\n"},
	} {
		code, out, errOut := runAt(t, expired, "", env, append([]string{"mail"}, tc.args...)...)
		if code != tc.code || out != "" || errOut != tc.wantErr {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errOut)
		}
	}
	onStore(t, db, func(st *store.SQLite) error { return st.DeleteUser(context.Background(), 1) })
	for id, want := range map[string]string{
		"1": "vsauth: message 1: the link is no longer valid: the account was deleted; nothing queued\n",
		"3": "vsauth: message 3 is to alice@example.com, which no account has now; nothing queued\n",
	} {
		code, _, errOut := runAt(t, expired, "", env, "mail", "resend", id, "--force")
		if code != 1 || errOut != want {
			t.Errorf("resend %s of a deleted account: %d %q", id, code, errOut)
		}
	}
}

// supportDB holds alice (confirmed TOTP, two codes, last login on sentAt),
// bob (nothing; five failed logins at sentAt), carol (a TOTP device not
// confirmed; one failed login an hour before) and dave (emergency codes
// only).
func supportDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vsauth.db")
	onStore(t, path, func(st *store.SQLite) error {
		for _, email := range []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"} {
			u := store.User{Email: email, Password: "pbkdf2_sha256$2$salt$hash", IsActive: true, JWTSecret: "2382347b-72be-4f0e-aad9-2059bca32fde", DateJoined: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
			if email == "alice@example.com" {
				u.LastLogin = &sentAt
			}
			if _, err := st.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		for id, confirmed := range map[int64]bool{1: true, 3: false} {
			if _, _, err := st.CreateTOTPDeviceIfNone(ctx, store.TOTPDevice{UserID: id, Confirmed: confirmed, Key: "3132333435363738393031323334353637383930", Step: 30, Digits: 6, Tolerance: 1, LastT: -1}); err != nil {
				return err
			}
		}
		for _, id := range []int64{1, 4} {
			if _, err := st.ReplaceStaticTokens(ctx, id, []string{"aaaaaaaa", "bbbbbbbb"}); err != nil {
				return err
			}
		}
		always := func(store.Throttle, time.Time) (bool, time.Time) { return true, time.Time{} }
		for range 5 {
			if _, err := st.ClaimLoginAttempt(ctx, 2, sentAt, always); err != nil {
				return err
			}
		}
		_, err := st.ClaimLoginAttempt(ctx, 3, sentAt.Add(-time.Hour), always)
		return err
	})
	return path
}

// admin list filters on the two-step state and the lock, pages, and says
// until when each account is locked.
func TestAdminListFilters(t *testing.T) {
	db := supportDB(t)
	env := map[string]string{"VSAUTH_DB": db}
	now := sentAt.Add(5 * time.Second)
	const header = "ID  EMAIL              ACTIVE  TWO-STEP    CODES  FAILED LOGINS  LOCKED UNTIL          LAST LOGIN\n"
	rows := []string{
		"1   alice@example.com  true    totp        2      0              -                     2026-11-25T10:00:00Z\n",
		"2   bob@example.com    true    off         0      5              2026-11-25T10:00:16Z  never\n",
		"3   carol@example.com  true    pending     0      1              -                     never\n",
		"4   dave@example.com   true    codes only  2      0              -                     never\n",
	}
	for _, tc := range []struct {
		args          []string
		out, errOut   string
		env           map[string]string
		wantTableRows []int
	}{
		{args: nil, wantTableRows: []int{0, 1, 2, 3}},
		{args: []string{"--two-step", "on"}, wantTableRows: []int{0, 3}},
		{args: []string{"--two-step", "off"}, wantTableRows: []int{1}},
		{args: []string{"--two-step", "pending", "--locked"}},
		{args: []string{"--two-step", "pending"}, wantTableRows: []int{2}},
		{args: []string{"--locked"}, wantTableRows: []int{1}},
		{args: []string{"--limit", "2"}, wantTableRows: []int{0, 1}, errOut: "more accounts: add --after 2 for the next page\n"},
		{args: []string{"--limit", "2", "--after", "2"}, wantTableRows: []int{2, 3}},
		{args: []string{"--locked", "--limit", "1"}, wantTableRows: []int{1}},
	} {
		code, out, errOut := runAt(t, now, "", env, append([]string{"admin", "list"}, tc.args...)...)
		want := ""
		if len(tc.wantTableRows) > 0 {
			// tabwriter widths follow the rows shown; compare on single spaces.
			want = header
			for _, i := range tc.wantTableRows {
				want += rows[i]
			}
		}
		wantErr := tc.errOut
		if want == "" {
			wantErr = "no accounts\n"
		}
		if code != 0 || squash(out) != squash(want) || errOut != wantErr {
			t.Errorf("admin list %v: %d %q\n%s\nwant\n%s", tc.args, code, errOut, out, want)
		}
	}
	code, out, _ := runAt(t, now, "", env, "admin", "list")
	if code != 0 || out != header+strings.Join(rows, "") {
		t.Errorf("admin list:\n%s\nwant\n%s", out, header+strings.Join(rows, ""))
	}
	// The server's --login-lock-max, from the environment or the flag.
	code, out, _ = runAt(t, now, "", map[string]string{"VSAUTH_DB": db, "VSAUTH_LOGIN_LOCK_MAX": "10s"}, "admin", "list", "--locked", "--json")
	var js []accountSummary
	if err := json.Unmarshal([]byte(out), &js); code != 0 || err != nil || len(js) != 1 || js[0].ID != 2 || !js[0].LockedUntil.Equal(sentAt.Add(10*time.Second)) {
		t.Errorf("VSAUTH_LOGIN_LOCK_MAX=10s: %d %v %s", code, err, out)
	}
	code, out, errOut := runAt(t, now, "", map[string]string{"VSAUTH_DB": db, "VSAUTH_LOGIN_LOCK_MAX": "10s"}, "admin", "list", "--locked", "--login-lock-max", "5s")
	if code != 0 || out != "" || errOut != "no accounts\n" {
		t.Errorf("--login-lock-max 5s: %d %q %q", code, out, errOut)
	}
	for _, tc := range []struct {
		args    []string
		env     map[string]string
		wantErr string
	}{
		{[]string{"--two-step", "maybe"}, env, "vsauth: --two-step must be on, off or pending, not \"maybe\"\n"},
		{[]string{"--limit", "-1"}, env, "vsauth: --limit and --after must not be negative\n"},
		{nil, map[string]string{"VSAUTH_DB": db, "VSAUTH_LOGIN_LOCK_MAX": "soon"}, "vsauth: --login-lock-max must be a positive duration such as 15m, not \"soon\"\n"},
	} {
		code, out, errOut := runAt(t, now, "", tc.env, append([]string{"admin", "list"}, tc.args...)...)
		if code != ExitUsage || out != "" || errOut != tc.wantErr {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errOut)
		}
	}
}

func squash(s string) string { return regexp.MustCompile(` +`).ReplaceAllString(s, " ") }

// admin show says until when failed logins lock the account.
func TestAdminShowLock(t *testing.T) {
	db := supportDB(t)
	env := map[string]string{"VSAUTH_DB": db}
	code, out, errOut := runAt(t, sentAt.Add(5*time.Second), "", env, "admin", "show", "bob@example.com")
	want := "ID:              2\nEmail:           bob@example.com\nActive:          true\nAdmin:           false\nJoined:          2026-11-01T00:00:00Z\nLast login:      never\n" +
		"Two-step:        off\nEmergency codes: 0 left\nFailed logins:   5\nLocked until:    2026-11-25T10:00:16Z\nFailed codes:    0\nPassword hash:   pbkdf2_sha256 2\nSupport actions: none\n"
	if code != 0 || out != want {
		t.Errorf("locked: %d %q\n%s\nwant\n%s", code, errOut, out, want)
	}
	code, out, _ = runAt(t, sentAt.Add(16*time.Second), "", env, "admin", "show", "2")
	if code != 0 || !strings.Contains(out, "\nFailed logins:   5\nLocked until:    not locked\n") {
		t.Errorf("lock over:\n%s", out)
	}
	code, out, _ = runAt(t, sentAt, "", env, "admin", "show", "alice@example.com")
	if code != 0 || !strings.Contains(out, "\nLast login:      2026-11-25T10:00:00Z\nTwo-step:        totp\nEmergency codes: 2 left\n") {
		t.Errorf("alice:\n%s", out)
	}
}

// E-mail lookups ignore case; addresses that differ only in case are
// listed, and support picks one by id on a terminal.
func TestAdminLookupIgnoresCase(t *testing.T) {
	db := supportDB(t)
	env := map[string]string{"VSAUTH_DB": db}
	code, out, _ := runAt(t, sentAt, "", env, "admin", "show", "BOB@Example.COM")
	if code != 0 || !strings.HasPrefix(out, "ID:              2\nEmail:           bob@example.com\n") {
		t.Errorf("BOB@Example.COM: %d\n%s", code, out)
	}
	code, _, errOut := runAt(t, sentAt, "", env, "admin", "show", "nobody@example.com")
	if code != 1 || errOut != "vsauth: no user \"nobody@example.com\" (try 'vsauth admin list')\n" {
		t.Errorf("unknown: %d %q", code, errOut)
	}
	onStore(t, db, func(st *store.SQLite) error {
		_, err := st.CreateUser(context.Background(), store.User{Email: "Bob@Example.com", Password: "!x", IsActive: true, JWTSecret: "2382347b-72be-4f0e-aad9-2059bca32fde"})
		return err
	})
	before := dbState(t, db)
	list := "2 accounts match BOB@EXAMPLE.COM when case is ignored:\n  2  bob@example.com\n  5  Bob@Example.com\n"
	for _, args := range [][]string{
		{"show", "BOB@EXAMPLE.COM"},
		{"clear-throttle", "BOB@EXAMPLE.COM"},
		{"audit", "BOB@EXAMPLE.COM"},
	} {
		code, out, errOut := runAt(t, sentAt, "", env, append([]string{"admin"}, args...)...)
		if code != ExitUsage || out != "" || errOut != "vsauth: "+list+"name one by its id; nothing changed\n" {
			t.Errorf("%v: %d %q %q", args, code, out, errOut)
		}
	}
	if after := dbState(t, db); after != before {
		t.Errorf("an ambiguous address changed %q to %q", before, after)
	}
	tty := func(answer string) (Deps, *bytes.Buffer, *bytes.Buffer) {
		out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
		return Deps{IO: IOStreams{In: &oneLineReader{lines: []string{answer}}, Out: out, ErrOut: errOut, InTTY: true},
			Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return sentAt.Add(5 * time.Second) }}, out, errOut
	}
	d, out2, errOut2 := tty("2\n")
	if code := Main(context.Background(), []string{"admin", "clear-throttle", "BOB@EXAMPLE.COM", "--actor", "carol"}, d); code != 0 ||
		errOut2.String() != list+"Account id: " || out2.String() != "bob@example.com: cleared failed-attempt throttling (audit #1)\n" {
		t.Errorf("picked 2: %d %q %q", code, out2, errOut2)
	}
	d, out2, errOut2 = tty("1\n")
	if code := Main(context.Background(), []string{"admin", "show", "BOB@EXAMPLE.COM"}, d); code != 1 ||
		out2.String() != "" || errOut2.String() != list+"Account id: vsauth: \"1\" is not one of the ids listed; nothing changed\n" {
		t.Errorf("picked 1: %d %q %q", code, out2, errOut2)
	}
}

// admin reads the server's profile, site name and From as the server does:
// the notice of a hardened server names the site and comes from its address.
func TestAdminReadsServerSettings(t *testing.T) {
	db := supportDB(t)
	env := map[string]string{"VSAUTH_DB": db, "VSAUTH_PROFILE": "hardened", "VSAUTH_SITE_NAME": "Acme Spaces", "VSAUTH_MAIL_FROM": "Support <support@acme.example>"}
	code, out, errOut := runAt(t, sentAt, "", env, "admin", "clear-throttle", "bob@example.com", "--actor", "carol")
	if code != 0 || out != "bob@example.com: cleared failed-attempt throttling (audit #1)\nbob@example.com: notice queued in the outbox\n" {
		t.Fatalf("clear-throttle: %d %q %q", code, out, errOut)
	}
	var m store.Mail
	onStore(t, db, func(st *store.SQLite) error {
		var err error
		m, err = st.MailByID(context.Background(), 1)
		return err
	})
	if m.From != "Support <support@acme.example>" || m.Subject != "Your Acme Spaces account was changed by support" || !strings.Contains(string(m.Raw), "\r\nFrom: Support <support@acme.example>\r\n") {
		t.Errorf("notice: %q %q\n%s", m.From, m.Subject, m.Raw)
	}
	// The flag wins over the environment, as for the server.
	code, out, _ = runAt(t, sentAt, "", env, "admin", "--profile", "compat", "clear-throttle", "bob@example.com")
	if code != 0 || out != "bob@example.com: cleared failed-attempt throttling (audit #2)\n" {
		t.Errorf("--profile compat: %d %q", code, out)
	}
	code, _, errOut = runAt(t, sentAt, "", map[string]string{"VSAUTH_DB": db, "VSAUTH_PROFILE": "strict"}, "admin", "clear-throttle", "bob@example.com")
	if code != ExitUsage || errOut != "vsauth: --profile must be compat or hardened, not \"strict\"\n" {
		t.Errorf("bad profile: %d %q", code, errOut)
	}
	// The shared flags keep the server's help; the secret key is never a
	// flag of a support command.
	code, out, _ = run(t, "", nil, "admin", "list", "--help")
	for _, flag := range []string{"--db string", "--login-lock-max duration", "--profile string", "--site-name string", "--mail-from string"} {
		if code != 0 || !strings.Contains(out, flag) {
			t.Errorf("admin list --help lacks %s", flag)
		}
	}
	code, out, _ = run(t, "", nil, "mail", "show", "--help")
	if code != 0 || !strings.Contains(out, "--db string") || strings.Contains(out, "--secret-key") || strings.Contains(out, "--profile") {
		t.Errorf("mail show --help:\n%s", out)
	}
}
