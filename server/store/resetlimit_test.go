package store

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"
)

func TestCountResetMail(t *testing.T) { eachStore(t, testCountResetMail) }

func testCountResetMail(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	alice := mustCreateUser(t, s, "alice@example.com")
	bob := mustCreateUser(t, s, "bob@example.com")
	start := tm(t, "2026-11-25T10:00:00Z")
	step := func(u User, at time.Time, want int) {
		t.Helper()
		if n, err := s.CountResetMail(ctx, u.ID, at, time.Hour, 3); n != want || err != nil {
			t.Fatalf("CountResetMail(user %d, %v) = %d, %v; want %d", u.ID, at, n, err, want)
		}
	}
	row := func(u User) string {
		t.Helper()
		return rawString(t, s, `SELECT window_start || '|' || mail_count FROM vsauth_reset_mail_limit WHERE user_id = $1`, u.ID)
	}
	step(alice, start, 1)
	step(alice, start.Add(10*time.Minute), 2)
	step(bob, start.Add(10*time.Minute), 1) // per account
	step(alice, start.Add(20*time.Minute), 3)
	step(alice, start.Add(30*time.Minute), 4) // the first one over the limit
	// Then nothing more is counted or written.
	step(alice, start.Add(59*time.Minute+59*time.Second+999999*time.Microsecond), 0)
	if got := row(alice); s.d == sqliteDialect && got != "2026-11-25 10:00:00|4" {
		t.Errorf("row over the limit = %q", got)
	}
	// The window lasts exactly an hour from its first mail; then a new one starts.
	step(alice, start.Add(time.Hour), 1)
	if got := row(alice); s.d == sqliteDialect && got != "2026-11-25 11:00:00|1" {
		t.Errorf("row after a new window = %q", got)
	}
	step(alice, start.Add(time.Hour+time.Second), 2)
	step(bob, start.Add(30*time.Minute), 2)

	// An unknown user counts nothing and stores nothing.
	step(User{ID: 99}, start, 0)
	if n := count(t, s, `SELECT count(*) FROM vsauth_reset_mail_limit`); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}

	// Pruning at 11:10 (the windows that started by 10:10 are over): bob's
	// window of 10:10 goes, alice's of 11:00 stays.
	n, err := s.PruneResetMailCounts(ctx, start.Add(10*time.Minute))
	if n != 1 || err != nil {
		t.Fatalf("PruneResetMailCounts = %d, %v; want 1", n, err)
	}
	if got := rawString(t, s, `SELECT group_concat(user_id) FROM vsauth_reset_mail_limit`); s.d == sqliteDialect && got != "1" {
		t.Errorf("rows left for users %q, want alice's", got)
	}
	step(bob, start.Add(70*time.Minute), 1)
}

// TestConcurrentCountResetMail: 50 concurrent counts from two stores on one
// file (as two processes) with limit 3 get 1, 2, 3 and 4 once each, and 0.
func TestConcurrentCountResetMail(t *testing.T) { eachStore(t, testConcurrentCountResetMail) }

func testConcurrentCountResetMail(t *testing.T, b backend) {
	stores := b.two(t)
	u := mustCreateUser(t, stores[0], "alice@example.com")
	now := tm(t, "2026-11-25T10:00:00Z")
	got := make([]int, 50)
	run(50, func(i int) {
		n, err := stores[i%2].CountResetMail(context.Background(), u.ID, now, time.Hour, 3)
		if err != nil {
			t.Error(err)
		}
		got[i] = n
	})
	sort.Ints(got)
	want := make([]int, 50)
	copy(want[46:], []int{1, 2, 3, 4})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("counts = %v, want 46 zeros and 1, 2, 3, 4", got)
	}
}

func TestPruneMail(t *testing.T) { eachStore(t, testPruneMail) }

func testPruneMail(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	base := tm(t, "2026-11-18T10:00:00Z")
	type msg struct {
		created time.Duration  // after base
		sent    *time.Duration // after base; nil: not delivered
	}
	d := func(v time.Duration) *time.Duration { return &v }
	msgs := []msg{
		{0, d(time.Minute)},                // 1: sent long ago
		{0, nil},                           // 2: old, never delivered (retrying)
		{time.Hour, d(2 * time.Hour)},      // 3: sent exactly at the cut: kept
		{time.Hour, d(2*time.Hour - 1000)}, // 4: sent one microsecond before the cut
		{3 * time.Hour, nil},               // 5: new, pending
		{3 * time.Hour, d(4 * time.Hour)},  // 6: sent recently
		{2*time.Hour - 1000, nil},          // 7: undelivered, created just before the cut
	}
	for i, m := range msgs {
		stored, err := s.EnqueueMail(ctx, Mail{CreatedAt: base.Add(m.created), From: "a", To: "b", Subject: "c", Raw: []byte("d")})
		if err != nil || stored.ID != int64(i+1) {
			t.Fatalf("EnqueueMail = %+v, %v", stored, err)
		}
		if m.sent != nil {
			if err := s.MarkMailSent(ctx, stored.ID, base.Add(*m.sent)); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids := func() []int64 {
		t.Helper()
		all, err := s.ListMail(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, m := range all {
			out = append(out, m.ID)
		}
		return out
	}
	cut := base.Add(2 * time.Hour)
	n, err := s.PruneMail(ctx, cut, false)
	if n != 2 || err != nil {
		t.Fatalf("PruneMail = %d, %v; want 2", n, err)
	}
	if got, want := ids(), []int64{2, 3, 5, 6, 7}; !reflect.DeepEqual(got, want) {
		t.Fatalf("left %v, want %v (sent-and-old gone, pending kept)", got, want)
	}
	// Without SMTP nothing is delivered: age alone decides.
	n, err = s.PruneMail(ctx, cut, true)
	if n != 2 || err != nil {
		t.Fatalf("PruneMail(undelivered) = %d, %v; want 2", n, err)
	}
	if got, want := ids(), []int64{3, 5, 6}; !reflect.DeepEqual(got, want) {
		t.Fatalf("left %v, want %v", got, want)
	}
}

// TestPruneQueriesUseIndexes reads SQLite's plans: pruning must not read
// every message (their raw bodies make a scan expensive).
func TestPruneQueriesUseIndexes(t *testing.T) {
	s, _ := openTemp(t)
	for query, want := range map[string][]string{
		pruneSentMail: {"SEARCH vsauth_mail_outbox USING INDEX vsauth_mail_outbox_sent (sent_at>? AND sent_at<?)"},
		pruneAllMail: {"MULTI-INDEX OR", "INDEX 1", "SEARCH vsauth_mail_outbox USING INDEX vsauth_mail_outbox_sent (sent_at>? AND sent_at<?)",
			"INDEX 2", "SEARCH vsauth_mail_outbox USING INDEX vsauth_mail_outbox_created (created_at<?)"},
	} {
		plan := explain(t, s.db, s.d, query, "2026-01-01 00:00:00")
		if !reflect.DeepEqual(plan, want) {
			t.Errorf("plan of %s = %q, want %q", query, plan, want)
		}
	}
}
