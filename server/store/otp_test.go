package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTOTPDevices(t *testing.T) { eachStore(t, testTOTPDevices) }

func testTOTPDevices(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	alice := mustCreateUser(t, s, "alice@example.com")

	if _, err := s.FirstTOTPDevice(ctx, alice.ID); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: TOTP device of user 1" {
		t.Errorf("FirstTOTPDevice with none: %v", err)
	}
	if _, err := s.TOTPDevice(ctx, 1); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: TOTP device 1" {
		t.Errorf("TOTPDevice with none: %v", err)
	}

	in := TOTPDevice{ID: 77, UserID: alice.ID, Name: "phone", Key: "3132333435363738393031323334353637383930",
		Step: 30, T0: 5, Digits: 8, Tolerance: 2, Drift: -1, LastT: -1,
		Throttle: Throttle{FailureCount: 3, FailureTimestamp: tmp(t, "2026-11-25T10:00:00.25Z")}}
	dev, created, err := s.CreateTOTPDeviceIfNone(ctx, in)
	if err != nil || !created {
		t.Fatalf("CreateTOTPDeviceIfNone = %v, %v", created, err)
	}
	want := in
	want.ID = 1
	if !reflect.DeepEqual(dev, want) {
		t.Errorf("created = %+v\nwant %+v", dev, want)
	}
	if raw := rawString(t, s, `SELECT name || '|' || confirmed || '|' || key || '|' || step || '|' || t0 || '|' || digits || '|' || tolerance || '|' || drift || '|' || last_t || '|' || user_id || '|' || CAST(throttling_failure_timestamp AS TEXT) || '|' || throttling_failure_count FROM otp_totp_totpdevice`); s.d == sqliteDialect && raw != "phone|0|3132333435363738393031323334353637383930|30|5|8|2|-1|-1|1|2026-11-25 10:00:00.250000|3" {
		t.Errorf("raw device = %q", raw)
	}

	// A second call returns the existing device, whatever it is given.
	again, created, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(alice.ID))
	if err != nil || created || !reflect.DeepEqual(again, want) {
		t.Errorf("second CreateTOTPDeviceIfNone = %+v, %v, %v", again, created, err)
	}
	for name, read := range map[string]func() (TOTPDevice, error){
		"TOTPDevice":      func() (TOTPDevice, error) { return s.TOTPDevice(ctx, 1) },
		"FirstTOTPDevice": func() (TOTPDevice, error) { return s.FirstTOTPDevice(ctx, alice.ID) },
	} {
		if got, err := read(); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %+v, %v", name, got, err)
		}
	}
	// The first device is the lowest id, confirmed or not.
	if _, err := s.db.Exec(`INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count) VALUES ('later', true, 'ab', 30, 0, 6, 1, 0, -1, 1, 0)`); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FirstTOTPDevice(ctx, alice.ID); got.ID != 1 {
		t.Errorf("FirstTOTPDevice picked %d", got.ID)
	}

	if _, _, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(42)); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateTOTPDeviceIfNone for unknown user: %v", err)
	}
}

func TestRecordTOTPSuccessAndFailure(t *testing.T) { eachStore(t, testRecordTOTPSuccessAndFailure) }

func testRecordTOTPSuccessAndFailure(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	alice := mustCreateUser(t, s, "alice@example.com")
	dev, _, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(alice.ID))
	if err != nil {
		t.Fatal(err)
	}

	now := tm(t, "2026-11-25T10:00:00.123456Z")
	for i := 0; i < 2; i++ {
		if err := failed(s.ClaimTOTPAttempt(ctx, dev.ID, now, allowAll)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.TOTPDevice(ctx, dev.ID)
	if want := (Throttle{FailureCount: 2, FailureTimestamp: &now}); !reflect.DeepEqual(got.Throttle, want) {
		t.Errorf("throttle after failures = %+v", got.Throttle)
	}
	if raw := rawString(t, s, `SELECT CAST(throttling_failure_timestamp AS TEXT) FROM otp_totp_totpdevice`); s.d == sqliteDialect && raw != "2026-11-25 10:00:00.123456" {
		t.Errorf("raw timestamp = %q", raw)
	}
	if err := failed(s.ClaimTOTPAttempt(ctx, 99, now, allowAll)); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: TOTP device 99" {
		t.Errorf("ClaimTOTPAttempt on unknown device: %v", err)
	}

	// A stale prev loses.
	stale := dev
	stale.LastT = 5
	if ok, err := s.RecordTOTPSuccess(ctx, stale, 41152263, 1); ok || err != nil {
		t.Errorf("RecordTOTPSuccess with stale last_t = %v, %v", ok, err)
	}
	stale = dev
	stale.Drift = 1
	if ok, err := s.RecordTOTPSuccess(ctx, stale, 41152263, 1); ok || err != nil {
		t.Errorf("RecordTOTPSuccess with stale drift = %v, %v", ok, err)
	}
	ok, err := s.RecordTOTPSuccess(ctx, dev, 41152263, 1)
	if !ok || err != nil {
		t.Fatalf("RecordTOTPSuccess = %v, %v", ok, err)
	}
	got, _ = s.TOTPDevice(ctx, dev.ID)
	want := dev
	want.LastT, want.Drift, want.Confirmed, want.Throttle = 41152263, 1, true, Throttle{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after success = %+v\nwant %+v", got, want)
	}
	// Replaying the same success (same prev) fails now.
	if ok, err := s.RecordTOTPSuccess(ctx, dev, 41152263, 1); ok || err != nil {
		t.Errorf("replayed RecordTOTPSuccess = %v, %v", ok, err)
	}
	if ok, err := s.RecordTOTPSuccess(ctx, TOTPDevice{ID: 99, LastT: -1}, 1, 0); ok || err != nil {
		t.Errorf("RecordTOTPSuccess on unknown device = %v, %v", ok, err)
	}
}

func TestStaticDevices(t *testing.T) { eachStore(t, testStaticDevices) }

func testStaticDevices(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	alice := mustCreateUser(t, s, "alice@example.com")
	bob := mustCreateUser(t, s, "bob@example.com")

	if _, err := s.FirstStaticDevice(ctx, alice.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("FirstStaticDevice with none: %v", err)
	}
	if _, err := s.StaticDevice(ctx, 1); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: static device 1" {
		t.Errorf("StaticDevice with none: %v", err)
	}

	first := []string{"g5s65yen", "2ljt2i5x", "jo6qvenx", "eq6bvzar", "e2ybuluf", "7durnkkw"}
	dev, err := s.ReplaceStaticTokens(ctx, alice.ID, first)
	if err != nil {
		t.Fatal(err)
	}
	want := StaticDevice{ID: 1, UserID: alice.ID, Name: "Static", Confirmed: true}
	if !reflect.DeepEqual(dev, want) {
		t.Errorf("ReplaceStaticTokens device = %+v", dev)
	}
	if raw := rawString(t, s, `SELECT name || '|' || confirmed || '|' || user_id || '|' || coalesce(throttling_failure_timestamp, 'NULL') || '|' || throttling_failure_count FROM otp_static_staticdevice`); s.d == sqliteDialect && raw != "Static|1|1|NULL|0" {
		t.Errorf("raw static device = %q", raw)
	}
	if got, err := s.StaticTokens(ctx, dev.ID); err != nil || !reflect.DeepEqual(got, first) {
		t.Errorf("StaticTokens = %q, %v", got, err)
	}
	for name, read := range map[string]func() (StaticDevice, error){
		"StaticDevice":      func() (StaticDevice, error) { return s.StaticDevice(ctx, 1) },
		"FirstStaticDevice": func() (StaticDevice, error) { return s.FirstStaticDevice(ctx, alice.ID) },
	} {
		if got, err := read(); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %+v, %v", name, got, err)
		}
	}

	// Regenerating keeps the device (and its throttle) and replaces the tokens.
	now := tm(t, "2026-11-25T10:00:00Z")
	if err := failed(s.ClaimStaticAttempt(ctx, dev.ID, now, allowAll)); err != nil {
		t.Fatal(err)
	}
	second := []string{"aaaaaaaa", "bbbbbbbb", "aaaaaaaa"}
	dev2, err := s.ReplaceStaticTokens(ctx, alice.ID, second)
	if err != nil {
		t.Fatal(err)
	}
	want.Throttle = Throttle{FailureCount: 1, FailureTimestamp: &now}
	if !reflect.DeepEqual(dev2, want) {
		t.Errorf("regenerated device = %+v, want %+v", dev2, want)
	}
	if got, _ := s.StaticTokens(ctx, dev.ID); !reflect.DeepEqual(got, second) {
		t.Errorf("tokens after regeneration = %q", got)
	}
	if n := count(t, s, `SELECT count(*) FROM otp_static_staticdevice`); n != 1 {
		t.Errorf("%d static devices", n)
	}

	// Use: exact match only, one row per use, and a reset throttle.
	uses := []struct {
		device int64
		token  string
		want   bool
	}{
		{dev.ID, "g5s65yen", false}, // replaced
		{dev.ID, "AAAAAAAA", false}, // case-sensitive
		{dev.ID, "aaaaaaa", false},
		{dev.ID, "aaaaaaaa%", false},
		{99, "aaaaaaaa", false},
		{dev.ID, "aaaaaaaa", true},
		{dev.ID, "aaaaaaaa", true}, // a duplicate row
		{dev.ID, "aaaaaaaa", false},
	}
	for i, u := range uses {
		if got, err := s.UseStaticToken(ctx, u.device, u.token); got != u.want || err != nil {
			t.Errorf("use %d (%q on %d) = %v, %v; want %v", i, u.token, u.device, got, err, u.want)
		}
		if i == 4 {
			if d, _ := s.StaticDevice(ctx, dev.ID); d.Throttle.FailureCount != 1 {
				t.Errorf("failed uses changed the throttle: %+v", d.Throttle)
			}
		}
	}
	if got, _ := s.StaticTokens(ctx, dev.ID); !reflect.DeepEqual(got, []string{"bbbbbbbb"}) {
		t.Errorf("tokens left = %q", got)
	}
	if d, _ := s.StaticDevice(ctx, dev.ID); d.Throttle != (Throttle{}) {
		t.Errorf("throttle after a use = %+v", d.Throttle)
	}

	// Another user's device is separate, and a token is only good on its device.
	bobDev, err := s.ReplaceStaticTokens(ctx, bob.ID, []string{"bbbbbbbb"})
	if err != nil || bobDev.ID != 2 {
		t.Fatalf("bob's device = %+v, %v", bobDev, err)
	}
	if ok, _ := s.UseStaticToken(ctx, bobDev.ID, "bbbbbbbb"); !ok {
		t.Error("bob's token refused")
	}
	if got, _ := s.StaticTokens(ctx, dev.ID); !reflect.DeepEqual(got, []string{"bbbbbbbb"}) {
		t.Errorf("alice's tokens after bob's use = %q", got)
	}
	if got, err := s.StaticTokens(ctx, 99); got != nil || err != nil {
		t.Errorf("StaticTokens of unknown device = %q, %v", got, err)
	}

	if err := failed(s.ClaimStaticAttempt(ctx, 99, now, allowAll)); !errors.Is(err, ErrNotFound) || err.Error() != "store: not found: static device 99" {
		t.Errorf("ClaimStaticAttempt on unknown device: %v", err)
	}
	if _, err := s.ReplaceStaticTokens(ctx, 42, first); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReplaceStaticTokens for unknown user: %v", err)
	}
	// An existing device is used as it is, even unconfirmed.
	if _, err := s.db.Exec(`UPDATE otp_static_staticdevice SET confirmed = false, name = 'old' WHERE id = $1`, bobDev.ID); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.ReplaceStaticTokens(ctx, bob.ID, nil); d.ID != bobDev.ID || d.Confirmed || d.Name != "old" {
		t.Errorf("ReplaceStaticTokens on an existing device = %+v", d)
	}
	if got, _ := s.StaticTokens(ctx, bobDev.ID); got != nil {
		t.Errorf("tokens after replacing with none = %q", got)
	}
}

func TestHasConfirmedDevice(t *testing.T) { eachStore(t, testHasConfirmedDevice) }

func testHasConfirmedDevice(t *testing.T, b backend) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, s *SQLite, userID int64)
		want  bool
	}{
		{"none", func(*testing.T, *SQLite, int64) {}, false},
		{"unconfirmed TOTP", func(t *testing.T, s *SQLite, id int64) {
			s.CreateTOTPDeviceIfNone(ctx, newTOTP(id))
		}, false},
		{"confirmed TOTP", func(t *testing.T, s *SQLite, id int64) {
			d := newTOTP(id)
			d.Confirmed = true
			s.CreateTOTPDeviceIfNone(ctx, d)
		}, true},
		{"static", func(t *testing.T, s *SQLite, id int64) {
			s.ReplaceStaticTokens(ctx, id, nil)
		}, true},
		{"unconfirmed static", func(t *testing.T, s *SQLite, id int64) {
			s.ReplaceStaticTokens(ctx, id, nil)
			s.db.Exec(`UPDATE otp_static_staticdevice SET confirmed = false`)
		}, false},
		{"another user's device", func(t *testing.T, s *SQLite, id int64) {
			d := newTOTP(2)
			d.Confirmed = true
			s.CreateTOTPDeviceIfNone(ctx, d)
			s.ReplaceStaticTokens(ctx, 2, nil)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := b.open(t)
			mustCreateUser(t, s, "alice@example.com")
			mustCreateUser(t, s, "bob@example.com")
			tt.setup(t, s, 1)
			if got, err := s.HasConfirmedDevice(ctx, 1); got != tt.want || err != nil {
				t.Errorf("HasConfirmedDevice = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestDeleteDevices(t *testing.T) { eachStore(t, testDeleteDevices) }

func testDeleteDevices(t *testing.T, b backend) {
	ctx := context.Background()
	// Alice gets: TOTP 1 confirmed, TOTP 2 unconfirmed, static 1 confirmed with
	// 2 tokens, static 2 unconfirmed with 1 token. Bob gets one of each, confirmed.
	setup := func(t *testing.T) *DB {
		s := b.open(t)
		mustCreateUser(t, s, "alice@example.com")
		mustCreateUser(t, s, "bob@example.com")
		for _, stmt := range []string{
			`INSERT INTO otp_totp_totpdevice (id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count) VALUES (1, '', true, 'ab', 30, 0, 6, 1, 0, -1, 1, 0), (2, '', false, 'cd', 30, 0, 6, 1, 0, -1, 1, 0), (3, '', true, 'ef', 30, 0, 6, 1, 0, -1, 2, 0)`,
			`INSERT INTO otp_static_staticdevice (id, name, confirmed, user_id, throttling_failure_count) VALUES (1, 'Static', true, 1, 0), (2, 'Static', false, 1, 0), (3, 'Static', true, 2, 0)`,
			`INSERT INTO otp_static_statictoken (token, device_id) VALUES ('a1', 1), ('a2', 1), ('a3', 2), ('b1', 3)`,
		} {
			if _, err := s.db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	ids := func(t *testing.T, s *SQLite, query string) string {
		rows, err := s.db.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var x string
			if err := rows.Scan(&x); err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name          string
		confirmedOnly bool
		secret        string
		wantTOTP      string
		wantStatic    string
		wantTokens    string
		wantSecret    string
	}{
		{"all", false, "", "3", "3", "b1", "2382347372be4f0eaad92059bca32fde"},
		{"confirmed only, rotate", true, secretB, "2,3", "2,3", "a3,b1", "12345678123456781234567812345678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t)
			if err := s.DeleteDevices(ctx, 1, tt.confirmedOnly, tt.secret); err != nil {
				t.Fatal(err)
			}
			if got := ids(t, s, `SELECT id AS x FROM otp_totp_totpdevice ORDER BY id`); got != tt.wantTOTP {
				t.Errorf("TOTP devices left = %q, want %q", got, tt.wantTOTP)
			}
			if got := ids(t, s, `SELECT id AS x FROM otp_static_staticdevice ORDER BY id`); got != tt.wantStatic {
				t.Errorf("static devices left = %q, want %q", got, tt.wantStatic)
			}
			if got := ids(t, s, `SELECT token AS x FROM otp_static_statictoken ORDER BY id`); got != tt.wantTokens {
				t.Errorf("tokens left = %q, want %q", got, tt.wantTokens)
			}
			if got := rawString(t, s, `SELECT jwt_secret FROM users WHERE id = 1`); s.d == sqliteDialect && got != tt.wantSecret {
				t.Errorf("alice's secret = %q, want %q", got, tt.wantSecret)
			}
			if got := rawString(t, s, `SELECT jwt_secret FROM users WHERE id = 2`); s.d == sqliteDialect && got != "2382347372be4f0eaad92059bca32fde" {
				t.Errorf("bob's secret changed: %q", got)
			}
		})
	}
	s := setup(t)
	if err := s.DeleteDevices(ctx, 42, false, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	if err := s.DeleteDevices(ctx, 1, false, "bad"); err == nil || err.Error() != "store: delete devices of user 1: jwt secret: not a UUID" {
		t.Errorf("bad secret: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM otp_totp_totpdevice`); n != 3 {
		t.Errorf("a failed DeleteDevices deleted devices (%d left)", n)
	}
}

// Clearing one user's throttles leaves another's alone.
func TestAdministerClearThrottleTouchesOneUser(t *testing.T) {
	eachStore(t, testAdministerClearThrottleTouchesOneUser)
}

func testAdministerClearThrottleTouchesOneUser(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	now := tm(t, "2026-11-25T10:00:00Z")
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		u := mustCreateUser(t, s, email)
		d, _, _ := s.CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID))
		sd, _ := s.ReplaceStaticTokens(ctx, u.ID, nil)
		for _, err := range []error{failed(s.ClaimTOTPAttempt(ctx, d.ID, now, allowAll)), failed(s.ClaimStaticAttempt(ctx, sd.ID, now, allowAll)), failed(s.ClaimLoginAttempt(ctx, u.ID, now, allowAll))} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Administer(ctx, AdminRequest{Action: ActionClearThrottle, UserID: 1, At: now, Actor: "carol"}); err != nil {
		t.Fatal(err)
	}
	state := func(user int64) string {
		return rawString(t, s, `SELECT
			(SELECT throttling_failure_count || coalesce(throttling_failure_timestamp, '-') FROM otp_totp_totpdevice WHERE user_id = $1) || '|' ||
			(SELECT throttling_failure_count || coalesce(throttling_failure_timestamp, '-') FROM otp_static_staticdevice WHERE user_id = $1) || '|' ||
			coalesce((SELECT failure_count || failure_timestamp FROM vsauth_login_throttle WHERE user_id = $1), 'none')`, user)
	}
	if got := state(1); s.d == sqliteDialect && got != "0-|0-|none" {
		t.Errorf("alice after clear = %q", got)
	}
	if got := state(2); s.d == sqliteDialect && got != "12026-11-25 10:00:00|12026-11-25 10:00:00|12026-11-25 10:00:00" {
		t.Errorf("bob (untouched) = %q", got)
	}
}
