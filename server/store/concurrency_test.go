package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// run calls fn(i) from n goroutines started together.
func run(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// wins calls fn(i) from n goroutines started together and counts the calls
// that won (returned true); an error fails the test.
func wins(t *testing.T, n int, fn func(i int) (bool, error)) int {
	var won atomic.Int32
	run(n, func(i int) {
		ok, err := fn(i)
		if err != nil {
			t.Error(err)
		}
		if ok {
			won.Add(1)
		}
	})
	return int(won.Load())
}

func TestConcurrentUseStaticToken(t *testing.T) { eachStore(t, testConcurrentUseStaticToken) }

func testConcurrentUseStaticToken(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	u := mustCreateUser(t, stores[0], "alice@example.com")
	dev, err := stores[0].ReplaceStaticTokens(ctx, u.ID, []string{"aaaaaaaa", "bbbbbbbb"})
	if err != nil {
		t.Fatal(err)
	}
	won := wins(t, 50, func(i int) (bool, error) {
		return stores[i%2].UseStaticToken(ctx, dev.ID, "aaaaaaaa")
	})
	if won != 1 {
		t.Errorf("%d callers consumed the token, want exactly 1", won)
	}
	if got, _ := stores[0].StaticTokens(ctx, dev.ID); len(got) != 1 || got[0] != "bbbbbbbb" {
		t.Errorf("tokens left = %q", got)
	}
}

func TestConcurrentRecordTOTPSuccess(t *testing.T) { eachStore(t, testConcurrentRecordTOTPSuccess) }

func testConcurrentRecordTOTPSuccess(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	u := mustCreateUser(t, stores[0], "alice@example.com")
	prev, _, err := stores[0].CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	won := wins(t, 50, func(i int) (bool, error) {
		return stores[i%2].RecordTOTPSuccess(ctx, prev, 41152263+int64(i%3), i%3)
	})
	if won != 1 {
		t.Errorf("%d successes recorded from the same state, want exactly 1", won)
	}
	d, _ := stores[0].TOTPDevice(ctx, prev.ID)
	if !d.Confirmed || d.LastT-41152263 != int64(d.Drift) {
		t.Errorf("device after the race = %+v", d)
	}
}

// Counting is atomic: 50 claims under a rule that never refuses are 50
// failures, on every kind of throttle, across two connections.
func TestConcurrentClaimsAllCounted(t *testing.T) { eachStore(t, testConcurrentClaimsAllCounted) }

func testConcurrentClaimsAllCounted(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	u := mustCreateUser(t, stores[0], "alice@example.com")
	dev, _, err := stores[0].CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := stores[0].ReplaceStaticTokens(ctx, u.ID, []string{"aaaaaaaa"})
	if err != nil {
		t.Fatal(err)
	}
	now := tm(t, "2026-11-25T10:00:00Z")
	run(50, func(i int) {
		if err := failed(stores[i%2].ClaimTOTPAttempt(ctx, dev.ID, now, allowAll)); err != nil {
			t.Error(err)
		}
		if err := failed(stores[i%2].ClaimStaticAttempt(ctx, sd.ID, now, allowAll)); err != nil {
			t.Error(err)
		}
		if err := failed(stores[i%2].ClaimLoginAttempt(ctx, u.ID, now, allowAll)); err != nil {
			t.Error(err)
		}
	})
	if d, _ := stores[0].TOTPDevice(ctx, dev.ID); d.Throttle.FailureCount != 50 {
		t.Errorf("TOTP failure count = %d, want 50", d.Throttle.FailureCount)
	}
	if d, _ := stores[0].StaticDevice(ctx, sd.ID); d.Throttle.FailureCount != 50 {
		t.Errorf("static failure count = %d, want 50", d.Throttle.FailureCount)
	}
	if th, _ := stores[0].LoginThrottle(ctx, u.ID); th.FailureCount != 50 {
		t.Errorf("login failure count = %d, want 50", th.FailureCount)
	}
}

// The check and the count are one step: of 50 concurrent attempts under a
// rule that locks after one failure, exactly one is allowed, on every kind
// of throttle, across two connections; the rest learn until when.
func TestConcurrentClaimsAllowExactlyOne(t *testing.T) {
	eachStore(t, testConcurrentClaimsAllowExactlyOne)
}

func testConcurrentClaimsAllowExactlyOne(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	u := mustCreateUser(t, stores[0], "alice@example.com")
	dev, _, err := stores[0].CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := stores[0].ReplaceStaticTokens(ctx, u.ID, []string{"aaaaaaaa"})
	if err != nil {
		t.Fatal(err)
	}
	now := tm(t, "2026-11-25T10:00:00Z")
	for _, k := range []struct {
		name  string
		claim func(s *SQLite) (Claim, error)
		count func() int
	}{
		{"login", func(s *SQLite) (Claim, error) { return s.ClaimLoginAttempt(ctx, u.ID, now, lockAfterOne) },
			func() int { th, _ := stores[0].LoginThrottle(ctx, u.ID); return th.FailureCount }},
		{"TOTP", func(s *SQLite) (Claim, error) { return s.ClaimTOTPAttempt(ctx, dev.ID, now, lockAfterOne) },
			func() int { d, _ := stores[0].TOTPDevice(ctx, dev.ID); return d.Throttle.FailureCount }},
		{"static", func(s *SQLite) (Claim, error) { return s.ClaimStaticAttempt(ctx, sd.ID, now, lockAfterOne) },
			func() int { d, _ := stores[0].StaticDevice(ctx, sd.ID); return d.Throttle.FailureCount }},
	} {
		var allowed, refused atomic.Int32
		run(50, func(i int) {
			c, err := k.claim(stores[i%2])
			switch {
			case err != nil:
				t.Error(err)
			case c.Allowed:
				allowed.Add(1)
			case c.LockedUntil.Equal(now.Add(time.Minute)):
				refused.Add(1)
			default:
				t.Errorf("%s: refused until %v", k.name, c.LockedUntil)
			}
		})
		if allowed.Load() != 1 || refused.Load() != 49 {
			t.Errorf("%s: %d allowed, %d refused; want 1 and 49", k.name, allowed.Load(), refused.Load())
		}
		if n := k.count(); n != 1 {
			t.Errorf("%s: failure count %d, want 1", k.name, n)
		}
	}
}

func TestConcurrentCreateTOTPDeviceIfNone(t *testing.T) {
	eachStore(t, testConcurrentCreateTOTPDeviceIfNone)
}

func testConcurrentCreateTOTPDeviceIfNone(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	u := mustCreateUser(t, stores[0], "alice@example.com")
	var created atomic.Int32
	ids := make([]int64, 16)
	run(16, func(i int) {
		d := newTOTP(u.ID)
		d.Key = fmt.Sprintf("%040x", i)
		dev, ok, err := stores[i%2].CreateTOTPDeviceIfNone(ctx, d)
		if err != nil {
			t.Error(err)
		}
		if ok {
			created.Add(1)
		}
		ids[i] = dev.ID
	})
	if created.Load() != 1 {
		t.Errorf("%d devices created, want 1", created.Load())
	}
	if n := count(t, stores[0], `SELECT count(*) FROM otp_totp_totpdevice`); n != 1 {
		t.Errorf("%d device rows, want 1", n)
	}
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("caller %d got device %d, caller 0 got %d", i, id, ids[0])
		}
	}
}

func TestConcurrentSecretKey(t *testing.T) { eachStore(t, testConcurrentSecretKey) }

func testConcurrentSecretKey(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	keys := make([]string, 16)
	var generated atomic.Int32
	run(16, func(i int) {
		key, err := stores[i%2].SecretKey(ctx, func() (string, error) {
			generated.Add(1)
			return fmt.Sprintf("key-%d", i), nil
		})
		if err != nil {
			t.Error(err)
		}
		keys[i] = key
	})
	for i, k := range keys {
		if k != keys[0] || k == "" {
			t.Errorf("caller %d got %q, caller 0 got %q", i, k, keys[0])
		}
	}
	// SQLite's writers take turns, so only the first generates; on
	// PostgreSQL several may, and one key wins (checked above).
	if n := generated.Load(); n < 1 || b.name == "sqlite" && n != 1 {
		t.Errorf("generate called %d times", n)
	}
}

func TestConcurrentCreateUserSameEmail(t *testing.T) { eachStore(t, testConcurrentCreateUserSameEmail) }

func testConcurrentCreateUserSameEmail(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	var ok, dup atomic.Int32
	u := newUser(t, "alice@example.com")
	run(16, func(i int) {
		_, err := stores[i%2].CreateUser(ctx, u)
		switch err {
		case nil:
			ok.Add(1)
		case ErrDuplicateEmail:
			dup.Add(1)
		default:
			t.Error(err)
		}
	})
	if ok.Load() != 1 || dup.Load() != 15 {
		t.Errorf("created %d, duplicates %d; want 1 and 15", ok.Load(), dup.Load())
	}
}

// TestConcurrentClaimMail: two deliverers (replicas) claiming at once take
// every due message exactly once between them.
func TestConcurrentClaimMail(t *testing.T) { eachStore(t, testConcurrentClaimMail) }

func testConcurrentClaimMail(t *testing.T, b backend) {
	ctx := context.Background()
	stores := b.two(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	const messages = 40
	for i := 0; i < messages; i++ {
		if _, err := stores[0].EnqueueMail(ctx, Mail{CreatedAt: now, To: fmt.Sprintf("u%d@example.com", i), Raw: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[int64]int{}
	run(16, func(i int) {
		ms, err := stores[i%2].ClaimMail(ctx, now, now.Add(time.Minute), 3)
		if err != nil {
			t.Error(err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, m := range ms {
			claimed[m.ID]++
		}
	})
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
	// 16 claims of 3 could take 48; there are 40, each taken once.
	if len(claimed) != messages {
		t.Errorf("%d messages claimed, want %d", len(claimed), messages)
	}
	if ms, err := stores[1].ClaimMail(ctx, now.Add(59*time.Second), now.Add(2*time.Minute), 0); err != nil || len(ms) != 0 {
		t.Errorf("claim before the lease ends = %d messages, %v; want none", len(ms), err)
	}
	if ms, err := stores[1].ClaimMail(ctx, now.Add(time.Minute), now.Add(2*time.Minute), 0); err != nil || len(ms) != messages {
		t.Errorf("claim after the lease = %d messages, %v; want all %d again", len(ms), err, messages)
	}
}

// TestPostgresPoolDoesNotStarve runs more concurrent reads than the pool has
// connections. database/sql keeps PostgreSQL connections idle, so it must
// also be the one to queue callers: a caller waiting in pgxpool for a
// connection that idles in database/sql would wait for ever (the deadline
// turns such a hang into a failure).
func TestPostgresPoolDoesNotStarve(t *testing.T) {
	s, err := OpenPostgres(context.Background(), newTestSchema(t), PostgresOptions{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mustCreateUser(t, s, "alice@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var failed atomic.Int64
	run(32, func(int) {
		for range 25 {
			if a, err := s.AuthUser(ctx, 1, nil); err != nil || a.Email != "alice@example.com" {
				failed.Add(1)
			}
		}
	})
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of 800 reads failed", n)
	}
}
