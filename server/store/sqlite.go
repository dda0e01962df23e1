package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// MemoryPath is the path OpenSQLite takes for a throwaway in-memory database.
const MemoryPath = ":memory:"

// busyTimeoutMillis bounds how long a statement waits for another process's
// write lock before failing with SQLITE_BUSY.
const busyTimeoutMillis = 5000

// DB is the store on one SQL database: a SQLite file (OpenSQLite) or a
// PostgreSQL database (OpenPostgres). The rules and most of the SQL are the
// same for both; a dialect holds the few differences. It is safe for
// concurrent use, by several processes on the same database too.
type DB struct {
	db *sql.DB
	d  *dialect
	// writeSem, on SQLite, serializes this process's writers, so that they
	// queue in Go instead of sleeping in SQLite's busy handler; other
	// processes are still held off by the file lock and busy_timeout.
	// PostgreSQL locks rows instead, and it is nil there.
	writeSem chan struct{}
	// closePool closes what the database/sql handle is built on, if anything.
	closePool func()
	// prepared holds, on SQLite, the hot reads (hotReads) prepared at open,
	// by query text: parsing a statement cost more than running it.
	// PostgreSQL needs none: pgx prepares and caches every statement on each
	// connection itself.
	prepared map[string]*sql.Stmt
}

// SQLite is the name of DB that callers knew before PostgreSQL.
type SQLite = DB

// OpenSQLite opens (creating it if needed) the database at path, or a private
// in-memory database when path is ":memory:", and brings its schema up to date.
// The parent directory of path must exist. A new file is created readable by its
// owner only, since it holds password hashes, OTP keys and the server secret.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("store: open database: empty path")
	}
	memory := path == MemoryPath
	if !memory {
		if err := prepareFile(path); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", dsn(path, memory))
	if err != nil {
		return nil, fmt.Errorf("store: open database %s: %w", path, err)
	}
	if memory {
		// Every connection to ":memory:" is a different database: keep exactly one
		// and never let the pool retire it. A shared-cache named memory database
		// would allow more, but its table locks fail with SQLITE_LOCKED instead of
		// waiting on busy_timeout.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		// A new SQLite connection costs a file open, the PRAGMAs and a parse of
		// the whole schema, which under load was most of an authenticated
		// request (database/sql keeps only 2 idle connections by default). Keep
		// a fixed set and reuse it: under WAL the readers run in parallel, and
		// writers queue on writeSem whatever the pool. The cap also bounds the
		// open files a flood of requests can cost.
		n := max(4, 2*runtime.GOMAXPROCS(0))
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	s := &DB{db: db, d: sqliteDialect, writeSem: make(chan struct{}, 1)}
	if err := s.prepare(ctx, path); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.prepareReads(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open database %s: %w", path, err)
	}
	return s, nil
}

// hotReads are the reads of nearly every request, prepared on SQLite.
func (s *DB) hotReads() []string {
	return []string{
		s.d.users.byID, s.d.users.byEmail, s.d.users.emailFold, s.d.users.auth,
		profileQuery, totpByID, firstTOTPOfUser, staticByID, firstStaticOfUser, hasConfirmedDevice,
	}
}

// prepareReads prepares hotReads. database/sql then prepares each again
// on every pooled connection the first time it runs there; the pool is
// fixed, so that happens once per connection.
func (s *DB) prepareReads(ctx context.Context) error {
	s.prepared = make(map[string]*sql.Stmt)
	for _, q := range s.hotReads() {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", firstWords(q), err)
		}
		s.prepared[q] = st
	}
	return nil
}

// queryRow runs a single-row read, through its prepared statement if
// there is one.
func (s *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := s.prepared[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, query, args...)
}

// query is queryRow for reads of several rows.
func (s *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.prepared[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, query, args...)
}

// prepare checks the connection and brings the schema up to date. name
// names the database in errors and must not hold a password.
func (s *DB) prepare(ctx context.Context, name string) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: open database %s: %w", name, err)
	}
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate database %s: %w", name, err)
	}
	if err := s.verifySchema(ctx); err != nil {
		return fmt.Errorf("store: check database %s: %w", name, err)
	}
	return nil
}

// Close closes the database.
func (s *DB) Close() error {
	for _, st := range s.prepared {
		_ = st.Close() // the database's Close below reports what matters
	}
	err := s.db.Close()
	if s.closePool != nil {
		s.closePool()
	}
	if err != nil {
		return fmt.Errorf("store: close database: %w", err)
	}
	return nil
}

// prepareFile checks the parent directory (SQLite's own error for a missing one
// is the unhelpful "unable to open database file") and an existing file, and
// creates a missing database file with mode 0600; SQLite gives its -wal and -shm files the same
// mode as the database file.
func prepareFile(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("store: open database %s: directory %s does not exist (create it first)", path, dir)
	case err != nil:
		return fmt.Errorf("store: open database %s: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("store: open database %s: %s is not a directory", path, dir)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, os.ErrExist):
		return checkExisting(path)
	case err != nil:
		return fmt.Errorf("store: create database file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: create database file %s: %w", path, err)
	}
	return nil
}

// checkExisting refuses what SQLite would open with an unhelpful error or
// only for reading, before SQLite creates -wal and -shm files beside it.
func checkExisting(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("store: open database %s: %w", path, err)
	case fi.IsDir():
		return fmt.Errorf("store: open database %s: it is a directory, not a database file", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("store: open database %s: not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: open database %s: %w", path, err)
	}
	return f.Close()
}

// dsn builds the modernc.org/sqlite data source name.
//
// Pragmas, in order: busy_timeout first so that the following ones wait for
// locks too; foreign_keys because Django's tables declare their references and
// vsauth relies on them; WAL so readers never block the writer; and
// synchronous(FULL) rather than the usual NORMAL-with-WAL, because NORMAL may
// lose the last acknowledged commits on power loss or a kernel crash, and an
// acknowledged password change, consumed backup code or queued mail must not come
// back. _txlock=immediate makes every transaction take the write lock at BEGIN, so a
// read-then-write transaction never fails to upgrade (SQLITE_BUSY_SNAPSHOT, which
// busy_timeout does not retry).
func dsn(path string, memory bool) string {
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMillis),
		"_pragma=foreign_keys(1)",
	}
	if !memory {
		params = append(params, "_pragma=journal_mode(WAL)", "_pragma=synchronous(FULL)")
	}
	params = append(params, "_txlock=immediate")
	query := strings.Join(params, "&")
	if memory {
		return MemoryPath + "?" + query
	}
	// The URI form lets any file name through: SQLite percent-decodes the path,
	// and only '%', '?' and '#' are special in it.
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + query
}

// lockWrite takes this process's write turn (SQLite), or gives up when ctx
// ends.
func (s *DB) lockWrite(ctx context.Context) (unlock func(), err error) {
	if s.writeSem == nil {
		return func() {}, nil
	}
	select {
	case s.writeSem <- struct{}{}:
		return func() { <-s.writeSem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// writeTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it if fn
// succeeds. fn must do all its queries through tx: with ":memory:" the pool has a
// single connection, which tx holds.
func (s *DB) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exec runs one writing statement outside an explicit transaction. SQLite takes
// the write lock when such a statement starts, so it is atomic on its own.
func (s *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return s.db.ExecContext(ctx, query, args...)
}

// notFound wraps ErrNotFound with what was looked for.
// readOne finishes a single-row read: no row is ErrNotFound, any other
// failure says what was being read. what/args name the row, never a secret.
func readOne[T any](v T, err error, what string, args ...any) (T, error) {
	var zero T
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return zero, notFound(what, args...)
	case err != nil:
		return zero, fmt.Errorf("store: read %s: %w", fmt.Sprintf(what, args...), err)
	}
	return v, nil
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotFound, fmt.Sprintf(format, args...))
}

// isUniqueViolation reports whether err is the database rejecting a row for a
// UNIQUE constraint.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" // unique_violation
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

// scanAll reads every row of a query's result with scan, and closes it.
func scanAll[T any](rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// userExists is the check made before inserting rows that reference a user:
// Django declares its foreign keys DEFERRABLE INITIALLY DEFERRED, so a dangling
// reference would only be reported at COMMIT, as an unspecific constraint error.
// userTx runs fn in one write transaction after checking that the user
// exists. ErrNotFound comes back as it is; any other failure is wrapped with
// what was attempted.
func (s *DB) userTx(ctx context.Context, userID int64, what string, fn func(tx *sql.Tx) error) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.userExists(ctx, tx, userID); err != nil {
			return err
		}
		return fn(tx)
	})
	if err == nil || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// execEach runs statements whose one argument is the user id, in order.
func execEach(ctx context.Context, tx *sql.Tx, userID int64, stmts ...string) error {
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt, userID); err != nil {
			return fmt.Errorf("%s: %w", firstWords(stmt), err)
		}
	}
	return nil
}

// userExists also locks the user's row on PostgreSQL, so that the
// transactions that read and then change what belongs to one user (create a
// device if there is none, count a failed login) run one after the other,
// as all write transactions do on SQLite.
func (s *DB) userExists(ctx context.Context, tx *sql.Tx, userID int64) error {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE id = $1`+s.d.lockRow, userID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound("user %d", userID)
	case err != nil:
		return fmt.Errorf("look up user %d: %w", userID, err)
	}
	return nil
}

// timeArg is the Django on-disk form of an optional time, or NULL.
func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatDjangoTime(*t)
}
