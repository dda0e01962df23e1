package mail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func newTestOutbox(q Queue, dir string, log *syncBuffer, notified *int) *Outbox {
	return NewOutbox(q, OutboxOptions{
		Dir:    dir,
		Clock:  func() time.Time { return testDate },
		Rand:   &seqReader{},
		Logger: testLogger(log),
		Notify: func() { *notified++ },
	})
}

func TestOutboxSendStoresStampedMessage(t *testing.T) {
	q := &fakeQueue{}
	var log syncBuffer
	notified := 0
	o := newTestOutbox(q, "", &log, &notified)

	if err := o.Send(context.Background(), PasswordReset(aliceParams())); err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := PasswordReset(aliceParams())
	want.Date = testDate
	// Random bytes 0..7 make the Message-ID, 8..15 the boundary.
	want.MessageID = "<179560800000.283686952306183@localhost>"
	want.Boundary = "===============0579005069656919567=="

	mails := q.all()
	if len(mails) != 1 {
		t.Fatalf("%d messages stored, want 1", len(mails))
	}
	got := mails[0]
	if got.ID != 1 || !got.CreatedAt.Equal(testDate) || got.From != "webmaster@localhost" ||
		got.To != "alice@example.com" || got.Subject != "Password reset on localhost:8000" ||
		got.SentAt != nil || got.Attempts != 0 || got.NextAttempt != nil {
		t.Errorf("stored %+v", got)
	}
	if string(got.Raw) != string(want.Bytes()) {
		t.Errorf("Raw =\n%s\nwant\n%s", got.Raw, want.Bytes())
	}
	if notified != 1 {
		t.Errorf("Notify called %d times, want 1", notified)
	}
	if want := "level=INFO msg=\"mail: message queued\" mail_id=1 to=alice@example.com\n"; log.String() != want {
		t.Errorf("log = %q, want %q", log.String(), want)
	}
}

func TestOutboxSendWritesNewEMLFiles(t *testing.T) {
	q := &fakeQueue{}
	var log syncBuffer
	notified := 0
	dir := filepath.Join(t.TempDir(), "mail", "out")
	o := newTestOutbox(q, dir, &log, &notified)

	// Random bytes 16..19 name the first file; a file already holding that
	// name must be left alone and the next random name taken.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	taken := filepath.Join(dir, "20261125T120000Z-1-10111213.eml")
	if err := os.WriteFile(taken, []byte("older"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir); err == nil {
		t.Fatal("setup: directory should not be empty")
	}

	ctx := context.Background()
	if err := o.Send(ctx, PasswordReset(aliceParams())); err != nil {
		t.Fatalf("Send 1: %v", err)
	}
	if err := o.Send(ctx, Message{To: "bob@example.com", Subject: "s", Text: "t", HTML: "h"}); err != nil {
		t.Fatalf("Send 2: %v", err)
	}

	// Send 2 used random bytes 24..31 and 32..39 for its ids, 40..43 for its name.
	want := map[string]string{
		"20261125T120000Z-1-10111213.eml": "older",
		"20261125T120000Z-1-14151617.eml": string(q.get(1).Raw),
		"20261125T120000Z-2-28292a2b.eml": string(q.get(2).Raw),
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[e.Name()]; !ok || string(b) != w {
			t.Errorf("file %s = %q (expected: %v)", e.Name(), b, ok)
		}
		info, _ := e.Info()
		if e.Name() != "20261125T120000Z-1-10111213.eml" && info.Mode().Perm() != 0o600 {
			t.Errorf("file %s mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	if len(names) != len(want) {
		t.Errorf("directory holds %q, want the %d files %v", names, len(want), want)
	}
	if !strings.Contains(log.String(), "mail_id=2 to=bob@example.com file="+filepath.Join(dir, "20261125T120000Z-2-28292a2b.eml")) {
		t.Errorf("log = %q", log.String())
	}
}

func TestOutboxCreatesDirPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	var log syncBuffer
	n := 0
	if err := newTestOutbox(&fakeQueue{}, dir, &log, &n).Send(context.Background(), PasswordReset(aliceParams())); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", info.Mode().Perm())
	}
}

func TestOutboxFileFailureKeepsMessageAndLogsWithoutSecrets(t *testing.T) {
	q := &fakeQueue{}
	var log syncBuffer
	notified := 0
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	o := newTestOutbox(q, filepath.Join(file, "sub"), &log, &notified)

	if err := o.Send(context.Background(), PasswordReset(aliceParams())); err != nil {
		t.Fatalf("Send = %v, want nil: the message is stored", err)
	}
	if len(q.all()) != 1 || notified != 1 {
		t.Errorf("stored %d, notified %d; want 1, 1", len(q.all()), notified)
	}
	l := log.String()
	if !strings.Contains(l, `level=ERROR msg="mail: message stored in the outbox, but its .eml copy was not written" mail_id=1 to=alice@example.com err="create mail directory: mkdir `) {
		t.Errorf("log = %q", l)
	}
	if strings.Contains(l, "7ar-d149efd841d4c80d659e") {
		t.Errorf("log contains the reset token: %q", l)
	}
}

func TestOutboxEnqueueFailure(t *testing.T) {
	dbErr := errors.New("disk I/O error")
	q := &fakeQueue{enqueueErr: dbErr}
	var log syncBuffer
	notified := 0
	dir := t.TempDir()
	o := newTestOutbox(q, dir, &log, &notified)

	err := o.Send(context.Background(), PasswordReset(aliceParams()))
	if !errors.Is(err, dbErr) || err.Error() != "mail: store message to alice@example.com in the outbox: disk I/O error" {
		t.Errorf("Send = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 || notified != 0 {
		t.Errorf("files %v, notified %d; want none", entries, notified)
	}
}

func TestOutboxConcurrentSendsGetDistinctFiles(t *testing.T) {
	q := &fakeQueue{}
	dir := t.TempDir()
	o := NewOutbox(q, OutboxOptions{Dir: dir, Clock: func() time.Time { return testDate }})
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() { errs <- o.Send(context.Background(), PasswordReset(aliceParams())) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	var ids []string
	for _, e := range entries {
		ids = append(ids, strings.Split(e.Name(), "-")[1])
	}
	slices.Sort(ids)
	if len(entries) != n || len(slices.Compact(ids)) != n {
		t.Errorf("got files %v", entries)
	}
}
