package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/virtualspaces/vsauth/server/store"
)

// benchDatabase is a database of its own on the PostgreSQL server of base,
// created for one run and dropped at its end, so that a run never sees the
// rows of another and the population's ids start at 1.
type benchDatabase struct {
	URL   string // base with the new database's name
	name  string
	admin *pgx.Conn // on base's database: a database cannot drop itself
}

// createBenchDatabase creates bench_<suffix> on the server of base (a
// postgres:// URL of any database the user may CREATE DATABASE from).
func createBenchDatabase(ctx context.Context, base, suffix string) (*benchDatabase, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("VSAUTH_TEST_POSTGRES is not a URL")
	}
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redactURL(base), err)
	}
	name := "bench_" + suffix
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		admin.Close(ctx)
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return &benchDatabase{URL: u.String(), name: name, admin: admin}, nil
}

// drop removes the database; the server must have stopped. FORCE ends any
// connection left behind (PostgreSQL 13 and later).
func (b *benchDatabase) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer b.admin.Close(ctx)
	if _, err := b.admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{b.name}.Sanitize()+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop database %s: %w", b.name, err)
	}
	return nil
}

// seedPostgres brings the database at dbURL to vsauth's schema with the
// store, then streams the population of p into it with COPY (binary, through
// the pool), the same accounts, secrets, keys and hash that seedSQLite
// writes, made by the same Go functions. The profiles and devices stream on
// their own connections once the users are in (their foreign keys are
// checked at each COPY's commit). It then moves the id sequences past the
// seeded ids, so that sign-ups through the API do not collide, and runs
// ANALYZE, so that the planner knows the table sizes as a live database's
// would.
func seedPostgres(ctx context.Context, dbURL string, p seedPlan) error {
	st, err := store.OpenPostgres(ctx, dbURL, store.PostgresOptions{})
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = 4
	// The session settings the server uses: its naive UTC times are read
	// as UTC. Seeding is one long statement per table; no statement timeout.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	joined := p.Joined.UTC().Truncate(time.Microsecond)

	copyRows := func(ctx context.Context, table string, cols []string, from, to int64, row func(n int64) []any) error {
		n := from
		_, err := pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if n > to {
				return nil, nil
			}
			n++
			return row(n - 1), nil
		}))
		if err != nil {
			return fmt.Errorf("seeding %s: %w", table, err)
		}
		return nil
	}
	userCols := []string{"id", "password", "last_login", "is_superuser", "email", "is_active", "is_admin", "jwt_secret", "date_joined"}
	// Two streams of users keep both cores busy: one backend fills the four
	// indexes of users more slowly than the client sends.
	half := p.Accounts / 2
	userRows := func(from, to int64) func(context.Context) error {
		return func(ctx context.Context) error {
			return copyRows(ctx, "users", userCols, from, to, func(n int64) []any {
				return []any{int32(n), p.PasswordHash, nil, false, seedEmail(n), true, false, seedSecretUUID(n), joined}
			})
		}
	}
	if err := parallel(ctx, userRows(1, half), userRows(half+1, p.Accounts)); err != nil {
		return err
	}
	err = parallel(ctx,
		func(ctx context.Context) error {
			return copyRows(ctx, "account_profile", []string{"display_name", "profile_image", "about", "user_id"}, 1, p.Accounts, func(n int64) []any {
				return []any{nil, "", nil, int32(n)}
			})
		},
		func(ctx context.Context) error {
			return copyRows(ctx, "otp_totp_totpdevice",
				[]string{"name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift", "last_t", "user_id", "throttling_failure_timestamp", "throttling_failure_count"},
				1, min(p.TOTP, p.Accounts), func(n int64) []any {
					return []any{"", true, seedKey(n), int16(30), int64(0), int16(6), int16(1), int16(0), int64(-1), int32(n), nil, int32(0)}
				})
		})
	if err != nil {
		return err
	}
	for _, table := range []string{"users", "account_profile", "otp_totp_totpdevice"} {
		// setval to 1 with is_called false when the table is empty: nextval gives 1.
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM %[1]s`, table)
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("seeding %s: move the id sequence: %w", table, err)
		}
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("seeding: ANALYZE: %w", err)
	}
	return nil
}

// seedSecretUUID is seedSecret(n) as the 16 bytes of PostgreSQL's uuid.
func seedSecretUUID(n int64) [16]byte {
	var b [16]byte
	if _, err := hex.Decode(b[:], []byte(strings.ReplaceAll(seedSecret(n), "-", ""))); err != nil {
		panic(err) // seedSecret makes 32 hex digits
	}
	return b
}

// parallel runs fns at once and returns their errors; the first to fail
// cancels the others.
func parallel(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() {
			if errs[i] = fn(ctx); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
