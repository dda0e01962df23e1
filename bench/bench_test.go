package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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

// The seeding tests seed a few accounts and read them back through the
// store: the rows must give what the Go functions (used to mint tokens, make
// codes and pick reset addresses) expect.

const seedTestPassword = "seed-Pass-1234"

// seedTestPlan's batch, smaller than the population, exercises several
// SQLite transactions.
func seedTestPlan() seedPlan {
	return seedPlan{Accounts: 25, TOTP: 12, PasswordHash: password.Encode(seedTestPassword, "saltsaltsalt", 2),
		Joined: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Batch: 10}
}

func TestSeedSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seed.db")
	if err := seedSQLite(ctx, path, seedTestPlan()); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	checkSeeded(t, st, path, false)
	st.Close()
	// The server's first sign-up gets the next id.
	if u := createAfterSeed(t, path); u.ID != 26 {
		t.Errorf("first sign-up after seeding got id %d, want 26", u.ID)
	}
}

// TestSeedPostgres seeds a database of its own, as the tool does, and drops
// it.
func TestSeedPostgres(t *testing.T) {
	base := os.Getenv("VSAUTH_TEST_POSTGRES")
	if base == "" {
		t.Skip("set VSAUTH_TEST_POSTGRES, or run under scripts/with-postgres.sh")
	}
	ctx := context.Background()
	bdb, err := createBenchDatabase(ctx, base, fmt.Sprintf("test_%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	dropped := false
	t.Cleanup(func() {
		if !dropped {
			bdb.drop()
		}
	})
	if err := seedPostgres(ctx, bdb.URL, seedTestPlan()); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenPostgres(ctx, bdb.URL, store.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSeeded(t, st, bdb.URL, true)
	st.Close()
	if u := createAfterSeed(t, bdb.URL); u.ID != 26 {
		t.Errorf("first sign-up after seeding got id %d, want 26", u.ID)
	}
	// ANALYZE ran: the planner knows the population.
	conn, err := pgx.Connect(ctx, bdb.URL)
	if err != nil {
		t.Fatal(err)
	}
	var tuples float64
	err = conn.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass`).Scan(&tuples)
	conn.Close(ctx)
	if err != nil || tuples != 25 {
		t.Errorf("users.reltuples = %v, %v; want 25 (ANALYZE after seeding)", tuples, err)
	}
	dropped = true
	if err := bdb.drop(); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, bdb.URL)
	if err == nil {
		conn.Close(ctx)
		t.Error("the bench database is still there after drop")
	}
}

// createAfterSeed creates one account through the store on the seeded
// database db, as the server's sign-up does.
func createAfterSeed(t *testing.T, db string) store.User {
	t.Helper()
	ctx := context.Background()
	var st *store.DB
	var err error
	if store.IsPostgresURL(db) {
		st, err = store.OpenPostgres(ctx, db, store.PostgresOptions{})
	} else {
		st, err = store.OpenSQLite(ctx, db)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, store.User{Password: "!", Email: "after-seed@example.com", IsActive: true,
		JWTSecret: "23823473-72be-4f0e-aad9-2059bca32fde", DateJoined: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// checkSeeded reads seedTestPlan's population back through st (on db).
// unicodeFold: the store's reset lookup folds Ü as PostgreSQL's UPPER does.
func checkSeeded(t *testing.T, st *store.DB, db string, unicodeFold bool) {
	t.Helper()
	ctx := context.Background()
	plan := seedTestPlan()
	users, err := st.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 25 {
		t.Fatalf("%d users, want 25", len(users))
	}
	for _, u := range users {
		n := u.ID
		if u.Email != seedEmail(n) || u.JWTSecret != seedSecret(n) || !u.IsActive || u.IsAdmin || u.IsSuperuser || u.LastLogin != nil || !u.DateJoined.Equal(plan.Joined) {
			t.Errorf("user %d = %+v, want email %q, secret %q", n, u, seedEmail(n), seedSecret(n))
		}
		if ok, _ := (password.Hasher{Iterations: 2}).Check(seedTestPassword, u.Password); !ok {
			t.Errorf("user %d: the password does not check", n)
		}
		if p, err := st.Profile(ctx, n); err != nil || p == nil || p.DisplayName != nil || p.About != nil || p.ProfileImage == nil || *p.ProfileImage != "" {
			t.Errorf("user %d: profile %+v, %v", n, p, err)
		}
		dev, err := st.FirstTOTPDevice(ctx, n)
		switch {
		case n <= 12 && (err != nil || dev.Key != seedKey(n) || !dev.Confirmed || dev.Step != 30 || dev.Digits != 6 || dev.Tolerance != 1 || dev.LastT != -1 || dev.Drift != 0 || dev.T0 != 0):
			t.Errorf("user %d: device %+v, %v; want confirmed key %s", n, dev, err, seedKey(n))
		case n > 12 && !errors.Is(err, store.ErrNotFound):
			t.Errorf("user %d: device %+v, %v; want none", n, dev, err)
		}
	}
	// The reset addresses the tool sends: known ones reach exactly their
	// account under the server's fold, near misses reach none.
	for i := range uint64(30) {
		addr := knownResetAddress(25, nil)(i)
		got, err := st.UsersByEmailFold(ctx, addr)
		if err != nil || len(got) != 1 || !strings.EqualFold(got[0].Email, addr) {
			t.Errorf("known address %d (%q): %v, %v", i, addr, got, err)
		}
		addr = unknownResetAddress(25, unicodeFold)(i)
		if got, err := st.UsersByEmailFold(ctx, addr); err != nil || len(got) != 0 {
			t.Errorf("unknown address %q: %d users, %v", addr, len(got), err)
		}
	}
	if a := unknownResetAddress(25, unicodeFold)(1); !strings.Contains(a, "CHER.EXAMPLE") || !strings.HasPrefix(a, "USER") {
		t.Errorf("unknown address 1 = %q, want a near miss of a seeded Bücher address", a)
	}
	n, err := countOutbox(ctx, db)
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
