package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

type schemaColumn struct {
	Table, Name, Type string
	NotNull           bool
	Default           string
	PK                bool
}

func readSchema(t *testing.T, db *sql.DB) []schemaColumn {
	t.Helper()
	rows, err := db.Query(`SELECT m.name, p.name, p.type, p."notnull", coalesce(p.dflt_value, ''), p.pk
		FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name <> 'sqlite_sequence' ORDER BY m.name, p.cid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []schemaColumn
	for rows.Next() {
		var c schemaColumn
		if err := rows.Scan(&c.Table, &c.Name, &c.Type, &c.NotNull, &c.Default, &c.PK); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols
}

func TestFreshSchema(t *testing.T) {
	s, _ := openTemp(t)
	want := []schemaColumn{
		{"account_profile", "id", "INTEGER", true, "", true},
		{"account_profile", "display_name", "varchar(155)", false, "", false},
		{"account_profile", "profile_image", "varchar(100)", false, "", false},
		{"account_profile", "about", "TEXT", false, "", false},
		{"account_profile", "user_id", "INTEGER", false, "", false},
		{"otp_static_staticdevice", "id", "INTEGER", true, "", true},
		{"otp_static_staticdevice", "name", "varchar(64)", true, "", false},
		{"otp_static_staticdevice", "confirmed", "bool", true, "", false},
		{"otp_static_staticdevice", "user_id", "INTEGER", true, "", false},
		{"otp_static_staticdevice", "throttling_failure_timestamp", "datetime", false, "", false},
		{"otp_static_staticdevice", "throttling_failure_count", "integer unsigned", true, "0", false},
		{"otp_static_statictoken", "id", "INTEGER", true, "", true},
		{"otp_static_statictoken", "token", "varchar(16)", true, "", false},
		{"otp_static_statictoken", "device_id", "INTEGER", true, "", false},
		{"otp_totp_totpdevice", "id", "INTEGER", true, "", true},
		{"otp_totp_totpdevice", "name", "varchar(64)", true, "", false},
		{"otp_totp_totpdevice", "confirmed", "bool", true, "", false},
		{"otp_totp_totpdevice", "key", "varchar(80)", true, "", false},
		{"otp_totp_totpdevice", "step", "smallint unsigned", true, "", false},
		{"otp_totp_totpdevice", "t0", "bigint", true, "", false},
		{"otp_totp_totpdevice", "digits", "smallint unsigned", true, "", false},
		{"otp_totp_totpdevice", "tolerance", "smallint unsigned", true, "", false},
		{"otp_totp_totpdevice", "drift", "smallint", true, "", false},
		{"otp_totp_totpdevice", "last_t", "bigint", true, "", false},
		{"otp_totp_totpdevice", "user_id", "INTEGER", true, "", false},
		{"otp_totp_totpdevice", "throttling_failure_timestamp", "datetime", false, "", false},
		{"otp_totp_totpdevice", "throttling_failure_count", "integer unsigned", true, "0", false},
		{"users", "id", "INTEGER", true, "", true},
		{"users", "password", "varchar(128)", true, "", false},
		{"users", "last_login", "datetime", false, "", false},
		{"users", "is_superuser", "bool", true, "", false},
		{"users", "email", "varchar(255)", true, "", false},
		{"users", "is_active", "bool", true, "", false},
		{"users", "is_admin", "bool", true, "", false},
		{"users", "jwt_secret", "char(32)", true, "", false},
		{"users", "date_joined", "datetime", true, "", false},
		{"vsauth_audit", "id", "INTEGER", true, "", true},
		{"vsauth_audit", "created_at", "datetime", true, "", false},
		{"vsauth_audit", "actor", "TEXT", true, "", false},
		{"vsauth_audit", "action", "TEXT", true, "", false},
		{"vsauth_audit", "user_id", "INTEGER", true, "", false},
		{"vsauth_audit", "email", "TEXT", true, "", false},
		{"vsauth_audit", "reason", "TEXT", true, "''", false},
		{"vsauth_audit", "changes", "TEXT", true, "'{}'", false},
		{"vsauth_login_throttle", "user_id", "INTEGER", true, "", true},
		{"vsauth_login_throttle", "failure_count", "INTEGER", true, "0", false},
		{"vsauth_login_throttle", "failure_timestamp", "datetime", false, "", false},
		{"vsauth_mail_outbox", "id", "INTEGER", true, "", true},
		{"vsauth_mail_outbox", "created_at", "datetime", true, "", false},
		{"vsauth_mail_outbox", "from_addr", "TEXT", true, "", false},
		{"vsauth_mail_outbox", "to_addr", "TEXT", true, "", false},
		{"vsauth_mail_outbox", "subject", "TEXT", true, "", false},
		{"vsauth_mail_outbox", "raw", "BLOB", true, "", false},
		{"vsauth_mail_outbox", "sent_at", "datetime", false, "", false},
		{"vsauth_mail_outbox", "attempts", "INTEGER", true, "0", false},
		{"vsauth_mail_outbox", "last_error", "TEXT", true, "''", false},
		{"vsauth_mail_outbox", "next_attempt", "datetime", false, "", false},
		{"vsauth_reset_mail_limit", "user_id", "INTEGER", true, "", true},
		{"vsauth_reset_mail_limit", "window_start", "datetime", true, "", false},
		{"vsauth_reset_mail_limit", "mail_count", "INTEGER", true, "", false},
		{"vsauth_schema_migrations", "version", "INTEGER", true, "", true},
		{"vsauth_schema_migrations", "applied_at", "datetime", true, "", false},
		{"vsauth_settings", "name", "TEXT", true, "", true},
		{"vsauth_settings", "value", "TEXT", true, "", false},
	}
	// The Django tables vsauth never reads are TestFreshSQLiteIsTheOriginals'.
	used := requiredColumns()
	got := slices.DeleteFunc(readSchema(t, s.db), func(c schemaColumn) bool {
		_, ok := used[c.Table]
		return !ok && c.Table != "vsauth_schema_migrations"
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("schema:\n got %+v\nwant %+v", got, want)
	}

	// The unique constraints and the Django index names.
	var uniques []string
	rows, err := s.db.Query(`SELECT m.name || '.' || i.name FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE m.type = 'table' AND i."unique" AND i.origin = 'u' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		uniques = append(uniques, n)
	}
	rows.Close()
	wantUniques := []string{"account_profile.sqlite_autoindex_account_profile_1", "auth_group.sqlite_autoindex_auth_group_1",
		"messaging_message.sqlite_autoindex_messaging_message_1", "messaging_messagethread.sqlite_autoindex_messaging_messagethread_1", "users.sqlite_autoindex_users_1"}
	if !reflect.DeepEqual(uniques, wantUniques) {
		t.Errorf("unique indexes = %q, want %q", uniques, wantUniques)
	}
	for _, idx := range []string{"otp_totp_totpdevice_user_id_0fb18292", "otp_static_staticdevice_user_id_7f9cff2b", "otp_static_statictoken_device_id_74b7c7d1", "otp_static_statictoken_token_d0a51866",
		"vsauth_users_email_lower", "vsauth_mail_outbox_sent", "vsauth_mail_outbox_created"} {
		if n := count(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, idx); n != 1 {
			t.Errorf("index %s: %d, want 1", idx, n)
		}
	}

	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "5000"} {
		if got := rawString(t, s, "PRAGMA "+pragma); got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func migrationVersions(t *testing.T, s *SQLite) string {
	t.Helper()
	return rawString(t, s, `SELECT group_concat(version, ',') FROM (SELECT version FROM vsauth_schema_migrations ORDER BY version)`)
}

func TestMigrationsIdempotent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db.sqlite3")
	ctx := context.Background()
	s1, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	before := readSchema(t, s1.db)
	applied := rawString(t, s1, `SELECT group_concat(applied_at, '|') FROM vsauth_schema_migrations`)
	if got := migrationVersions(t, s1); got != allVersions() {
		t.Errorf("versions after first open = %q, want %s", got, allVersions())
	}
	if _, err := time.Parse("2006-01-02 15:04:05", strings.Split(applied, "|")[0]); err != nil {
		t.Errorf("applied_at %q is not in Django's form: %v", applied, err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openPath(t, path)
	if got := migrationVersions(t, s2); got != allVersions() {
		t.Errorf("versions after second open = %q, want %s", got, allVersions())
	}
	if got := rawString(t, s2, `SELECT group_concat(applied_at, '|') FROM vsauth_schema_migrations`); got != applied {
		t.Errorf("applied_at changed on reopen: %q -> %q", applied, got)
	}
	if after := readSchema(t, s2.db); !reflect.DeepEqual(before, after) {
		t.Errorf("schema changed on reopen:\n%+v\n%+v", before, after)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.db.Exec(`INSERT INTO vsauth_schema_migrations (version, applied_at) VALUES (99, '2030-01-01 00:00:00')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := OpenSQLite(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema version 99 is newer than this vsauth knows (%d)", latestVersion())) {
		t.Fatalf("OpenSQLite error = %v, want the newer-schema refusal", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "db.sqlite3")
	_, err := OpenSQLite(context.Background(), missing)
	want := "store: open database " + missing + ": directory " + filepath.Join(dir, "nope") + " does not exist (create it first)"
	if err == nil || err.Error() != want {
		t.Errorf("missing directory: error = %v, want %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory was created: %v", err)
	}

	file := filepath.Join(dir, "plainfile")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = OpenSQLite(context.Background(), filepath.Join(file, "db.sqlite3"))
	if err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("parent is a file: error = %v", err)
	}

	if _, err := OpenSQLite(context.Background(), ""); err == nil || err.Error() != "store: open database: empty path" {
		t.Errorf("empty path: error = %v", err)
	}

	// A file that is not a database.
	junk := filepath.Join(dir, "junk.sqlite3")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSQLite(context.Background(), junk); err == nil || !strings.HasPrefix(err.Error(), "store: ") {
		t.Errorf("junk file: error = %v", err)
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode = %v, want 0600", perm)
	}
	fi, err = os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("WAL file mode = %v, want 0600", perm)
	}
}

func TestOddFileNames(t *testing.T) {
	for _, name := range []string{"a?b.db", "a#b.db", "a%3Fb.db", "with space.db"} {
		path := filepath.Join(t.TempDir(), name)
		s := openPath(t, path)
		mustCreateUser(t, s, "alice@example.com")
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%q: database not at the given path: %v", name, err)
		}
		s = openPath(t, path)
		if _, err := s.UserByEmail(context.Background(), "alice@example.com"); err != nil {
			t.Errorf("%q: after reopen: %v", name, err)
		}
	}
}

func TestMemorySmoke(t *testing.T) {
	ctx := context.Background()
	s := openPath(t, ":memory:")
	u := mustCreateUser(t, s, "alice@example.com")
	got, err := s.UserByID(ctx, u.ID)
	if err != nil || got != u {
		t.Fatalf("UserByID = %+v, %v; want %+v", got, err, u)
	}
	// The writeTx paths must not deadlock on the single connection.
	if _, err := s.ReplaceStaticTokens(ctx, u.ID, []string{"abcdefgh"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	// Two memory stores are two databases.
	other := openPath(t, ":memory:")
	if users, err := other.ListUsers(ctx); err != nil || len(users) != 0 {
		t.Errorf("second memory store has users %v, %v", users, err)
	}
	if fk := rawString(t, s, "PRAGMA foreign_keys"); fk != "1" {
		t.Errorf("memory foreign_keys = %s", fk)
	}
}

func TestWriteSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	u := mustCreateUser(t, s, "alice@example.com")
	dev, _, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.EnqueueMail(ctx, Mail{CreatedAt: tm(t, "2026-11-25T10:00:00Z"), From: "a", To: "b", Subject: "c", Raw: []byte("d")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openPath(t, path)
	if got, err := s2.UserByID(ctx, u.ID); err != nil || got != u {
		t.Errorf("user after reopen = %+v, %v; want %+v", got, err, u)
	}
	if got, err := s2.TOTPDevice(ctx, dev.ID); err != nil || !reflect.DeepEqual(got, dev) {
		t.Errorf("device after reopen = %+v, %v; want %+v", got, err, dev)
	}
	if got, err := s2.MailByID(ctx, m.ID); err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("mail after reopen = %+v, %v; want %+v", got, err, m)
	}
}

// originalDDL is what Django 2.1.5 with django-otp 0.5.1 creates for the
// original project (plus a few auth tables), without vsauth's additions.
func originalDDL() []string {
	return []string{
		`CREATE TABLE "django_migrations" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" datetime NOT NULL)`,
		`CREATE TABLE "auth_group" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(80) NOT NULL UNIQUE)`,
		`CREATE TABLE "users" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "email" varchar(255) NOT NULL UNIQUE, "is_active" bool NOT NULL, "is_admin" bool NOT NULL, "jwt_secret" char(32) NOT NULL, "date_joined" datetime NOT NULL)`,
		`CREATE TABLE "users_groups" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "customuser_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE TABLE "account_profile" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "display_name" varchar(155) NULL, "profile_image" varchar(100) NULL, "about" text NULL, "user_id" integer NULL UNIQUE REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE TABLE "otp_totp_totpdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL, "confirmed" bool NOT NULL, "key" varchar(80) NOT NULL, "step" smallint unsigned NOT NULL CHECK ("step" >= 0), "t0" bigint NOT NULL, "digits" smallint unsigned NOT NULL CHECK ("digits" >= 0), "tolerance" smallint unsigned NOT NULL CHECK ("tolerance" >= 0), "drift" smallint NOT NULL, "last_t" bigint NOT NULL, "user_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE INDEX "otp_totp_totpdevice_user_id_0fb18292" ON "otp_totp_totpdevice" ("user_id")`,
		`CREATE TABLE "otp_static_staticdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL, "confirmed" bool NOT NULL, "user_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE INDEX "otp_static_staticdevice_user_id_7f9cff2b" ON "otp_static_staticdevice" ("user_id")`,
		`CREATE TABLE "otp_static_statictoken" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "token" varchar(16) NOT NULL, "device_id" integer NOT NULL REFERENCES "otp_static_staticdevice" ("id") DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE INDEX "otp_static_statictoken_device_id_74b7c7d1" ON "otp_static_statictoken" ("device_id")`,
		`CREATE INDEX "otp_static_statictoken_token_d0a51866" ON "otp_static_statictoken" ("token")`,
		// Rows as the original writes them: 32-hex UUIDs, naive UTC datetimes,
		// microseconds only when non-zero, bools as 0/1.
		`INSERT INTO users VALUES (1, 'pbkdf2_sha256$120000$abcdefghijkl$TZ2VqcSy7/j/5ZUfqprPCYfIUabXh1+Xeavi/9o5m4s=', '2019-01-02 03:04:05.678901', 0, 'alice@example.com', 1, 0, '2382347372be4f0eaad92059bca32fde', '2019-01-01 00:00:00')`,
		`INSERT INTO users VALUES (2, 'pbkdf2_sha256$120000$Zz09Zz09Zz09$jpPk1Egsfq43Ae+MjAPM0jUBLaj1thPUjJIBBBn6Bcg=', NULL, 1, 'Bob@example.com', 0, 1, '1234567812345678123456781234567a', '2019-01-03 04:05:06.100000')`,
		`INSERT INTO auth_group VALUES (1, 'staff')`,
		`INSERT INTO users_groups VALUES (1, 1, 1)`,
		`INSERT INTO account_profile VALUES (1, 'Alice', 'alice.png', 'About me', 1)`,
		`INSERT INTO account_profile VALUES (2, 'Orphan', NULL, NULL, NULL)`,
		`INSERT INTO otp_totp_totpdevice VALUES (7, '', 1, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 2, 41152263, 1)`,
		`INSERT INTO otp_static_staticdevice VALUES (3, 'Static', 1, 1)`,
		`INSERT INTO otp_static_statictoken VALUES (1, 'g5s65yen', 3)`,
		`INSERT INTO otp_static_statictoken VALUES (2, '2ljt2i5x', 3)`,
	}
}

func TestOpenOriginalDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range originalDDL() {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()

	s := openPath(t, path)

	alice, err := s.UserByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantAlice := User{
		ID: 1, Password: hashA, LastLogin: tmp(t, "2019-01-02T03:04:05.678901Z"), Email: "alice@example.com",
		IsActive: true, JWTSecret: secretA, DateJoined: tm(t, "2019-01-01T00:00:00Z"),
	}
	if !reflect.DeepEqual(alice, wantAlice) {
		t.Errorf("alice = %+v\nwant %+v", alice, wantAlice)
	}
	bob, err := s.UserByEmail(ctx, "Bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	wantBob := User{
		ID: 2, Password: hashB, IsSuperuser: true, Email: "Bob@example.com", IsAdmin: true,
		JWTSecret: "12345678-1234-5678-1234-56781234567a", DateJoined: tm(t, "2019-01-03T04:05:06.1Z"),
	}
	if !reflect.DeepEqual(bob, wantBob) {
		t.Errorf("bob = %+v\nwant %+v", bob, wantBob)
	}
	p, err := s.Profile(ctx, 1)
	if err != nil || !reflect.DeepEqual(p, &Profile{DisplayName: strp("Alice"), ProfileImage: strp("alice.png"), About: strp("About me")}) {
		t.Errorf("profile = %+v, %v", p, err)
	}
	if p, err := s.Profile(ctx, 2); p != nil || err != nil {
		t.Errorf("profile of bob (none) = %+v, %v; want nil, nil", p, err)
	}

	// The throttling columns were added with their zero state.
	dev, err := s.FirstTOTPDevice(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantDev := TOTPDevice{ID: 7, UserID: 1, Name: "", Confirmed: true, Key: "3132333435363738393031323334353637383930",
		Step: 30, T0: 0, Digits: 6, Tolerance: 1, Drift: 2, LastT: 41152263}
	if !reflect.DeepEqual(dev, wantDev) {
		t.Errorf("device = %+v\nwant %+v", dev, wantDev)
	}
	sd, err := s.FirstStaticDevice(ctx, 1)
	if err != nil || !reflect.DeepEqual(sd, StaticDevice{ID: 3, UserID: 1, Name: "Static", Confirmed: true}) {
		t.Errorf("static device = %+v, %v", sd, err)
	}
	if ok, err := s.UseStaticToken(ctx, 3, "2ljt2i5x"); !ok || err != nil {
		t.Errorf("UseStaticToken on an original token = %v, %v", ok, err)
	}
	if err := failed(s.ClaimTOTPAttempt(ctx, 7, tm(t, "2026-01-01T00:00:00Z"), allowAll)); err != nil {
		t.Fatal(err)
	}
	if got := rawString(t, s, `SELECT throttling_failure_count || ' ' || throttling_failure_timestamp FROM otp_totp_totpdevice WHERE id = 7`); got != "1 2026-01-01 00:00:00" {
		t.Errorf("throttle on disk = %q", got)
	}
	if got := migrationVersions(t, s); got != allVersions() {
		t.Errorf("versions = %q", got)
	}
	// The reset lookup of the original's rows goes through vsauth's index.
	if users, err := s.UsersByEmailFold(ctx, "BOB@EXAMPLE.COM"); err != nil || !reflect.DeepEqual(emails(users), []string{"Bob@example.com"}) {
		t.Errorf("UsersByEmailFold on an original row = %q, %v", emails(users), err)
	}

	// New users continue the original's id sequence and live alongside.
	carol := mustCreateUser(t, s, "carol@example.com")
	if carol.ID != 3 {
		t.Errorf("new user id = %d, want 3", carol.ID)
	}

	// Deleting a user of the original also clears the Django link tables that the
	// foreign keys would otherwise protect.
	if err := s.DeleteUser(ctx, 1); err != nil {
		t.Fatalf("DeleteUser of an original user: %v", err)
	}
	for table, n := range map[string]int{"users": 2, "users_groups": 0, "account_profile": 2, "otp_totp_totpdevice": 0, "otp_static_staticdevice": 0, "otp_static_statictoken": 0} {
		if got := count(t, s, `SELECT count(*) FROM "`+table+`"`); got != n {
			t.Errorf("%s has %d rows after delete, want %d", table, got, n)
		}
	}
	s.Close()
	// And it opens again without change.
	s = openPath(t, path)
	if got := migrationVersions(t, s); got != allVersions() {
		t.Errorf("versions after reopen = %q", got)
	}
}
