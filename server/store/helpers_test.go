package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// openTemp opens a fresh file database in a temporary directory.
func openTemp(t testing.TB) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vsauth.sqlite3")
	return openPath(t, path), path
}

func openPath(t testing.TB, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenSQLite(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// tm builds a UTC time.
func tm(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v.UTC()
}

func tmp(t *testing.T, s string) *time.Time {
	t.Helper()
	v := tm(t, s)
	return &v
}

func strp(s string) *string { return &s }

const (
	secretA = "23823473-72be-4f0e-aad9-2059bca32fde"
	secretB = "12345678-1234-5678-1234-567812345678"
	hashA   = "pbkdf2_sha256$120000$abcdefghijkl$TZ2VqcSy7/j/5ZUfqprPCYfIUabXh1+Xeavi/9o5m4s="
	hashB   = "pbkdf2_sha256$120000$Zz09Zz09Zz09$jpPk1Egsfq43Ae+MjAPM0jUBLaj1thPUjJIBBBn6Bcg="
)

func newUser(t *testing.T, email string) User {
	t.Helper()
	return User{
		Password:   hashA,
		Email:      email,
		IsActive:   true,
		JWTSecret:  secretA,
		DateJoined: tm(t, "2026-11-25T10:11:12.345678Z"),
	}
}

func mustCreateUser(t *testing.T, s *DB, email string) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), newUser(t, email))
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

// rawString reads one value of a query as text, bypassing the driver's
// datetime parsing, to see exactly what is on disk. The on-disk forms
// checked are SQLite's (Django's text datetimes, hex UUIDs); on PostgreSQL,
// whose driver reads typed columns, it reads nothing and returns "".
func rawString(t *testing.T, s *DB, query string, args ...any) string {
	t.Helper()
	if s.d != sqliteDialect {
		return ""
	}
	var v string
	if err := s.db.QueryRow(query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

func count(t *testing.T, s *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func newTOTP(userID int64) TOTPDevice {
	return TOTPDevice{
		UserID:    userID,
		Key:       "3132333435363738393031323334353637383930",
		Step:      30,
		Digits:    6,
		Tolerance: 1,
		LastT:     -1,
	}
}

// allowAll is a ThrottleRule that never refuses, so each claim counts one
// failure: the way tests put a throttle into a known state.
func allowAll(Throttle, time.Time) (bool, time.Time) { return true, time.Time{} }

// lockAfterOne refuses for a minute after any failure, the shape of the
// hardened rules while their lock engages.
func lockAfterOne(th Throttle, now time.Time) (bool, time.Time) {
	if th.FailureCount == 0 || th.FailureTimestamp == nil {
		return true, time.Time{}
	}
	until := th.FailureTimestamp.Add(time.Minute)
	return !now.Before(until), until
}

// failed keeps a claim's error, for claims made to record a failure.
func failed(_ Claim, err error) error { return err }

// allVersions is every migration version, as migrationVersions lists them.
func allVersions() string {
	var v []string
	for _, m := range sqliteMigrations() {
		v = append(v, strconv.Itoa(m.version))
	}
	return strings.Join(v, ",")
}

func latestVersion() int {
	steps := sqliteMigrations()
	return steps[len(steps)-1].version
}
