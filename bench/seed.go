package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/virtualspaces/vsauth/server/store"
)

// The population: account n (1..accounts) gets seedEmail(n), the same
// password hash, a jwt_secret and (for n <= totp) a confirmed TOTP device
// with a key that the tool can compute again, so it can mint first-factor
// tokens and current codes for thousands of accounts without a login each.
// seedPostgres streams the rows these Go functions make; seedSQLite computes
// the same values in SQL, faster than a row at a time through the driver.
// The SQL expressions below and the Go functions next to them must agree;
// the tests read both databases back through the store.

// seedSecretPrefix makes the derived secrets and keys look less like counters.
const seedSecretPrefix = 0x5eed

// seedEmail varies the stored form: most addresses are lower case, one in ten
// has upper-case ASCII letters, one in ten a non-ASCII domain with an
// upper-case ASCII letter, so the reset lookup sees every kind of fold.
func seedEmail(n int64) string {
	switch n % 10 {
	case 3:
		return fmt.Sprintf("user%d@Bücher.example", n)
	case 7:
		return fmt.Sprintf("User%d@Example.COM", n)
	}
	return fmt.Sprintf("user%d@example.com", n)
}

const seedEmailSQL = `CASE n % 10 WHEN 3 THEN 'user' || n || '@Bücher.example' WHEN 7 THEN 'User' || n || '@Example.COM' ELSE 'user' || n || '@example.com' END`

// seedSecret is account n's jwt_secret in the hyphenated form tokens are
// signed with; the database keeps the 32 hex digits.
func seedSecret(n int64) string {
	h := fmt.Sprintf("%08x%024x", seedSecretPrefix, n)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// seedKey is the hex TOTP key of account n's device (20 bytes, as vsauth makes).
func seedKey(n int64) string { return fmt.Sprintf("%08x%032x", seedSecretPrefix+1, n) }

type seedPlan struct {
	Accounts     int64
	TOTP         int64  // accounts 1..TOTP get a confirmed device
	PasswordHash string // Django-encoded, shared by every account
	Joined       time.Time
	Batch        int64 // rows per transaction
}

// seedSQLite creates the database at path with the store (so that every
// migration has run) and fills it in large transactions of set-based
// INSERTs, with no Go work per row.
func seedSQLite(ctx context.Context, path string, p seedPlan) error {
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	// This connection alone skips the fsyncs: a crash while seeding loses a
	// throwaway database. The server opens it again with its own settings.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=synchronous(OFF)&_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if p.Batch <= 0 {
		p.Batch = 200_000
	}
	joined := p.Joined.UTC().Format("2006-01-02 15:04:05")
	series := `WITH RECURSIVE s(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM s WHERE n < ?) `
	users := series + `INSERT INTO users (id, password, last_login, is_superuser, email, is_active, is_admin, jwt_secret, date_joined)
		SELECT n, ?, NULL, 0, ` + seedEmailSQL + `, 1, 0, printf('%08x%024x', ?, n), ? FROM s`
	profiles := series + `INSERT INTO account_profile (display_name, profile_image, about, user_id) SELECT NULL, '', NULL, n FROM s`
	devices := series + `INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_timestamp, throttling_failure_count)
		SELECT '', 1, printf('%08x%032x', ?, n), 30, 0, 6, 1, 0, -1, n, NULL, 0 FROM s`
	for lo := int64(1); lo <= p.Accounts; lo += p.Batch {
		hi := min(lo+p.Batch-1, p.Accounts)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmts := []seedStmt{
			{"users", users, []any{lo, hi, p.PasswordHash, seedSecretPrefix, joined}},
			{"account_profile", profiles, []any{lo, hi}},
		}
		if lo <= p.TOTP {
			stmts = append(stmts, seedStmt{"otp_totp_totpdevice", devices, []any{lo, min(hi, p.TOTP), seedSecretPrefix + 1}})
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
				tx.Rollback()
				return fmt.Errorf("seeding %s of accounts %d..%d: %w", s.table, lo, hi, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("seeding accounts %d..%d: %w", lo, hi, err)
		}
	}
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

type seedStmt struct {
	table, query string
	args         []any
}

// countOutbox is the number of queued mails in the database db (a SQLite
// path or a postgres:// URL), read after the server stopped.
func countOutbox(ctx context.Context, db string) (int64, error) {
	const query = `SELECT count(*) FROM vsauth_mail_outbox`
	var n int64
	if store.IsPostgresURL(db) {
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			return 0, err
		}
		defer conn.Close(ctx)
		err = conn.QueryRow(ctx, query).Scan(&n)
		return n, err
	}
	sdb, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, err
	}
	defer sdb.Close()
	err = sdb.QueryRowContext(ctx, query).Scan(&n)
	return n, err
}
