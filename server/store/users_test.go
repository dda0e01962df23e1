package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCreateUserRoundTrip(t *testing.T) { eachStore(t, testCreateUserRoundTrip) }

func testCreateUserRoundTrip(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	in := User{
		ID:          999, // ignored
		Password:    hashA,
		LastLogin:   tmp(t, "2019-01-02T03:04:05.678901999Z"),
		IsSuperuser: true,
		Email:       "Alice@example.com",
		IsActive:    true,
		IsAdmin:     true,
		JWTSecret:   "23823473-72BE-4F0E-AAD9-2059BCA32FDE",
		DateJoined:  time.Date(2026, 11, 25, 12, 11, 12, 0, time.FixedZone("CET", 3600)),
	}
	got, err := s.CreateUser(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := User{
		ID:          1,
		Password:    hashA,
		LastLogin:   tmp(t, "2019-01-02T03:04:05.678901Z"),
		IsSuperuser: true,
		Email:       "Alice@example.com",
		IsActive:    true,
		IsAdmin:     true,
		JWTSecret:   secretA,
		DateJoined:  tm(t, "2026-11-25T11:11:12Z"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CreateUser = %+v\nwant %+v", got, want)
	}
	if got.DateJoined.Location() != time.UTC || got.LastLogin.Location() != time.UTC {
		t.Errorf("times not in UTC: %v %v", got.DateJoined.Location(), got.LastLogin.Location())
	}
	for name, read := range map[string]func() (User, error){
		"UserByID":    func() (User, error) { return s.UserByID(ctx, 1) },
		"UserByEmail": func() (User, error) { return s.UserByEmail(ctx, "Alice@example.com") },
	} {
		u, err := read()
		if err != nil || !reflect.DeepEqual(u, want) {
			t.Errorf("%s = %+v, %v; want %+v", name, u, err, want)
		}
	}

	// The on-disk forms are Django's.
	row := rawString(t, s, `SELECT jwt_secret || '|' || CAST(last_login AS TEXT) || '|' || CAST(date_joined AS TEXT) || '|' ||
		typeof(is_superuser) || is_superuser || typeof(is_active) || is_active || typeof(is_admin) || is_admin FROM users WHERE id = 1`)
	if want := "2382347372be4f0eaad92059bca32fde|2019-01-02 03:04:05.678901|2026-11-25 11:11:12|integer1integer1integer1"; s.d == sqliteDialect && row != want {
		t.Errorf("raw user row = %q, want %q", row, want)
	}
	// And a profile row as Django saves a new Profile: NULL text fields,
	// and the ImageField's empty FieldFile as ''.
	if got := rawString(t, s, `SELECT count(*) || ':' || coalesce(max(display_name), 'null') || coalesce(quote(max(profile_image)), 'null') || coalesce(max(about), 'null') FROM account_profile WHERE user_id = 1`); s.d == sqliteDialect && got != "1:null''null" {
		t.Errorf("profile rows = %q", got)
	}
	if p, err := s.Profile(ctx, 1); err != nil || !reflect.DeepEqual(p, &Profile{ProfileImage: strp("")}) {
		t.Errorf("Profile = %+v, %v", p, err)
	}

	// last_login NULL and a date_joined without microseconds.
	u2 := newUser(t, "bob@example.com")
	u2.JWTSecret = secretB
	u2.IsActive = false
	u2.DateJoined = tm(t, "2026-01-01T00:00:00Z")
	got2, err := s.CreateUser(ctx, u2)
	if err != nil {
		t.Fatal(err)
	}
	u2.ID = 2
	if !reflect.DeepEqual(got2, u2) {
		t.Errorf("second user = %+v, want %+v", got2, u2)
	}
	if raw := rawString(t, s, `SELECT jwt_secret || '|' || coalesce(last_login, 'NULL') || '|' || CAST(date_joined AS TEXT) || '|' || is_active FROM users WHERE id = 2`); s.d == sqliteDialect && raw != "12345678123456781234567812345678|NULL|2026-01-01 00:00:00|0" {
		t.Errorf("raw second user = %q", raw)
	}
}

func TestCreateUserErrors(t *testing.T) { eachStore(t, testCreateUserErrors) }

func testCreateUserErrors(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateUser(t, s, "alice@example.com")

	_, err := s.CreateUser(ctx, newUser(t, "alice@example.com"))
	if err != ErrDuplicateEmail {
		t.Errorf("duplicate: err = %v, want ErrDuplicateEmail", err)
	}
	// Uniqueness is exact: another case is another account.
	if _, err := s.CreateUser(ctx, newUser(t, "Alice@example.com")); err != nil {
		t.Errorf("local-part case variant: %v", err)
	}
	bad := newUser(t, "carol@example.com")
	bad.JWTSecret = "2382347372be4f0eaad92059bca32fde"
	_, err = s.CreateUser(ctx, bad)
	if err == nil || err.Error() != "store: create user: jwt secret: not a UUID" {
		t.Errorf("bad secret: err = %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM users`); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
	if n := count(t, s, `SELECT count(*) FROM account_profile`); n != 2 {
		t.Errorf("%d profiles, want 2 (the failed inserts must leave none)", n)
	}
}

func TestUserNotFound(t *testing.T) { eachStore(t, testUserNotFound) }

func testUserNotFound(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	if _, err := s.UserByID(ctx, 42); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: user 42" {
		t.Errorf("UserByID: %v", err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, ErrNotFound) || strings.Contains(err.Error(), "nobody") {
		t.Errorf("UserByEmail: %v", err)
	}
	if err := s.SetJWTSecret(ctx, 42, secretB); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetJWTSecret: %v", err)
	}
	if err := s.DeleteUser(ctx, 42); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteUser: %v", err)
	}
	if _, err := s.UpdateProfile(ctx, 42, ProfileUpdate{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateProfile: %v", err)
	}
	if ok, err := s.UpdatePassword(ctx, 42, PasswordUpdate{NewHash: hashB}); ok || err != nil {
		t.Errorf("UpdatePassword = %v, %v; want false, nil", ok, err)
	}
	if p, err := s.Profile(ctx, 42); p != nil || err != nil {
		t.Errorf("Profile = %v, %v; want nil, nil", p, err)
	}
}

func emails(users []User) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.Email)
	}
	return out
}

func TestUsersByEmailFoldAndList(t *testing.T) { eachStore(t, testUsersByEmailFoldAndList) }

func testUsersByEmailFoldAndList(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	for _, e := range []string{"alice@example.com", "ALICE@EXAMPLE.COM", "alice@example.org", "a_b@example.com", "axb@example.com", "a%b@example.com", `a\b@example.com`, "émile@example.com", "ÉMILE@example.com"} {
		mustCreateUser(t, s, e)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"Alice@Example.Com", []string{"alice@example.com", "ALICE@EXAMPLE.COM"}},
		{"alice@example.org", []string{"alice@example.org"}},
		{"a_b@example.com", []string{"a_b@example.com"}}, // _ is not a wildcard
		{"a%b@example.com", []string{"a%b@example.com"}}, // nor is %
		{`a\b@example.com`, []string{`a\b@example.com`}},
		{"%", nil},
		{"nobody@example.com", nil},
	}
	// Django's iexact: SQLite's LIKE folds only ASCII letters, PostgreSQL's
	// UPPER() all of them.
	if b.name == "sqlite" {
		tests = append(tests, struct {
			query string
			want  []string
		}{"émile@example.com", []string{"émile@example.com"}}, struct {
			query string
			want  []string
		}{"ÉMILE@EXAMPLE.COM", []string{"ÉMILE@example.com"}})
	} else {
		both := []string{"émile@example.com", "ÉMILE@example.com"}
		tests = append(tests, struct {
			query string
			want  []string
		}{"émile@example.com", both}, struct {
			query string
			want  []string
		}{"ÉMILE@EXAMPLE.COM", both})
	}
	for _, tt := range tests {
		users, err := s.UsersByEmailFold(ctx, tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := emails(users); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("UsersByEmailFold(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
	if u, err := s.UserByEmail(ctx, "Alice@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByEmail is case-sensitive, got %+v, %v", u, err)
	}

	all, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range all {
		if u.ID != int64(i+1) {
			t.Errorf("ListUsers[%d].ID = %d", i, u.ID)
		}
	}
	if len(all) != 9 || all[1].Email != "ALICE@EXAMPLE.COM" {
		t.Errorf("ListUsers = %q", emails(all))
	}
	empty := b.open(t)
	if users, err := empty.ListUsers(ctx); err != nil || users != nil {
		t.Errorf("ListUsers on empty = %v, %v", users, err)
	}
}

func TestUpdatePassword(t *testing.T) { eachStore(t, testUpdatePassword) }

func testUpdatePassword(t *testing.T, b backend) {
	ctx := context.Background()
	login := tm(t, "2026-11-25T10:00:00.5Z")
	tests := []struct {
		name        string
		update      PasswordUpdate
		wantOK      bool
		wantHash    string
		wantLogin   string
		wantSecret  string
		wantErrText string
	}{
		{"plain", PasswordUpdate{NewHash: hashB}, true, hashB, "NULL", "2382347372be4f0eaad92059bca32fde", ""},
		{"CAS ok", PasswordUpdate{ExpectHash: hashA, NewHash: hashB}, true, hashB, "NULL", "2382347372be4f0eaad92059bca32fde", ""},
		{"CAS lost", PasswordUpdate{ExpectHash: "pbkdf2_sha256$1$x$y", NewHash: hashB}, false, hashA, "NULL", "2382347372be4f0eaad92059bca32fde", ""},
		{"last login", PasswordUpdate{NewHash: hashB, LastLogin: &login}, true, hashB, "2026-11-25 10:00:00.500000", "2382347372be4f0eaad92059bca32fde", ""},
		{"rotate", PasswordUpdate{ExpectHash: hashA, NewHash: hashB, LastLogin: &login, NewJWTSecret: secretB}, true, hashB, "2026-11-25 10:00:00.500000", "12345678123456781234567812345678", ""},
		{"bad secret", PasswordUpdate{NewHash: hashB, NewJWTSecret: "nope"}, false, hashA, "NULL", "2382347372be4f0eaad92059bca32fde", "store: update password of user 1: jwt secret: not a UUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := b.open(t)
			mustCreateUser(t, s, "alice@example.com")
			if err := failed(s.ClaimLoginAttempt(ctx, 1, login, allowAll)); err != nil {
				t.Fatal(err)
			}
			ok, err := s.UpdatePassword(ctx, 1, tt.update)
			if tt.wantErrText != "" {
				if err == nil || err.Error() != tt.wantErrText {
					t.Fatalf("err = %v, want %q", err, tt.wantErrText)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			got := rawString(t, s, `SELECT password || '|' || coalesce(CAST(last_login AS TEXT), 'NULL') || '|' || jwt_secret FROM users WHERE id = 1`)
			if want := tt.wantHash + "|" + tt.wantLogin + "|" + tt.wantSecret; s.d == sqliteDialect && got != want {
				t.Errorf("row = %q, want %q", got, want)
			}
			// A new password ends the lock earned against the old one; a
			// refused update leaves it.
			wantRows := 1
			if tt.wantOK {
				wantRows = 0
			}
			if n := count(t, s, `SELECT count(*) FROM vsauth_login_throttle`); n != wantRows {
				t.Errorf("%d login throttle rows, want %d", n, wantRows)
			}
		})
	}
	// Only one of two swaps from the same hash wins.
	s := b.open(t)
	mustCreateUser(t, s, "alice@example.com")
	first, _ := s.UpdatePassword(ctx, 1, PasswordUpdate{ExpectHash: hashA, NewHash: hashB})
	second, _ := s.UpdatePassword(ctx, 1, PasswordUpdate{ExpectHash: hashA, NewHash: "pbkdf2_sha256$1$other$hash"})
	if !first || second {
		t.Errorf("CAS twice = %v, %v; want true, false", first, second)
	}
}

func TestSetJWTSecret(t *testing.T) { eachStore(t, testSetJWTSecret) }

func testSetJWTSecret(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateUser(t, s, "alice@example.com")
	if err := s.SetJWTSecret(ctx, 1, "12345678-1234-5678-1234-56781234ABCD"); err != nil {
		t.Fatal(err)
	}
	if got := rawString(t, s, `SELECT jwt_secret FROM users WHERE id = 1`); s.d == sqliteDialect && got != "1234567812345678123456781234abcd" {
		t.Errorf("stored secret = %q", got)
	}
	u, _ := s.UserByID(ctx, 1)
	if u.JWTSecret != "12345678-1234-5678-1234-56781234abcd" {
		t.Errorf("read secret = %q", u.JWTSecret)
	}
	err := s.SetJWTSecret(ctx, 1, "not-a-uuid-at-all")
	if err == nil || strings.Contains(err.Error(), "not-a-uuid-at-all") {
		t.Errorf("bad secret: err = %v (must not quote the value)", err)
	}
}

// tableCounts counts the rows of every table that can hold a user's data.
func tableCounts(t *testing.T, s *SQLite) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"users", "account_profile", "otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken", "vsauth_login_throttle", "vsauth_reset_mail_limit"} {
		out[table] = count(t, s, `SELECT count(*) FROM "`+table+`"`)
	}
	return out
}

func TestDeleteUserCascade(t *testing.T) { eachStore(t, testDeleteUserCascade) }

func testDeleteUserCascade(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	now := tm(t, "2026-11-25T10:00:00Z")
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		u := mustCreateUser(t, s, email)
		if _, _, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReplaceStaticTokens(ctx, u.ID, []string{"aaaaaaaa", "bbbbbbbb"}); err != nil {
			t.Fatal(err)
		}
		if err := failed(s.ClaimLoginAttempt(ctx, u.ID, now, allowAll)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountResetMail(ctx, u.ID, now, time.Hour, 3); n != 1 || err != nil {
			t.Fatalf("CountResetMail = %d, %v", n, err)
		}
	}
	// A second, unconfirmed TOTP device for alice, inserted directly.
	if _, err := s.db.Exec(`INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count) VALUES ('', false, 'ab', 30, 0, 6, 1, 0, -1, 1, 0)`); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, s)
	if want := map[string]int{"users": 2, "account_profile": 2, "otp_totp_totpdevice": 3, "otp_static_staticdevice": 2, "otp_static_statictoken": 4, "vsauth_login_throttle": 2, "vsauth_reset_mail_limit": 2}; !reflect.DeepEqual(before, want) {
		t.Fatalf("before = %v, want %v", before, want)
	}
	if err := s.DeleteUser(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got, want := tableCounts(t, s), map[string]int{"users": 1, "account_profile": 1, "otp_totp_totpdevice": 1, "otp_static_staticdevice": 1, "otp_static_statictoken": 2, "vsauth_login_throttle": 1, "vsauth_reset_mail_limit": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("after = %v, want %v", got, want)
	}
	// What is left is bob's.
	if n := count(t, s, `SELECT count(*) FROM (SELECT user_id FROM account_profile UNION ALL SELECT user_id FROM otp_totp_totpdevice UNION ALL SELECT user_id FROM otp_static_staticdevice UNION ALL SELECT user_id FROM vsauth_login_throttle UNION ALL SELECT user_id FROM vsauth_reset_mail_limit) AS refs WHERE user_id IS DISTINCT FROM 2`); n != 0 {
		t.Errorf("%d rows not belonging to bob", n)
	}
	if _, err := s.UserByID(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted user still readable: %v", err)
	}
	if err := s.DeleteUser(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if err := s.DeleteUser(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for table, n := range tableCounts(t, s) {
		if n != 0 {
			t.Errorf("%s has %d orphan rows", table, n)
		}
	}
	// PostgreSQL checked the foreign keys at COMMIT; SQLite is asked.
	if b.name == "sqlite" && count(t, s, `SELECT count(*) FROM pragma_foreign_key_check`) != 0 {
		t.Error("foreign key check: violations")
	}
}

func TestProfile(t *testing.T) { eachStore(t, testProfile) }

func testProfile(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	mustCreateUser(t, s, "alice@example.com")
	bob := mustCreateUser(t, s, "bob@example.com")
	// A user of the original without a profile row.
	if _, err := s.db.Exec(`DELETE FROM account_profile WHERE user_id = $1`, bob.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Profile(ctx, bob.ID); p != nil || err != nil {
		t.Fatalf("Profile without row = %v, %v", p, err)
	}

	steps := []struct {
		user   int64
		update ProfileUpdate
		want   Profile
	}{
		{1, ProfileUpdate{}, Profile{}},
		{1, ProfileUpdate{SetDisplayName: true, DisplayName: strp("Alice")}, Profile{DisplayName: strp("Alice")}},
		{1, ProfileUpdate{SetAbout: true, About: strp("")}, Profile{DisplayName: strp("Alice"), About: strp("")}},
		{1, ProfileUpdate{DisplayName: strp("ignored without Set")}, Profile{DisplayName: strp("Alice"), About: strp("")}},
		{1, ProfileUpdate{SetDisplayName: true, SetAbout: true, About: strp("x")}, Profile{About: strp("x")}},
		{bob.ID, ProfileUpdate{SetAbout: true, About: strp("created")}, Profile{About: strp("created")}},
		{bob.ID, ProfileUpdate{}, Profile{About: strp("created")}},
	}
	for i, st := range steps {
		st.want.ProfileImage = strp("") // Django's empty FieldFile
		got, err := s.UpdateProfile(ctx, st.user, st.update)
		if err != nil || !reflect.DeepEqual(got, &st.want) {
			t.Errorf("step %d: UpdateProfile = %+v, %v; want %+v", i, got, err, st.want)
		}
		read, err := s.Profile(ctx, st.user)
		if err != nil || !reflect.DeepEqual(read, &st.want) {
			t.Errorf("step %d: Profile = %+v, %v; want %+v", i, read, err, st.want)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM account_profile WHERE user_id = $1`, bob.ID); n != 1 {
		t.Errorf("bob has %d profile rows", n)
	}
	if got := rawString(t, s, `SELECT coalesce(display_name, 'NULL') || '|' || about FROM account_profile WHERE user_id = 1`); s.d == sqliteDialect && got != "NULL|x" {
		t.Errorf("raw profile = %q", got)
	}
}
