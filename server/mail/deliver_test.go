package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/clock"
)

type sendCall struct {
	from string
	to   []string
	raw  string
}

// recordingSender records calls and answers with the queued results (nil
// once they run out).
type recordingSender struct {
	mu      sync.Mutex
	calls   []sendCall
	results []error
}

func (s *recordingSender) send(_ context.Context, from string, to []string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, sendCall{from, to, string(raw)})
	if len(s.results) == 0 {
		return nil
	}
	err := s.results[0]
	s.results = s.results[1:]
	return err
}

func (s *recordingSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func enqueue(t *testing.T, q *fakeQueue, to string) {
	t.Helper()
	o := NewOutbox(q, OutboxOptions{Clock: func() time.Time { return testDate }, Rand: &seqReader{}})
	if err := o.Send(context.Background(), Message{To: to, Subject: "s", Text: "t", HTML: "h"}); err != nil {
		t.Fatal(err)
	}
}

func TestDeliverPendingSuccess(t *testing.T) {
	q := &fakeQueue{}
	enqueue(t, q, "alice@example.com")
	enqueue(t, q, "jürgen@bücher.de")
	s := &recordingSender{}
	clk := clock.NewManual(testDate.Add(time.Second))
	var log syncBuffer
	d := NewDeliverer(q, s.send, DelivererOptions{Clock: clk.Now, Logger: testLogger(&log)})

	n, err := d.DeliverPending(context.Background())
	if n != 2 || err != nil {
		t.Fatalf("DeliverPending = %d, %v; want 2, nil", n, err)
	}
	want := []sendCall{
		{"webmaster@localhost", []string{"alice@example.com"}, string(q.get(1).Raw)},
		{"webmaster@localhost", []string{"=?utf-8?q?j=C3=BCrgen?=@xn--bcher-kva.de"}, string(q.get(2).Raw)},
	}
	if fmt.Sprint(s.calls) != fmt.Sprint(want) {
		t.Errorf("sent %q\nwant %q", s.calls, want)
	}
	for id := int64(1); id <= 2; id++ {
		m := q.get(id)
		if m.SentAt == nil || !m.SentAt.Equal(clk.Now()) || m.Attempts != 0 {
			t.Errorf("message %d: SentAt %v, Attempts %d", id, m.SentAt, m.Attempts)
		}
	}
	wantLog := "level=INFO msg=\"mail: message delivered\" mail_id=1 to=alice@example.com attempt=1\n" +
		"level=INFO msg=\"mail: message delivered\" mail_id=2 to=jürgen@bücher.de attempt=1\n"
	if log.String() != wantLog {
		t.Errorf("log =\n%s\nwant\n%s", log.String(), wantLog)
	}
	if n, _ := d.DeliverPending(context.Background()); n != 0 || s.count() != 2 {
		t.Errorf("second pass tried %d, sent %d in all; want 0, 2", n, s.count())
	}
}

func TestDeliverPendingRetriesWithBackoff(t *testing.T) {
	q := &fakeQueue{}
	enqueue(t, q, "alice@example.com")
	s := &recordingSender{results: []error{
		errors.New("mail: connect to SMTP server smtp.example:587: connection refused"),
		errors.New("451 try again later"),
	}}
	clk := clock.NewManual(testDate)
	var log syncBuffer
	d := NewDeliverer(q, s.send, DelivererOptions{Clock: clk.Now, Logger: testLogger(&log)})
	ctx := context.Background()

	steps := []struct {
		advance      time.Duration
		wantTried    int
		wantAttempts int
		wantNext     time.Duration // from testDate; 0: delivered
		wantError    string
	}{
		{0, 1, 1, 30 * time.Second, "mail: connect to SMTP server smtp.example:587: connection refused"},
		{29 * time.Second, 0, 1, 30 * time.Second, "mail: connect to SMTP server smtp.example:587: connection refused"},
		{time.Second, 1, 2, 30*time.Second + 60*time.Second, "451 try again later"},
		{59 * time.Second, 0, 2, 90 * time.Second, "451 try again later"},
		{time.Second, 1, 2, 0, "451 try again later"},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		n, err := d.DeliverPending(ctx)
		if n != st.wantTried || err != nil {
			t.Fatalf("step %d: DeliverPending = %d, %v; want %d", i, n, err, st.wantTried)
		}
		m := q.get(1)
		if m.Attempts != st.wantAttempts || m.LastError != st.wantError {
			t.Errorf("step %d: Attempts %d, LastError %q", i, m.Attempts, m.LastError)
		}
		if st.wantNext == 0 {
			if m.SentAt == nil || !m.SentAt.Equal(testDate.Add(90*time.Second)) {
				t.Errorf("step %d: SentAt %v", i, m.SentAt)
			}
		} else if m.SentAt != nil || m.NextAttempt == nil || !m.NextAttempt.Equal(testDate.Add(st.wantNext)) {
			t.Errorf("step %d: SentAt %v, NextAttempt %v; want next %v", i, m.SentAt, m.NextAttempt, testDate.Add(st.wantNext))
		}
	}
	if !strings.Contains(log.String(), `level=WARN msg="mail: delivery failed" mail_id=1 to=alice@example.com attempt=2 next_attempt=2026-11-25T12:01:30.000Z err="451 try again later"`) {
		t.Errorf("log =\n%s", log.String())
	}
}

func TestDeliverPendingLongErrorIsTruncated(t *testing.T) {
	q := &fakeQueue{}
	enqueue(t, q, "a@example.com")
	d := NewDeliverer(q, (&recordingSender{results: []error{errors.New(strings.Repeat("e", 600))}}).send,
		DelivererOptions{Clock: func() time.Time { return testDate }})
	d.DeliverPending(context.Background())
	if got := q.get(1).LastError; got != strings.Repeat("e", 500) {
		t.Errorf("LastError has %d bytes, want 500", len(got))
	}
}

func TestDeliverPendingMarkSentFailureKeepsMessagePending(t *testing.T) {
	q := &fakeQueue{sentErr: errors.New("database is locked")}
	enqueue(t, q, "a@example.com")
	s := &recordingSender{}
	var log syncBuffer
	d := NewDeliverer(q, s.send, DelivererOptions{Clock: func() time.Time { return testDate }, Logger: testLogger(&log)})
	d.DeliverPending(context.Background())
	if m := q.get(1); m.SentAt != nil || m.Attempts != 0 {
		t.Errorf("message %+v, want still pending", m)
	}
	if want := "level=ERROR msg=\"mail: message delivered but not marked as sent\" mail_id=1 to=a@example.com err=\"database is locked\"\n"; log.String() != want {
		t.Errorf("log = %q, want %q", log.String(), want)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{
		{-1, 30 * time.Second},
		{0, 30 * time.Second},
		{1, time.Minute},
		{2, 2 * time.Minute},
		{6, 32 * time.Minute},
		{7, time.Hour},
		{64, time.Hour},
		{1 << 40, time.Hour},
	}
	for _, tt := range tests {
		if got := Backoff(tt.attempts); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempts, got, tt.want)
		}
	}
}

func TestRunDeliversOnKick(t *testing.T) {
	q := &fakeQueue{}
	sent := make(chan string, 10)
	send := func(_ context.Context, _ string, to []string, _ []byte) error {
		sent <- to[0]
		return nil
	}
	d := NewDeliverer(q, send, DelivererOptions{Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()

	o := NewOutbox(q, OutboxOptions{Notify: d.Kick})
	for _, to := range []string{"a@example.com", "b@example.com"} {
		if err := o.Send(ctx, Message{To: to, Subject: "s", Text: "t", HTML: "h"}); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-sent:
			if got != to {
				t.Errorf("sent to %q, want %q", got, to)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("message to %s not sent after Kick", to)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestRunFinishesInFlightMessageOnCancel(t *testing.T) {
	q := &fakeQueue{}
	enqueue(t, q, "a@example.com")
	enqueue(t, q, "b@example.com")
	started := make(chan struct{})
	release := make(chan struct{})
	var calls []string
	send := func(ctx context.Context, _ string, to []string, _ []byte) error {
		calls = append(calls, to[0])
		close(started)
		<-release
		// The in-flight send must not see Run's cancellation.
		return ctx.Err()
	}
	d := NewDeliverer(q, send, DelivererOptions{Clock: func() time.Time { return testDate }, Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()

	<-started
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned before the in-flight message finished")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	if len(calls) != 1 || calls[0] != "a@example.com" {
		t.Errorf("sent to %q, want only a@example.com", calls)
	}
	if a, b := q.get(1), q.get(2); a.SentAt == nil || b.SentAt != nil || b.Attempts != 0 {
		t.Errorf("after cancel: first SentAt %v, second SentAt %v attempts %d", a.SentAt, b.SentAt, b.Attempts)
	}
}

func TestRunDrainsMoreThanOneBatch(t *testing.T) {
	q := &fakeQueue{}
	for i := range 5 {
		enqueue(t, q, fmt.Sprintf("u%d@example.com", i))
	}
	s := &recordingSender{}
	d := NewDeliverer(q, s.send, DelivererOptions{Batch: 2, Interval: time.Hour})
	d.drain(context.Background())
	if s.count() != 5 {
		t.Errorf("sent %d, want 5", s.count())
	}
}
