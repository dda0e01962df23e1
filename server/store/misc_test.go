package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestLoginThrottle(t *testing.T) { eachStore(t, testLoginThrottle) }

func testLoginThrottle(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	alice := mustCreateUser(t, s, "alice@example.com")
	if th, err := s.LoginThrottle(ctx, alice.ID); err != nil || th != (Throttle{}) {
		t.Errorf("initial = %+v, %v", th, err)
	}
	t1, t2 := tm(t, "2026-11-25T10:00:00Z"), tm(t, "2026-11-25T10:00:01.5Z")
	if err := failed(s.ClaimLoginAttempt(ctx, alice.ID, t1, allowAll)); err != nil {
		t.Fatal(err)
	}
	if err := failed(s.ClaimLoginAttempt(ctx, alice.ID, t2, allowAll)); err != nil {
		t.Fatal(err)
	}
	th, err := s.LoginThrottle(ctx, alice.ID)
	if want := (Throttle{FailureCount: 2, FailureTimestamp: &t2}); err != nil || !reflect.DeepEqual(th, want) {
		t.Errorf("after 2 failures = %+v, %v", th, err)
	}
	if raw := rawString(t, s, `SELECT failure_count || '|' || CAST(failure_timestamp AS TEXT) FROM vsauth_login_throttle`); s.d == sqliteDialect && raw != "2|2026-11-25 10:00:01.500000" {
		t.Errorf("raw = %q", raw)
	}
	if err := s.ResetLoginThrottle(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if th, _ := s.LoginThrottle(ctx, alice.ID); th != (Throttle{}) {
		t.Errorf("after reset = %+v", th)
	}
	if err := s.ResetLoginThrottle(ctx, alice.ID); err != nil {
		t.Errorf("second reset: %v", err)
	}
	if err := failed(s.ClaimLoginAttempt(ctx, 42, t1, allowAll)); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: user 42" {
		t.Errorf("unknown user: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM vsauth_login_throttle`); n != 0 {
		t.Errorf("%d throttle rows", n)
	}
}

func TestSecretKey(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	calls := 0
	gen := func() (string, error) { calls++; return "generated-secret", nil }
	for i := 0; i < 2; i++ {
		if key, err := s.SecretKey(ctx, gen); err != nil || key != "generated-secret" {
			t.Errorf("SecretKey #%d = %q, %v", i, key, err)
		}
	}
	if calls != 1 {
		t.Errorf("generate called %d times", calls)
	}
	s.Close()
	s = openPath(t, path)
	if key, err := s.SecretKey(ctx, func() (string, error) { return "other", nil }); err != nil || key != "generated-secret" {
		t.Errorf("after reopen = %q, %v", key, err)
	}
	if raw := rawString(t, s, `SELECT name || '=' || value FROM vsauth_settings`); s.d == sqliteDialect && raw != "secret_key=generated-secret" {
		t.Errorf("raw = %q", raw)
	}

	fresh, _ := openTemp(t)
	boom := errors.New("no entropy")
	if _, err := fresh.SecretKey(ctx, func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("generator error: %v", err)
	}
	if _, err := fresh.SecretKey(ctx, func() (string, error) { return "", nil }); err == nil || err.Error() != "store: create secret key: generate: empty secret" {
		t.Errorf("empty secret: %v", err)
	}
	if n := count(t, fresh, `SELECT count(*) FROM vsauth_settings`); n != 0 {
		t.Errorf("failed generation stored %d rows", n)
	}
}

func TestMailOutbox(t *testing.T) { eachStore(t, testMailOutbox) }

func testMailOutbox(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	base := tm(t, "2026-11-25T10:00:00Z")
	if m, err := s.MailByID(ctx, 1); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: mail 1" {
		t.Errorf("MailByID with none = %+v, %v", m, err)
	}

	var queued []Mail
	for i, subject := range []string{"first", "second", "third"} {
		in := Mail{ID: 50, CreatedAt: base.Add(time.Duration(i) * 1500 * time.Millisecond), From: "webmaster@localhost",
			To: "alice@example.com", Subject: subject, Raw: []byte("Subject: " + subject + "\r\n\r\nbody\r\n")}
		m, err := s.EnqueueMail(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.ID = int64(i + 1)
		if !reflect.DeepEqual(m, want) {
			t.Errorf("EnqueueMail = %+v\nwant %+v", m, want)
		}
		queued = append(queued, m)
	}
	if raw := rawString(t, s, `SELECT CAST(created_at AS TEXT) || '|' || typeof(raw) || '|' || coalesce(sent_at, 'NULL') || '|' || attempts || '|' || last_error || '|' || coalesce(next_attempt, 'NULL') FROM vsauth_mail_outbox WHERE id = 2`); s.d == sqliteDialect && raw != "2026-11-25 10:00:01.500000|blob|NULL|0||NULL" {
		t.Errorf("raw mail = %q", raw)
	}

	// Claims for no time (until = now) leave the messages due, so that
	// each call sees what is pending.
	pending := func(now time.Time, limit int) []int64 {
		t.Helper()
		ms, err := s.ClaimMail(ctx, now, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		return ids
	}
	if got := pending(base, 0); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
		t.Errorf("pending = %v", got)
	}
	if got := pending(base, 2); !reflect.DeepEqual(got, []int64{1, 2}) {
		t.Errorf("pending limit 2 = %v", got)
	}

	sentAt := base.Add(time.Second)
	if err := s.MarkMailSent(ctx, 1, sentAt); err != nil {
		t.Fatal(err)
	}
	// Retry at exactly 10:05:00, so the text comparison of a value without
	// fraction against one with is exercised.
	retry := tm(t, "2026-11-25T10:05:00Z")
	if err := s.MarkMailFailed(ctx, 2, "dial tcp: connection refused", retry); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkMailFailed(ctx, 2, "421 try later", retry); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now  time.Time
		want []int64
	}{
		{tm(t, "2026-11-25T10:04:59.999999Z"), []int64{3}},
		{retry, []int64{2, 3}},
		{tm(t, "2026-11-25T10:05:00.000001Z"), []int64{2, 3}},
	}
	for _, tt := range tests {
		if got := pending(tt.now, 10); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("pending at %v = %v, want %v", tt.now, got, tt.want)
		}
	}

	m2, err := s.MailByID(ctx, 2)
	want2 := queued[1]
	lastClaim := tests[len(tests)-1].now
	want2.Attempts, want2.LastError, want2.NextAttempt = 2, "421 try later", &lastClaim
	if err != nil || !reflect.DeepEqual(m2, want2) {
		t.Errorf("failed mail = %+v, %v\nwant %+v", m2, err, want2)
	}
	all, err := s.ListMail(ctx)
	want1 := queued[0]
	want1.SentAt, want1.NextAttempt = &sentAt, &base
	want3 := queued[2]
	want3.NextAttempt = &lastClaim
	if err != nil || !reflect.DeepEqual(all, []Mail{want1, want2, want3}) {
		t.Errorf("ListMail = %+v, %v", all, err)
	}

	if err := s.MarkMailSent(ctx, 9, base); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkMailSent unknown: %v", err)
	}
	if err := s.MarkMailFailed(ctx, 9, "x", base); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkMailFailed unknown: %v", err)
	}
	// A message without body bytes is stored as an empty blob.
	empty, err := s.EnqueueMail(ctx, Mail{CreatedAt: base})
	if err != nil || len(empty.Raw) != 0 {
		t.Errorf("empty mail = %+v, %v", empty, err)
	}
}
