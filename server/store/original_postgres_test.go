package store

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
)

// loadOriginalPostgres loads the original's PostgreSQL dump (the --inserts
// form, fixtures/original) into a fresh schema and returns its URL. psql's
// meta-commands and pg_dump's session settings are left out; "public." is
// the schema's name instead.
func loadOriginalPostgres(t *testing.T) string {
	t.Helper()
	dbURL := newTestSchema(t)
	raw, err := os.ReadFile("testdata/original-postgres-inserts.sql")
	if err != nil {
		t.Fatal(err)
	}
	schema := schemaOf(t, dbURL)
	var b strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, `\`) || strings.HasPrefix(line, "SET ") || strings.HasPrefix(line, "SELECT pg_catalog.set_config") {
			continue
		}
		b.WriteString(strings.ReplaceAll(line, "public.", schema+"."))
		b.WriteByte('\n')
	}
	if _, err := adminPool.Exec(context.Background(), b.String()); err != nil {
		t.Fatalf("load the original's dump: %v", err)
	}
	return dbURL
}

func schemaOf(t *testing.T, dbURL string) string {
	t.Helper()
	_, q, _ := strings.Cut(dbURL, "search_path=")
	name, _, _ := strings.Cut(q, "&")
	return name
}

// TestOpenOriginalPostgres serves the database the original created on
// PostgreSQL: its rows are read as they are, nothing of it changes but
// vsauth's additions, and the sequences go on where the original left them.
func TestOpenOriginalPostgres(t *testing.T) {
	skipWithoutPostgres(t)
	ctx := context.Background()
	dbURL := loadOriginalPostgres(t)
	s := openPostgresTest(t, dbURL)

	users, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	if want := []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com"}; !reflect.DeepEqual(emails, want) {
		t.Errorf("users = %q, want %q", emails, want)
	}
	bob, err := s.UserByEmail(ctx, "bob@example.com")
	if err != nil || bob.ID != 2 || len(bob.JWTSecret) != 36 || !bob.IsActive || bob.LastLogin != nil {
		t.Fatalf("bob = %+v, %v", bob, err)
	}
	dev, err := s.FirstStaticDevice(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := s.StaticTokens(ctx, dev.ID)
	if err != nil || len(codes) != 5 {
		t.Fatalf("bob's emergency codes = %q, %v; want 5", codes, err)
	}
	if ok, err := s.UseStaticToken(ctx, dev.ID, codes[0]); !ok || err != nil {
		t.Errorf("first use of %d = %v, %v", 0, ok, err)
	}
	if ok, err := s.UseStaticToken(ctx, dev.ID, codes[0]); ok || err != nil {
		t.Errorf("second use = %v, %v", ok, err)
	}
	if on, err := s.HasConfirmedDevice(ctx, bob.ID); !on || err != nil {
		t.Errorf("bob two-step = %v, %v", on, err)
	}
	// Django 2.1's iexact on PostgreSQL is UPPER() = UPPER().
	if us, err := s.UsersByEmailFold(ctx, "ERIN@example.com"); err != nil || len(us) != 1 || us[0].ID != 5 {
		t.Errorf("reset lookup of erin = %+v, %v", us, err)
	}
	// The next id is 7: frank's 6 is not reused.
	u, err := s.CreateUser(ctx, newUser(t, "grace@example.com"))
	if err != nil || u.ID != 7 {
		t.Errorf("new user = %+v, %v; want id 7", u, err)
	}
	// The original's own records are left alone: no Django migration row
	// was added to the 19 it made.
	if n := count(t, s, `SELECT count(*) FROM django_migrations`); n != 19 {
		t.Errorf("django_migrations has %d rows, want the original's 19", n)
	}
}

// TestFreshPostgresIsTheOriginals: on an empty database vsauth creates the
// tables the original's `manage.py migrate` makes, with its django_migrations
// rows, so that the original could take the database over.
func TestFreshPostgresIsTheOriginals(t *testing.T) {
	s := postgresBackend.open(t)
	for _, table := range []string{"users", "account_profile", "otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken",
		"auth_group", "auth_permission", "django_content_type", "django_migrations", "spaces_space", "messaging_message", "users_groups", "users_user_permissions"} {
		if n := count(t, s, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`, table); n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM django_migrations`); n != len(djangoMigrations) {
		t.Errorf("django_migrations has %d rows, want %d", n, len(djangoMigrations))
	}
	// The original's INSERT names only its own columns.
	if _, err := s.db.Exec(`INSERT INTO users (password, last_login, is_superuser, email, is_active, is_admin, jwt_secret, date_joined) VALUES ('x', NULL, false, 'o@example.com', true, false, '2382347372be4f0eaad92059bca32fde', now())`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO otp_static_staticdevice (name, confirmed, user_id) VALUES ('backup', true, 1)`); err != nil {
		t.Errorf("the original's device insert: %v", err)
	}
}
