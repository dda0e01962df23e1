package store

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
	"time"
)

// migration is one versioned schema step. Steps are written so that they also
// apply to a database the original Django application created: they create only
// what is missing.
type migration struct {
	version int
	name    string
	apply   func(ctx context.Context, tx *sql.Tx) error
}

// column is a column that a step adds to an existing table when it lacks it.
type column struct {
	name string
	decl string // the column definition after the name, as in ALTER TABLE ADD COLUMN
}

// sqliteMigrations lists the SQLite schema steps in the order they apply.
// Never edit a released step: append a new one.
func sqliteMigrations() []migration {
	return []migration{
		{
			version: 1,
			name:    "Django tables (account 0002, otp_totp and otp_static of django-otp 0.5.1)",
			// The DDL is what Django 2.1's SQLite backend generates for the
			// original's models, index names included, so that IF NOT EXISTS finds
			// the original's own objects.
			apply: execStatements(
				`CREATE TABLE IF NOT EXISTS "users" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "email" varchar(255) NOT NULL UNIQUE, "is_active" bool NOT NULL, "is_admin" bool NOT NULL, "jwt_secret" char(32) NOT NULL, "date_joined" datetime NOT NULL)`,
				`CREATE TABLE IF NOT EXISTS "account_profile" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "display_name" varchar(155) NULL, "profile_image" varchar(100) NULL, "about" text NULL, "user_id" integer NULL UNIQUE REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED)`,
				`CREATE TABLE IF NOT EXISTS "otp_totp_totpdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL, "confirmed" bool NOT NULL, "key" varchar(80) NOT NULL, "step" smallint unsigned NOT NULL CHECK ("step" >= 0), "t0" bigint NOT NULL, "digits" smallint unsigned NOT NULL CHECK ("digits" >= 0), "tolerance" smallint unsigned NOT NULL CHECK ("tolerance" >= 0), "drift" smallint NOT NULL, "last_t" bigint NOT NULL, "user_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED)`,
				`CREATE INDEX IF NOT EXISTS "otp_totp_totpdevice_user_id_0fb18292" ON "otp_totp_totpdevice" ("user_id")`,
				`CREATE TABLE IF NOT EXISTS "otp_static_staticdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL, "confirmed" bool NOT NULL, "user_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED)`,
				`CREATE INDEX IF NOT EXISTS "otp_static_staticdevice_user_id_7f9cff2b" ON "otp_static_staticdevice" ("user_id")`,
				`CREATE TABLE IF NOT EXISTS "otp_static_statictoken" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "token" varchar(16) NOT NULL, "device_id" integer NOT NULL REFERENCES "otp_static_staticdevice" ("id") DEFERRABLE INITIALLY DEFERRED)`,
				`CREATE INDEX IF NOT EXISTS "otp_static_statictoken_device_id_74b7c7d1" ON "otp_static_statictoken" ("device_id")`,
				`CREATE INDEX IF NOT EXISTS "otp_static_statictoken_token_d0a51866" ON "otp_static_statictoken" ("token")`,
			),
		},
		{
			version: 2,
			name:    "django-otp 1.x throttling columns",
			apply: func(ctx context.Context, tx *sql.Tx) error {
				// Django itself would rebuild the table without a column default; an
				// added NOT NULL column needs one. vsauth always writes the column.
				throttling := []column{
					{"throttling_failure_timestamp", `datetime NULL`},
					{"throttling_failure_count", `integer unsigned NOT NULL DEFAULT 0 CHECK ("throttling_failure_count" >= 0)`},
				}
				for _, table := range []string{"otp_totp_totpdevice", "otp_static_staticdevice"} {
					if err := addMissingColumns(ctx, tx, table, throttling); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			version: 3,
			name:    "vsauth tables",
			apply: execStatements(
				`CREATE TABLE IF NOT EXISTS "vsauth_settings" ("name" text NOT NULL PRIMARY KEY, "value" text NOT NULL)`,
				`CREATE TABLE IF NOT EXISTS "vsauth_mail_outbox" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "created_at" datetime NOT NULL, "from_addr" text NOT NULL, "to_addr" text NOT NULL, "subject" text NOT NULL, "raw" blob NOT NULL, "sent_at" datetime NULL, "attempts" integer NOT NULL DEFAULT 0, "last_error" text NOT NULL DEFAULT '', "next_attempt" datetime NULL)`,
				`CREATE INDEX IF NOT EXISTS "vsauth_mail_outbox_pending" ON "vsauth_mail_outbox" ("id") WHERE "sent_at" IS NULL`,
				`CREATE TABLE IF NOT EXISTS "vsauth_login_throttle" ("user_id" integer NOT NULL PRIMARY KEY REFERENCES "users" ("id") ON DELETE CASCADE, "failure_count" integer NOT NULL DEFAULT 0, "failure_timestamp" datetime NULL)`,
			),
		},
		{
			version: 4,
			name:    "reset lookup index, reset mail limit, outbox pruning index",
			// The original's code never names these objects, so it ignores them;
			// SQLite maintains the expression index on its inserts too.
			apply: execStatements(
				`CREATE INDEX IF NOT EXISTS "vsauth_users_email_lower" ON "users" (lower("email"))`,
				`CREATE TABLE IF NOT EXISTS "vsauth_reset_mail_limit" ("user_id" integer NOT NULL PRIMARY KEY REFERENCES "users" ("id") ON DELETE CASCADE, "window_start" datetime NOT NULL, "mail_count" integer NOT NULL)`,
				`CREATE INDEX IF NOT EXISTS "vsauth_mail_outbox_sent" ON "vsauth_mail_outbox" ("sent_at") WHERE "sent_at" IS NOT NULL`,
				`CREATE INDEX IF NOT EXISTS "vsauth_mail_outbox_created" ON "vsauth_mail_outbox" ("created_at")`,
			),
		},
		{
			version: 5,
			name:    "vsauth_audit: support actions on accounts",
			// Django's django_admin_log needs the actor to be a row of users;
			// support staff act as themselves on the host, so vsauth keeps its own
			// table. user_id has no foreign key: the trail outlives the account.
			apply: execStatements(
				`CREATE TABLE IF NOT EXISTS "vsauth_audit" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "created_at" datetime NOT NULL, "actor" text NOT NULL, "action" text NOT NULL, "user_id" integer NOT NULL, "email" text NOT NULL, "reason" text NOT NULL DEFAULT '', "changes" text NOT NULL DEFAULT '{}')`,
				`CREATE INDEX IF NOT EXISTS "vsauth_audit_user_id" ON "vsauth_audit" ("user_id", "id")`,
			),
		},
		{
			version: 6,
			name:    "the original's other Django tables and its django_migrations rows",
			// So that the original, given a database vsauth created, finds
			// the tables its `manage.py migrate` makes and nothing to migrate.
			// The original's own database has all of them: nothing changes.
			apply: func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, djangoSQLiteSchema); err != nil {
					return fmt.Errorf("create the Django tables: %w", err)
				}
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM "django_migrations"`).Scan(&n); err != nil {
					return fmt.Errorf("count Django migrations: %w", err)
				}
				if n > 0 {
					return nil
				}
				applied := formatDjangoTime(time.Now())
				for _, m := range djangoMigrations {
					if _, err := tx.ExecContext(ctx, `INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ($1, $2, $3)`, m[0], m[1], applied); err != nil {
						return fmt.Errorf("record Django migration %s.%s: %w", m[0], m[1], err)
					}
				}
				return nil
			},
		},
	}
}

//go:embed schema/django.sqlite.sql
var djangoSQLiteSchema string

// execStatements is a step made of plain SQL statements.
func execStatements(stmts ...string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, stmt := range stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", firstWords(stmt), err)
			}
		}
		return nil
	}
}

// firstWords names a statement in an error without quoting all of it.
func firstWords(stmt string) string {
	fields := strings.Fields(stmt)
	if len(fields) > 6 {
		fields = fields[:6]
	}
	return strings.Join(fields, " ")
}

// addMissingColumns adds to table the columns it does not have yet.
func addMissingColumns(ctx context.Context, tx *sql.Tx, table string, cols []column) error {
	have, err := sqliteColumns(ctx, tx, table)
	if err != nil {
		return err
	}
	for _, c := range cols {
		if have[c.name] {
			continue
		}
		stmt := fmt.Sprintf(`ALTER TABLE %q ADD COLUMN %q %s`, table, c.name, c.decl)
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("add column %s.%s: %w", table, c.name, err)
		}
	}
	return nil
}

// migrate applies the steps not yet recorded, in one transaction that first
// takes the database's migration lock (SQLite: the write lock), so that
// processes opening the same new database at once apply each step once.
func (s *DB) migrate(ctx context.Context) error {
	steps := s.d.migrations()
	latest := steps[len(steps)-1].version
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if s.d.migrationLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
				return fmt.Errorf("take the migration lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS vsauth_schema_migrations (version integer NOT NULL PRIMARY KEY, applied_at `+s.d.timeType+` NOT NULL)`); err != nil {
			return fmt.Errorf("create vsauth_schema_migrations: %w", err)
		}
		var current sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM vsauth_schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current.Int64 > int64(latest) {
			return fmt.Errorf("schema version %d is newer than this vsauth knows (%d): upgrade vsauth", current.Int64, latest)
		}
		for _, m := range steps {
			if int64(m.version) <= current.Int64 {
				continue
			}
			if err := m.apply(ctx, tx); err != nil {
				return fmt.Errorf("step %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO vsauth_schema_migrations (version, applied_at) VALUES ($1, $2)`, m.version, formatDjangoTime(time.Now())); err != nil {
				return fmt.Errorf("step %d (%s): record: %w", m.version, m.name, err)
			}
		}
		return nil
	})
}

// requiredColumns are the columns vsauth reads and writes, table by table.
func requiredColumns() map[string][]string {
	throttled := func(cols ...string) []string {
		return append(cols, "throttling_failure_timestamp", "throttling_failure_count")
	}
	return map[string][]string{
		"users":                   {"id", "password", "last_login", "is_superuser", "email", "is_active", "is_admin", "jwt_secret", "date_joined"},
		"account_profile":         {"id", "display_name", "profile_image", "about", "user_id"},
		"otp_totp_totpdevice":     throttled("id", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift", "last_t", "user_id"),
		"otp_static_staticdevice": throttled("id", "name", "confirmed", "user_id"),
		"otp_static_statictoken":  {"id", "token", "device_id"},
		"vsauth_settings":         {"name", "value"},
		"vsauth_mail_outbox":      {"id", "created_at", "from_addr", "to_addr", "subject", "raw", "sent_at", "attempts", "last_error", "next_attempt"},
		"vsauth_login_throttle":   {"user_id", "failure_count", "failure_timestamp"},
		"vsauth_audit":            {"id", "created_at", "actor", "action", "user_id", "email", "reason", "changes"},
		"vsauth_reset_mail_limit": {"user_id", "window_start", "mail_count"},
	}
}

// verifySchema fails clearly when a pre-existing table (say, from a different
// version of the original) lacks a column vsauth needs, instead of failing
// later on the first query that touches it.
func (s *DB) verifySchema(ctx context.Context) error {
	for table, cols := range requiredColumns() {
		have, err := s.d.columns(ctx, s.db, table)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			return fmt.Errorf("table %s is missing", table)
		}
		for _, c := range cols {
			if !have[c] {
				return fmt.Errorf("table %s has no column %s", table, c)
			}
		}
	}
	return nil
}
