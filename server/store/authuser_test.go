package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestAuthUser(t *testing.T) { eachStore(t, testAuthUser) }

// testAuthUser checks the one-statement read against the separate reads it
// replaces, in a world where each device check has a way to go wrong:
// alice has TOTP 1 (confirmed) and static 1 (unconfirmed), bob TOTP 2
// (unconfirmed) and static 2 (confirmed), carol no device and no profile.
func testAuthUser(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	alice := newUser(t, "alice@example.com")
	alice.LastLogin = tmp(t, "2026-11-26T01:02:03.000004Z")
	if _, err := s.CreateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	mustCreateUser(t, s, "bob@example.com")
	mustCreateUser(t, s, "carol@example.com")
	d := newTOTP(1)
	d.Confirmed = true
	for _, d := range []TOTPDevice{d, newTOTP(2)} {
		if _, _, err := s.CreateTOTPDeviceIfNone(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{1, 2} {
		if _, err := s.ReplaceStaticTokens(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
	}
	name := "Alice"
	if _, err := s.UpdateProfile(ctx, 1, ProfileUpdate{SetDisplayName: true, DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE otp_static_staticdevice SET confirmed = false WHERE id = 1`,
		`DELETE FROM account_profile WHERE user_id = 3`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	totp := func(id int64) *DeviceRef { return &DeviceRef{ID: id} }
	static := func(id int64) *DeviceRef { return &DeviceRef{Static: true, ID: id} }
	tests := []struct {
		user      int64
		device    *DeviceRef
		has, conf bool
	}{
		{1, nil, true, false},
		{1, totp(1), true, true},
		{1, totp(2), true, false},   // bob's
		{1, static(1), true, false}, // alice's, unconfirmed: the id of her TOTP device, another table
		{1, static(2), true, false}, // bob's
		{1, totp(99), true, false},  // gone
		{1, totp(1 << 40), true, false},
		{1, totp(-1 << 40), true, false},
		{2, totp(2), true, false}, // unconfirmed
		{2, static(2), true, true},
		{2, totp(1), true, false},
		{3, nil, false, false},
		{3, totp(1), false, false},
	}
	for _, tt := range tests {
		got, err := s.AuthUser(ctx, tt.user, tt.device)
		if err != nil {
			t.Errorf("AuthUser(%d, %+v): %v", tt.user, tt.device, err)
			continue
		}
		if got.HasConfirmedDevice != tt.has || got.DeviceConfirmed != tt.conf {
			t.Errorf("AuthUser(%d, %+v) = has %v, confirmed %v; want %v, %v", tt.user, tt.device, got.HasConfirmedDevice, got.DeviceConfirmed, tt.has, tt.conf)
		}
		u, err := s.UserByID(ctx, tt.user)
		if err != nil || !reflect.DeepEqual(got.User, u) {
			t.Errorf("AuthUser(%d).User = %+v, UserByID = %+v, %v", tt.user, got.User, u, err)
		}
		p, err := s.Profile(ctx, tt.user)
		if err != nil || !reflect.DeepEqual(got.Profile, p) {
			t.Errorf("AuthUser(%d).Profile = %+v, Profile = %+v, %v", tt.user, got.Profile, p, err)
		}
	}
	a, _ := s.AuthUser(ctx, 1, nil)
	if want := (Profile{DisplayName: &name, ProfileImage: strp("")}); a.Profile == nil || !reflect.DeepEqual(*a.Profile, want) {
		t.Errorf("alice's profile = %+v", a.Profile)
	}
	if a.LastLogin == nil || !a.LastLogin.Equal(time.Date(2026, 11, 26, 1, 2, 3, 4000, time.UTC)) ||
		!a.DateJoined.Equal(time.Date(2026, 11, 25, 10, 11, 12, 345678000, time.UTC)) || a.Email != "alice@example.com" {
		t.Errorf("alice = %+v", a.User)
	}
	if c, _ := s.AuthUser(ctx, 3, nil); c.Profile != nil {
		t.Errorf("carol's profile = %+v, want none", c.Profile)
	}
	// Ids no row has, including ones PostgreSQL's integer column cannot
	// hold (a token's user_id is anyone's to choose).
	for _, id := range []int64{4, 0, -1, 1 << 40, -1 << 40} {
		if _, err := s.AuthUser(ctx, id, totp(1)); !errors.Is(err, ErrNotFound) {
			t.Errorf("AuthUser(%d) = %v, want ErrNotFound", id, err)
		}
		if _, err := s.UserByID(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("UserByID(%d) = %v, want ErrNotFound", id, err)
		}
		if _, err := s.TOTPDevice(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("TOTPDevice(%d) = %v, want ErrNotFound", id, err)
		}
		if _, err := s.StaticDevice(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("StaticDevice(%d) = %v, want ErrNotFound", id, err)
		}
	}
}
