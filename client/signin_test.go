package client_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server"
)

// TestSignInSecondStep: SignIn says whether the login needs a second step,
// before and after the account enrols a TOTP device.
func TestSignInSecondStep(t *testing.T) {
	f := newFixture(t, server.Compat)
	ctx := context.Background()
	c, _ := f.signup(t, "alice@example.com", alicePW)
	anon := f.client(t)

	res, err := anon.SignIn(ctx, "alice@example.com", alicePW)
	if err != nil || res.SecondStep || res.Token == "" {
		t.Fatalf("before enrolment: %+v, %v", res, err)
	}
	url, err := c.TOTPCreate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.Code(keyOf(t, url), f.Clock.Now(), 6, 30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TOTPLogin(ctx, code); err != nil {
		t.Fatal(err)
	}
	res, err = anon.SignIn(ctx, "alice@example.com", alicePW)
	if err != nil || !res.SecondStep || res.Token == "" {
		t.Fatalf("after enrolment: %+v, %v", res, err)
	}
	// The probe used the new token, not the Client's: anon is still anonymous.
	if _, err := anon.User(ctx); !errors.Is(err, client.ErrNoToken) {
		t.Errorf("anon.User: %v, want ErrNoToken", err)
	}
	// The first-factor token finishes the login with the next step's code.
	f.Clock.Advance(30 * time.Second)
	code, _ = totp.Code(keyOf(t, url), f.Clock.Now(), 6, 30)
	second, err := f.client(t, client.WithToken(res.Token)).TOTPLogin(ctx, code)
	if err != nil || !second.OTPVerified() {
		t.Fatalf("second step: %v", err)
	}
}

// TestIsInvalidCredentials: the login refusal is recognised without
// matching strings; other 400s and errors are not it. In the hardened
// profile the throttle answers the right password the same way.
func TestIsInvalidCredentials(t *testing.T) {
	for _, profile := range []server.Profile{server.Compat, server.Hardened} {
		t.Run(string(profile), func(t *testing.T) {
			f := newFixture(t, profile)
			ctx := context.Background()
			f.signup(t, "alice@example.com", alicePW)
			anon := f.client(t)
			_, err := anon.Login(ctx, "alice@example.com", "wrong-password")
			if !client.IsInvalidCredentials(err) {
				t.Fatalf("wrong password: IsInvalidCredentials(%v) = false", err)
			}
			_, err = anon.Login(ctx, "nobody@example.com", alicePW)
			if !client.IsInvalidCredentials(err) {
				t.Fatalf("unknown account: IsInvalidCredentials(%v) = false", err)
			}
			_, err = anon.Login(ctx, "alice@example.com", alicePW)
			if locked := client.IsInvalidCredentials(err); locked != (profile == server.Hardened) {
				t.Errorf("right password just after failures: IsInvalidCredentials = %v (%v)", locked, err)
			}
			_, err = anon.CreateUser(ctx, "alice@example.com", alicePW)
			for _, e := range []error{err, client.ErrNoToken, fmt.Errorf("wrapped: %w", client.ErrCodeRejected), nil} {
				if client.IsInvalidCredentials(e) {
					t.Errorf("IsInvalidCredentials(%v) = true", e)
				}
			}
		})
	}
}
