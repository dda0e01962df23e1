package store

import (
	"context"
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
