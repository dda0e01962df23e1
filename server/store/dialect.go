package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// dialect is what differs between the databases the store runs on. The
// rules, and the SQL wherever both databases read it alike ($N parameters,
// RETURNING, ON CONFLICT), are shared.
type dialect struct {
	name string
	// timeType is the column type of a moment, Django's on this database.
	timeType string
	// lockRow ends a SELECT of a row that the transaction goes on to change,
	// so that concurrent transactions wait for it (PostgreSQL's FOR UPDATE).
	// SQLite's write transactions run one at a time and need none.
	lockRow string
	// skipLocked ends the SELECT that claims outbox messages, so that
	// replicas claiming at once take different messages instead of queueing.
	skipLocked string
	// users are the reads of users rows on this database.
	users userReads
	// maxID is the largest primary key the id columns hold (PostgreSQL's
	// integer); a larger one, say from a token's user_id, names no row
	// rather than failing to encode.
	maxID int64
	// migrationLock, when set, is run first in the migration transaction,
	// so that processes starting at once migrate one after the other.
	migrationLock string
	migrations    func() []migration
	// columns lists the columns of a table (none if there is no such table).
	columns func(ctx context.Context, q queryer, table string) (map[string]bool, error)
	// userRefs lists the columns of table that reference users.id.
	userRefs func(ctx context.Context, q queryer, table string) ([]string, error)
}

// queryer is what *sql.DB and *sql.Tx have in common for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

var sqliteDialect = &dialect{
	name:     "sqlite",
	timeType: "datetime",
	// The times are read as text: for a column declared datetime the
	// driver tries several layouts, failing (and allocating an error) on
	// each before the one Django writes; parseDjangoTime tries that first.
	users: makeUserReads(
		`u.id, u.password, CAST(u.last_login AS TEXT), u.is_superuser, u.email, u.is_active, u.is_admin, u.jwt_secret, CAST(u.date_joined AS TEXT)`,
		`lower(u.email) = lower($1)`),
	maxID:      math.MaxInt64,
	migrations: sqliteMigrations,
	columns:    sqliteColumns,
	userRefs: func(ctx context.Context, q queryer, table string) ([]string, error) {
		cols, err := queryStrings(ctx, q, `SELECT "from" FROM pragma_foreign_key_list($1) WHERE "table" = 'users'`, table)
		return keys(cols), err
	},
}

var postgresDialect = &dialect{
	name:       "postgres",
	timeType:   "timestamptz",
	lockRow:    ` FOR UPDATE`,
	skipLocked: ` FOR UPDATE SKIP LOCKED`,
	// UPPER folds Unicode letters on PostgreSQL, as Django's iexact
	// (UPPER(email) = UPPER(%s)) did there; vsauth_users_email_upper serves it.
	users: makeUserReads(
		`u.id, u.password, u.last_login, u.is_superuser, u.email, u.is_active, u.is_admin, u.jwt_secret, u.date_joined`,
		`UPPER(u.email) = UPPER($1)`),
	maxID: math.MaxInt32,
	// The key is arbitrary but fixed: every vsauth on the database takes
	// the same lock.
	migrationLock: `SELECT pg_advisory_xact_lock(7366836845127368)`,
	migrations:    postgresMigrations,
	columns: func(ctx context.Context, q queryer, table string) (map[string]bool, error) {
		return queryStrings(ctx, q, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	},
	userRefs: func(ctx context.Context, q queryer, table string) ([]string, error) {
		cols, err := queryStrings(ctx, q, `SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
			WHERE c.contype = 'f' AND c.conrelid = to_regclass($1) AND c.confrelid = to_regclass('users')`, table)
		return keys(cols), err
	},
}

func sqliteColumns(ctx context.Context, q queryer, table string) (map[string]bool, error) {
	return queryStrings(ctx, q, `SELECT name FROM pragma_table_info($1)`, table)
}

// queryStrings runs a query of one text column with one argument and
// returns the set of its values.
func queryStrings(ctx context.Context, q queryer, query string, arg any) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", firstWords(query), err)
	}
	defer rows.Close()
	set := make(map[string]bool)
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", firstWords(query), err)
		}
		set[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", firstWords(query), err)
	}
	return set, nil
}

func keys(set map[string]bool) []string {
	var out []string
	for k := range set {
		out = append(out, k)
	}
	return out
}

// userReads are the statements that read users rows, each selecting the
// columns scanUser reads from the table aliased u.
type userReads struct {
	byID, byEmail string
	// emailFold is the query of UsersByEmailFold: Django 2.1's
	// email__iexact on this database, served by an index.
	emailFold string
	// auth is the read of AuthUser; $2 and $3 are the ids of the TOTP and
	// static device asked about (NULL for none).
	auth string
}

func makeUserReads(columns, foldEqual string) userReads {
	from := ` FROM users u `
	return userReads{
		byID:      `SELECT ` + columns + from + `WHERE u.id = $1`,
		byEmail:   `SELECT ` + columns + from + `WHERE u.email = $1`,
		emailFold: `SELECT ` + columns + from + `WHERE ` + foldEqual + ` ORDER BY u.id`,
		auth: `SELECT ` + columns + `,
			EXISTS (SELECT 1 FROM otp_totp_totpdevice WHERE user_id = u.id AND confirmed) OR EXISTS (SELECT 1 FROM otp_static_staticdevice WHERE user_id = u.id AND confirmed),
			EXISTS (SELECT 1 FROM otp_totp_totpdevice WHERE id = $2 AND user_id = u.id AND confirmed) OR EXISTS (SELECT 1 FROM otp_static_staticdevice WHERE id = $3 AND user_id = u.id AND confirmed),
			p.user_id IS NOT NULL, p.display_name, p.profile_image, p.about` +
			from + `LEFT JOIN account_profile p ON p.user_id = u.id WHERE u.id = $1`,
	}
}

// idFits reports whether an id column of this database can hold id.
func (d *dialect) idFits(id int64) bool { return id >= -d.maxID-1 && id <= d.maxID }
