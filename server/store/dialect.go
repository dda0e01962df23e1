package store

import (
	"context"
	"database/sql"
	"fmt"
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
	// emailFold is the query of UsersByEmailFold: Django 2.1's email__iexact
	// on this database, served by an index.
	emailFold string
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
	name:       "sqlite",
	timeType:   "datetime",
	emailFold:  `SELECT ` + userColumns + ` FROM users WHERE lower(email) = lower($1) ORDER BY id`,
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
	emailFold: `SELECT ` + userColumns + ` FROM users WHERE UPPER(email) = UPPER($1) ORDER BY id`,
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
