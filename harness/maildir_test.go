package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/server/mail"
)

// The original's reset mails (shared/fixtures/original/mail): Django file
// backend output, one message then a line of 79 dashes.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "django-mail", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	fixture1 = "sqlite-dave-reset-1-before-password-change.eml"
	fixture2 = "sqlite-dave-reset-2-after-password-change.eml"
	link1    = "http://127.0.0.1:8002/password/reset/confirm/NA/7ax-fea2fb73cc70f3583f5c"
)

// writeAt writes a file and sets its modification time, which orders the
// files of a mail directory.
func writeAt(t *testing.T, dir, name string, data []byte, mod time.Time) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mod, mod); err != nil {
		t.Fatal(err)
	}
}

func TestReadMailDirDjangoFixtures(t *testing.T) {
	m1, m2 := readFixture(t, fixture1), readFixture(t, fixture2)
	if !bytes.HasSuffix(m1, []byte("\n\n"+djangoSeparator+"\n")) {
		t.Fatalf("fixture does not end with Django's separator:\n%q", m1[len(m1)-100:])
	}
	sep := []byte(djangoSeparator + "\n")
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)
	// One connection's .log file with both messages, and a third message
	// still being written (no separator yet), which must be left out.
	log := append(append(append([]byte{}, m1...), m2...), m1[:200]...)
	writeAt(t, dir, "20261201-133450-140234567.log", log, t0)
	// The fixture as a single-message .eml, older than the .log file.
	writeAt(t, dir, "fixture.eml", m1, t0.Add(-time.Minute))
	// Not mail: other extensions, vsauth's temporary files, directories.
	writeAt(t, dir, "notes.txt", m2, t0.Add(time.Minute))
	writeAt(t, dir, ".tmp-123.eml", m2, t0.Add(time.Minute))
	if err := os.Mkdir(filepath.Join(dir, "sub.eml"), 0o700); err != nil {
		t.Fatal(err)
	}

	c, err := readMailDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 3 || c.files != 2 || c.skipped != 0 {
		t.Fatalf("read %d messages from %d files (%d skipped), want 3 from 2", len(c.msgs), c.files, c.skipped)
	}
	want := []struct{ body []byte }{{m1}, {m1}, {m2}}
	for i, m := range c.msgs {
		if m.To != "dave@example.com" || m.Subject != "Password reset on 127.0.0.1:8002" {
			t.Errorf("message %d: To %q, Subject %q", i, m.To, m.Subject)
		}
		// Each message is the fixture without the separator and the blank
		// line Django writes before it.
		if exp := bytes.TrimSuffix(want[i].body, []byte("\n"+djangoSeparator+"\n")); !bytes.Equal(m.Raw, exp) {
			t.Errorf("message %d =\n%q\nwant\n%q", i, m.Raw, exp)
		}
	}
	link, uid, token, err := mail.ResetLink(c.msgs[0].Raw)
	if err != nil || link != link1 || uid != "NA" || token != "7ax-fea2fb73cc70f3583f5c" {
		t.Errorf("ResetLink = %q %q %q %v", link, uid, token, err)
	}
	if newestTo(c.msgs, "DAVE@example.com") != &c.msgs[2] {
		t.Error("newestTo did not pick the last message")
	}
	if newestTo(c.msgs, "erin@example.com") != nil {
		t.Error("newestTo found a message to another address")
	}

	// A finished part that is not a message is counted as unreadable.
	writeAt(t, dir, "20261201-133450-140234567.log", append(append(append([]byte{}, m1...), m2...), append([]byte("not a message\n"), sep...)...), t0)
	c, _ = readMailDir(dir)
	if len(c.msgs) != 3 || c.skipped != 1 {
		t.Errorf("with a bad part: %d messages, %d skipped; want 3 and 1", len(c.msgs), c.skipped)
	}
}

func TestReadMailDirVsauthAndBadInput(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Now().Add(-time.Hour)
	msg := mail.PasswordReset(mail.ResetParams{Email: "erin@example.com", Protocol: "http", Domain: "127.0.0.1:8000", SiteName: "127.0.0.1:8000", UID: "MQ", Token: "7ar-0123456789abcdef0123"})
	raw := msg.Bytes()
	writeAt(t, dir, "20261201T133450Z-1-0a0b0c0d.eml", raw, t0)
	writeAt(t, dir, "garbage.eml", []byte("not a mail message at all"), t0.Add(time.Second))
	writeAt(t, dir, "huge.log", bytes.Repeat([]byte("x"), maxMailFile+1), t0.Add(2*time.Second))
	c, err := readMailDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 1 || c.skipped != 2 || c.files != 2 {
		t.Fatalf("%d messages from %d files, %d skipped; want 1, 2, 2", len(c.msgs), c.files, c.skipped)
	}
	if c.msgs[0].To != "erin@example.com" || !bytes.Equal(c.msgs[0].Raw, append(bytes.TrimRight(raw, "\r\n"), '\n')) {
		t.Errorf("message = %q to %q", c.msgs[0].Raw, c.msgs[0].To)
	}
	if _, uid, _, err := mail.ResetLink(c.msgs[0].Raw); err != nil || uid != "MQ" {
		t.Errorf("ResetLink: %q %v", uid, err)
	}

	// A directory the server has not created yet holds no mail.
	c, err = readMailDir(filepath.Join(dir, "missing"))
	if err != nil || len(c.msgs) != 0 {
		t.Errorf("missing directory: %+v, %v", c, err)
	}
	// A file where the directory should be is an error.
	if _, err := readMailDir(filepath.Join(dir, "garbage.eml")); err == nil || !strings.Contains(err.Error(), "read mail directory") {
		t.Errorf("file as directory: %v", err)
	}
}

func TestSplitMailFile(t *testing.T) {
	sep := djangoSeparator
	tests := []struct {
		name     string
		in       string
		complete bool
		want     []string
	}{
		{name: "eml without separator", in: "A: 1\r\n\r\nbody\r\n", want: []string{"A: 1\r\n\r\nbody\n"}},
		{name: "log, unterminated tail dropped", in: "A: 1\n\nx\n\n" + sep + "\nA: 2\n\ny", complete: true, want: []string{"A: 1\n\nx\n"}},
		{name: "eml, tail kept", in: "A: 1\n\nx\n\n" + sep + "\nA: 2\n\ny", want: []string{"A: 1\n\nx\n", "A: 2\n\ny\n"}},
		{name: "CRLF separator", in: "A: 1\r\n\r\nx\r\n" + sep + "\r\n", complete: true, want: []string{"A: 1\r\n\r\nx\n"}},
		{name: "shorter dash line is content", in: "A: 1\n\n" + sep[1:] + "\n" + sep + "\n", complete: true, want: []string{"A: 1\n\n" + sep[1:] + "\n"}},
		{name: "blank parts dropped", in: "\n" + sep + "\n\n\n" + sep + "\n", complete: true},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range splitMailFile([]byte(tt.in), tt.complete) {
				got = append(got, string(m))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
