package store

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresOptions tunes the connection pool of OpenPostgres. Zero values
// get the defaults.
type PostgresOptions struct {
	// MaxConns bounds the pool (default DefaultPostgresMaxConns).
	MaxConns int32
	// ConnectTimeout bounds establishing one connection (default
	// DefaultPostgresConnectTimeout).
	ConnectTimeout time.Duration
	// StatementTimeout makes PostgreSQL cancel a statement that runs longer
	// (default DefaultPostgresStatementTimeout).
	StatementTimeout time.Duration
}

// The defaults of PostgresOptions. Ten connections keep two cores busy with
// room for requests waiting on row locks; a statement of vsauth's takes
// milliseconds, so ten seconds only ever stops a stuck one.
const (
	DefaultPostgresMaxConns         = 10
	DefaultPostgresConnectTimeout   = 5 * time.Second
	DefaultPostgresStatementTimeout = 10 * time.Second
)

// IsPostgresURL reports whether db names a PostgreSQL database
// (postgres:// or postgresql://).
func IsPostgresURL(db string) bool {
	scheme, _, ok := strings.Cut(db, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// RedactURL is the URL with its password replaced, for messages.
func RedactURL(db string) string {
	u, err := url.Parse(db)
	if err != nil {
		return "the database URL" // unparsable: it may hold anything
	}
	return u.Redacted()
}

// OpenPostgres connects to the PostgreSQL database at dbURL
// (postgres://user:password@host:port/dbname?sslmode=…) and brings its
// schema up to date: on an empty database the original's Django schema and
// vsauth's tables, on one the original created only vsauth's additions.
// Several processes may open the same database at once. Errors never
// contain the URL's password.
func OpenPostgres(ctx context.Context, dbURL string, opts PostgresOptions) (*DB, error) {
	name := RedactURL(dbURL)
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		// pgx's own message masks the password.
		return nil, fmt.Errorf("store: open database %s: %w", name, err)
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultPostgresMaxConns
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultPostgresConnectTimeout
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = DefaultPostgresStatementTimeout
	}
	cfg.MaxConns = opts.MaxConns
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	// Times go in as Django's naive UTC text (the form the SQLite tables
	// hold), which timestamptz reads in the session's time zone.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open database %s: %w", name, err)
	}
	db := stdlib.OpenDBFromPool(pool)
	// OpenDBFromPool keeps no idle connection in database/sql: every query
	// would take one from pgxpool and wrap it anew. Only database/sql uses
	// the pool, so it may keep all of them idle; it must then also queue
	// its callers itself at the pool's size, or a caller would wait in
	// pgxpool for a connection idling in database/sql.
	db.SetMaxOpenConns(int(opts.MaxConns))
	db.SetMaxIdleConns(int(opts.MaxConns))
	s := &DB{db: db, d: postgresDialect, closePool: pool.Close}
	if err := s.prepare(ctx, name); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

//go:embed schema/django.postgres.sql
var djangoPostgresSchema string

// djangoMigrations are the django_migrations rows of the original's
// `manage.py migrate`, so that the original, given a database vsauth
// created, finds nothing to do.
var djangoMigrations = [][2]string{
	{"contenttypes", "0001_initial"},
	{"contenttypes", "0002_remove_content_type_name"},
	{"auth", "0001_initial"},
	{"auth", "0002_alter_permission_name_max_length"},
	{"auth", "0003_alter_user_email_max_length"},
	{"auth", "0004_alter_user_username_opts"},
	{"auth", "0005_alter_user_last_login_null"},
	{"auth", "0006_require_contenttypes_0002"},
	{"auth", "0007_alter_validators_add_error_messages"},
	{"auth", "0008_alter_user_username_max_length"},
	{"auth", "0009_alter_user_last_name_max_length"},
	{"account", "0001_initial"},
	{"account", "0002_profile"},
	{"spaces", "0001_initial"},
	{"spaces", "0002_spacebooking_spaceimage"},
	{"messaging", "0001_initial"},
	{"messaging", "0002_messagethread_space"},
	{"otp_static", "0001_initial"},
	{"otp_totp", "0001_initial"},
}

// postgresMigrations lists the PostgreSQL schema steps in the order they
// apply. Never edit a released step: append a new one.
func postgresMigrations() []migration {
	return []migration{
		{
			version: 1,
			name:    "the original's Django schema, on an empty database",
			apply: func(ctx context.Context, tx *sql.Tx) error {
				var have bool
				if err := tx.QueryRowContext(ctx, `SELECT to_regclass('users') IS NOT NULL`).Scan(&have); err != nil {
					return fmt.Errorf("look for table users: %w", err)
				}
				if have {
					return nil // the original's own database: its tables stay as they are
				}
				if _, err := tx.ExecContext(ctx, djangoPostgresSchema); err != nil {
					return fmt.Errorf("create the Django tables: %w", err)
				}
				for _, m := range djangoMigrations {
					if _, err := tx.ExecContext(ctx, `INSERT INTO django_migrations (app, name, applied) VALUES ($1, $2, now())`, m[0], m[1]); err != nil {
						return fmt.Errorf("record Django migration %s.%s: %w", m[0], m[1], err)
					}
				}
				return nil
			},
		},
		{
			version: 2,
			name:    "django-otp 1.x throttling columns",
			// The original (django-otp 0.5.1) names its columns in every
			// INSERT, so a NOT NULL column needs the default.
			apply: execStatements(
				`ALTER TABLE otp_totp_totpdevice ADD COLUMN IF NOT EXISTS throttling_failure_timestamp timestamptz NULL`,
				`ALTER TABLE otp_totp_totpdevice ADD COLUMN IF NOT EXISTS throttling_failure_count integer NOT NULL DEFAULT 0 CHECK (throttling_failure_count >= 0)`,
				`ALTER TABLE otp_static_staticdevice ADD COLUMN IF NOT EXISTS throttling_failure_timestamp timestamptz NULL`,
				`ALTER TABLE otp_static_staticdevice ADD COLUMN IF NOT EXISTS throttling_failure_count integer NOT NULL DEFAULT 0 CHECK (throttling_failure_count >= 0)`,
			),
		},
		{
			version: 3,
			name:    "vsauth tables and indexes",
			// The same tables as SQLite's steps 3 to 5. The original's code
			// never names them; the foreign keys cascade so that the original,
			// deleting a user, is not stopped by vsauth's rows.
			apply: execStatements(
				`CREATE TABLE IF NOT EXISTS vsauth_settings (name text NOT NULL PRIMARY KEY, value text NOT NULL)`,
				`CREATE TABLE IF NOT EXISTS vsauth_mail_outbox (id bigserial NOT NULL PRIMARY KEY, created_at timestamptz NOT NULL, from_addr text NOT NULL, to_addr text NOT NULL, subject text NOT NULL, raw bytea NOT NULL, sent_at timestamptz NULL, attempts integer NOT NULL DEFAULT 0, last_error text NOT NULL DEFAULT '', next_attempt timestamptz NULL)`,
				`CREATE INDEX IF NOT EXISTS vsauth_mail_outbox_pending ON vsauth_mail_outbox (id) WHERE sent_at IS NULL`,
				`CREATE INDEX IF NOT EXISTS vsauth_mail_outbox_sent ON vsauth_mail_outbox (sent_at) WHERE sent_at IS NOT NULL`,
				`CREATE INDEX IF NOT EXISTS vsauth_mail_outbox_created ON vsauth_mail_outbox (created_at)`,
				`CREATE TABLE IF NOT EXISTS vsauth_login_throttle (user_id integer NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE, failure_count integer NOT NULL DEFAULT 0, failure_timestamp timestamptz NULL)`,
				`CREATE TABLE IF NOT EXISTS vsauth_reset_mail_limit (user_id integer NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE, window_start timestamptz NOT NULL, mail_count integer NOT NULL)`,
				`CREATE TABLE IF NOT EXISTS vsauth_audit (id bigserial NOT NULL PRIMARY KEY, created_at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL, user_id integer NOT NULL, email text NOT NULL, reason text NOT NULL DEFAULT '', changes text NOT NULL DEFAULT '{}')`,
				`CREATE INDEX IF NOT EXISTS vsauth_audit_user_id ON vsauth_audit (user_id, id)`,
				`CREATE INDEX IF NOT EXISTS vsauth_users_email_upper ON users (UPPER(email))`,
			),
		},
	}
}
