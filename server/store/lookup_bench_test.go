package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// seedUsers inserts n users user<i>@example.com in one statement, as a bulk
// load would, skipping the per-row work CreateUser does.
func seedUsers(tb testing.TB, s *SQLite, n int) {
	tb.Helper()
	_, err := s.db.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO users (password, last_login, is_superuser, email, is_active, is_admin, jwt_secret, date_joined)
		SELECT ?, NULL, 0, 'user' || i || '@example.com', 1, 0, '2382347372be4f0eaad92059bca32fde', '2026-11-25 10:00:00' FROM seq`, n, hashA)
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkUsersByEmailFold is the password-reset lookup in a table of
// 100,000 accounts, for a known address in another case and an unknown one,
// beside the login's exact lookup through the UNIQUE index as the baseline.
//
//	go test -run '^$' -bench UsersByEmailFold -benchmem ./server/store/
func BenchmarkUsersByEmailFold(b *testing.B) {
	s, _ := openTemp(b)
	const n = 100_000
	seedUsers(b, s, n)
	ctx := context.Background()
	for _, tc := range []struct {
		name, email string
		want        int
	}{
		{"known", fmt.Sprintf("USER%d@EXAMPLE.COM", n/2), 1},
		{"unknown", "nobody@example.com", 0},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				users, err := s.UsersByEmailFold(ctx, tc.email)
				if err != nil || len(users) != tc.want {
					b.Fatalf("%d users, %v", len(users), err)
				}
			}
		})
	}
	b.Run("baseline-exact", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.UserByEmail(ctx, fmt.Sprintf("user%d@example.com", n/2)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAccounts is `vsauth admin list` over 100,000 accounts, a tenth
// with a TOTP device: the one statement of Accounts, a page of it, and the
// baseline of the command before it (every user, then four look-ups each).
//
//	go test -run '^$' -bench Accounts -benchmem ./server/store/
func BenchmarkAccounts(b *testing.B) {
	s, _ := openTemp(b)
	const n = 100_000
	seedUsers(b, s, n)
	if _, err := s.db.Exec(`INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, throttling_failure_count)
		SELECT id, 'default', 1, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 0, -1, 0 FROM users WHERE id % 10 = 0`); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("one-query", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if as, err := s.Accounts(ctx, AccountFilter{}); err != nil || len(as) != n {
				b.Fatalf("%d accounts, %v", len(as), err)
			}
		}
	})
	b.Run("page-of-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if as, err := s.Accounts(ctx, AccountFilter{AfterID: n / 2, Limit: 100, TwoStep: TwoStepOn}); err != nil || len(as) != 100 {
				b.Fatalf("%d accounts, %v", len(as), err)
			}
		}
	})
	b.Run("baseline-per-account", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			users, err := s.ListUsers(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, u := range users {
				_, err1 := s.FirstTOTPDevice(ctx, u.ID)
				sd, err2 := s.FirstStaticDevice(ctx, u.ID)
				if err2 == nil {
					_, err2 = s.StaticTokens(ctx, sd.ID)
				}
				_, err3 := s.LoginThrottle(ctx, u.ID)
				for _, err := range []error{err1, err2, err3} {
					if err != nil && !errors.Is(err, ErrNotFound) {
						b.Fatal(err)
					}
				}
			}
		}
	})
}
