package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/store"
)

func TestFormatTable(t *testing.T) {
	got := formatTable([][]string{
		{"endpoint", "req/s", "p99"},
		{"`GET /`", fmtRate(63712.4), fmtDur(1234 * time.Microsecond)},
		{"login (Bücher)", fmtRate(15.25), fmtDur(0)},
	})
	want := "" +
		"| endpoint       |  req/s |     p99 |\n" +
		"| -------------- | -----: | ------: |\n" +
		"| `GET /`        | 63,712 | 1.23 ms |\n" +
		"| login (Bücher) |   15.2 |       – |\n"
	if got != want {
		t.Errorf("formatTable:\n%s\nwant:\n%s", got, want)
	}
}

func TestFormatNumbers(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtRate(999), "999"},
		{fmtRate(1234567), "1,234,567"},
		{fmtDur(45 * time.Millisecond), "45.0 ms"},
		{fmtDur(1500 * time.Millisecond), "1500 ms"},
		{fmtDur(12 * time.Second), "12.0 s"},
		{fmtRatio(1, 3), "0.33"},
		{fmtRatio(1, 0), "–"},
		{fmtMiB(32 << 20), "32.0 MiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestParseMemStatus(t *testing.T) {
	const status = "Name:\tvsauth\nVmPeak:\t 1000 kB\nVmHWM:\t   40960 kB\nVmRSS:\t   32768 kB\nThreads:\t7\n"
	m, err := parseMemStatus(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 32<<20 || m.HWM != 40<<20 {
		t.Errorf("got %+v, want RSS 32 MiB, HWM 40 MiB", m)
	}
	if _, err := parseMemStatus(strings.NewReader("VmRSS:\t1 kB\n")); err == nil {
		t.Error("a status without VmHWM was accepted")
	}
	if _, err := parseMemStatus(strings.NewReader("VmRSS:\t1 MB\nVmHWM:\t1 kB\n")); err == nil {
		t.Error("a unit other than kB was accepted")
	}
}

func TestParseMemStats(t *testing.T) {
	const text = "heap profile: 1: 2 [3: 4] @ heap/1048576\n\n# runtime.MemStats\n# Alloc = 5\n# TotalAlloc = 123456\n# Sys = 9\n# Mallocs = 789\n# Frees = 1\n"
	m, err := parseMemStats(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if m != (serverMem{Mallocs: 789, TotalAlloc: 123456}) {
		t.Errorf("got %+v", m)
	}
	if _, err := parseMemStats(strings.NewReader("# Mallocs = 1\n")); err == nil {
		t.Error("missing TotalAlloc was accepted")
	}
}

func TestLogValue(t *testing.T) {
	line := `time=2026-01-02T03:04:05Z level=INFO msg="vsauth server ready" url=http://127.0.0.1:43123 db=/tmp/x.db profile=compat`
	if got := logValue(line, "url"); got != "http://127.0.0.1:43123" {
		t.Errorf("url = %q", got)
	}
	if got := logValue(line, "missing"); got != "" {
		t.Errorf("missing = %q", got)
	}
}

// TestSeedSQLite seeds a few accounts and reads them back through the store:
// the SQL expressions must give what the Go functions (used to mint tokens,
// make codes and pick reset addresses) expect.
func TestSeedSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seed.db")
	const pw = "seed-Pass-1234"
	hash := password.Encode(pw, "saltsaltsalt", 2)
	joined := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// A batch smaller than the population exercises several transactions.
	if err := seedSQLite(ctx, path, seedPlan{Accounts: 25, TOTP: 12, PasswordHash: hash, Joined: joined, Batch: 10}); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users, err := st.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 25 {
		t.Fatalf("%d users, want 25", len(users))
	}
	for _, u := range users {
		n := u.ID
		if u.Email != seedEmail(n) || u.JWTSecret != seedSecret(n) || !u.IsActive || u.IsAdmin || u.IsSuperuser || !u.DateJoined.Equal(joined) {
			t.Errorf("user %d = %+v, want email %q, secret %q", n, u, seedEmail(n), seedSecret(n))
		}
		if ok, _ := (password.Hasher{Iterations: 2}).Check(pw, u.Password); !ok {
			t.Errorf("user %d: the password does not check", n)
		}
		if p, err := st.Profile(ctx, n); err != nil || p == nil {
			t.Errorf("user %d: profile %v, %v", n, p, err)
		}
		dev, err := st.FirstTOTPDevice(ctx, n)
		switch {
		case n <= 12 && (err != nil || dev.Key != seedKey(n) || !dev.Confirmed || dev.Step != 30 || dev.Digits != 6 || dev.Tolerance != 1 || dev.LastT != -1):
			t.Errorf("user %d: device %+v, %v; want confirmed key %s", n, dev, err, seedKey(n))
		case n > 12 && !errors.Is(err, store.ErrNotFound):
			t.Errorf("user %d: device %+v, %v; want none", n, dev, err)
		}
	}
	// The reset addresses the tool sends: known ones reach exactly their
	// account under the server's fold, near misses reach none.
	for i := range uint64(30) {
		got, err := st.UsersByEmailFold(ctx, knownResetAddress(25, nil)(i))
		if err != nil || len(got) != 1 {
			t.Errorf("known address %d (%q): %d users, %v", i, knownResetAddress(25, nil)(i), len(got), err)
		}
		addr := unknownResetAddress(25)(i)
		if got, err := st.UsersByEmailFold(ctx, addr); err != nil || len(got) != 0 {
			t.Errorf("unknown address %q: %d users, %v", addr, len(got), err)
		}
	}
	if a := unknownResetAddress(25)(1); !strings.Contains(a, "BÜCHER") {
		t.Errorf("unknown address 1 = %q, want a near miss with Ü", a)
	}
	n, err := countOutbox(ctx, path)
	if err != nil || n != 0 {
		t.Errorf("outbox: %d, %v", n, err)
	}
}

func TestWrongCode(t *testing.T) {
	key := seedKey(7)
	now := time.Unix(1_700_000_000, 0)
	c, err := wrongCode(key, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 6 {
		t.Fatalf("code %q", c)
	}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		if valid, _ := totpCode(key, now.Add(d)); valid == c {
			t.Errorf("wrong code %s is the valid code at %s", c, d)
		}
	}
}

func TestASCIICase(t *testing.T) {
	if got := asciiCase("User3@Bücher.example", true); got != "USER3@BüCHER.EXAMPLE" {
		t.Errorf("upper: %q", got)
	}
	if got := asciiCase("USER3@BÜCHER.EXAMPLE", false); got != "user3@bÜcher.example" {
		t.Errorf("lower: %q", got)
	}
}

func totpCode(key string, at time.Time) (string, error) { return totp.Code(key, at, 6, 30) }

func TestRedactURL(t *testing.T) {
	if got := redactURL("postgres://bench:s3cret@127.0.0.1:5432/vsauth?sslmode=disable"); strings.Contains(got, "s3cret") || !strings.Contains(got, "bench:xxxxx@127.0.0.1") {
		t.Errorf("redactURL = %q", got)
	}
}
