package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/resettoken"
)

func TestHardenedTwoFactor(t *testing.T) {
	f := newFixture(t, server.Hardened)
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	if _, ok := f.claims(first).OrigIAT(); !ok {
		t.Fatal("hardened tokens carry orig_iat (D11)")
	}
	// D13: no emergency codes without a confirmed TOTP device.
	f.expect(req{Method: "GET", Path: "/api/static/create/", Token: first}, 409, `{"detail":"Verify a TOTP device before creating emergency codes."}`)
	key := f.enrol(first)
	verified := tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: first}).Body)
	// D4: the confirmed secret is never shown again.
	f.expect(req{Method: "GET", Path: "/api/totp/create/", Token: verified}, 409, `{"detail":"A confirmed TOTP device exists; its secret is not shown again. Delete it to enrol a new one."}`)
	// D6: password change and logout-all need the second factor.
	f.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: first, Body: `{}`}, 403, forbiddenOTP)
	f.expect(req{Method: "POST", Path: "/api/user/logout/all/", Token: first}, 403, forbiddenOTP)
	// D11: refresh works and keeps the device while it is confirmed.
	got := f.do(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + verified + `"}`})
	if got.Status != 200 || f.claims(tokenOf(t, got.Body)).OTPDeviceID() != "otp_totp.totpdevice/1" {
		t.Fatalf("refresh: %d %s", got.Status, got.Body)
	}
	codes := staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified}))

	// D8: after n failures, wait 2^(n-1) s before the next check.
	wrong := f.code(key, 90*time.Second)
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + wrong + "/", Token: first}, 400, "")
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + wrong + "/", Token: first}, 400, "") // locked: not even counted
	dev, _ := f.Store.FirstTOTPDevice(context.Background(), 1)
	if dev.Throttle.FailureCount != 1 {
		t.Fatalf("failure count = %d, want 1", dev.Throttle.FailureCount)
	}
	// A right code is refused while locked.
	f.Clock.Advance(30 * time.Second) // past the lock, and a fresh step
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + wrong + "/", Token: first}, 400, "")
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: first}, 400, "")
	f.Clock.Advance(2 * time.Second)
	if got := f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: first}); got.Status != 201 {
		t.Fatalf("right code after the lock: %d", got.Status)
	}
	dev, _ = f.Store.FirstTOTPDevice(context.Background(), 1)
	if dev.Throttle.FailureCount != 0 {
		t.Fatalf("success must reset the throttle, count = %d", dev.Throttle.FailureCount)
	}
	f.expect(req{Method: "POST", Path: "/api/static/login/aaaaaaaa/", Token: first}, 400, "")
	f.expect(req{Method: "POST", Path: "/api/static/login/" + codes[0] + "/", Token: first}, 400, "") // locked
	f.Clock.Advance(time.Second)
	if got := f.do(req{Method: "POST", Path: "/api/static/login/" + codes[0] + "/", Token: first}); got.Status != 201 {
		t.Fatalf("code after the lock: %d", got.Status)
	}

	// D13: TOTP delete removes every device, so a new secret comes next time.
	after := tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/delete/", Token: verified}).Body)
	if _, err := f.Store.FirstStaticDevice(context.Background(), 1); err == nil {
		t.Fatal("static device survived")
	}
	if again := f.enrol(after); again == key {
		t.Fatal("old secret came back")
	}
	if _, err := f.Store.FirstTOTPDevice(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
}

func TestHardenedPasswords(t *testing.T) {
	f := newFixture(t, server.Hardened)
	f.createUser("alice@example.com", alicePW)
	// D14: the domain is normalized before the uniqueness check and at login.
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{"email":"alice@EXAMPLE.com","password":"` + alicePW + `"}`}, 400, `{"email":["user with this email address already exists."]}`)
	tok := f.login("alice@EXAMPLE.COM", alicePW)
	// D5: a password change ends every session.
	f.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: tok, Body: `{"new_password":"` + newPW + `","current_password":"` + alicePW + `"}`}, 204, "")
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 401, `{"detail":"Error decoding signature."}`)
	tok = f.login("alice@example.com", newPW)
	u := f.user("alice@example.com")
	token := resettoken.Generator{SecretKey: servertest.SecretKey}.Make(u.ID, u.Password, u.LastLogin, start)
	// D7: the similarity check compares with the reset's target user.
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/confirm/", Body: `{"uid":"MQ","token":"` + token + `","new_password":"alice@example"}`}, 400,
		`{"new_password":["The password is too similar to the email address."]}`)
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/confirm/", Body: `{"uid":"MQ","token":"` + token + `","new_password":"` + alicePW + `"}`}, 204, "")
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 401, `{"detail":"Error decoding signature."}`)

	// D10: the reset mail goes out after the answer.
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"alice@example.com"}`}, 204, "")
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"nobody@example.com"}`}, 204, "")
	f.API.Wait()
	if msgs := f.Mail.All(); len(msgs) != 1 || msgs[0].To != "alice@example.com" {
		t.Fatalf("reset mail = %+v", msgs)
	}

	// Failed logins are throttled per account.
	bad := `{"non_field_errors":["Unable to log in with provided credentials."]}`
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"wrong"}`}, 400, bad)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"` + alicePW + `"}`}, 400, bad)
	f.Clock.Advance(time.Second)
	f.login("alice@example.com", alicePW)
}
