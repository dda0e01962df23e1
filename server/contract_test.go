package server_test

import (
	"testing"

	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/authtoken"
)

// Examples from API.md that the walkthrough tests do not reach.

func TestCreateFieldRules(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, c := range []struct{ body, want string }{
		{`{"email":"a\u0000b@example.com","password":"S3cure-pass-xyz"}`, `{"email":["Null characters are not allowed.","Enter a valid email address."]}`},
		{`{"email":12345678,"password":"S3cure-pass-xyz"}`, `{"email":["Enter a valid email address."]}`},
		{`{"email":"a@b","password":"S3cure-pass-xyz"}`, `{"email":["Enter a valid email address."]}`},
		{`{"email":"a@example.com.","password":"S3cure-pass-xyz"}`, `{"email":["Enter a valid email address."]}`},
		{`{"email":"x@example.com","password":"12345678"}`, `{"password":["This password is too common.","This password is entirely numeric."]}`},
		{`{"email":"x@example.com","password":"²³¹²³¹²³¹"}`, `{"password":["This password is entirely numeric."]}`},
	} {
		f.expect(req{Method: "POST", Path: "/api/user/create/", Body: c.body}, 400, c.want)
	}
	for _, c := range []struct{ body, want string }{
		{`{"email":"a@localhost","password":"S3cure-pass-xyz"}`, `{"email":"a@localhost","id":1}`},
		{`{"email":"a@[127.0.0.1]","password":"S3cure-pass-xyz"}`, `{"email":"a@[127.0.0.1]","id":2}`},
		{`{"email":"a@exämple.com","password":"S3cure-pass-xyz"}`, `{"email":"a@exämple.com","id":3}`},
		{`{"email":"\"quoted\"@example.com","password":"S3cure-pass-xyz"}`, `{"email":"\"quoted\"@example.com","id":4}`},
		{`{"email":"A@EXAMPLE.COM","password":"S3cure-pass-xyz"}`, `{"email":"A@example.com","id":5}`},
		{`{"email":"a@EXAMPLE.COM","password":"S3cure-pass-xyz"}`, `{"email":"a@example.com","id":6}`},
	} {
		f.expect(req{Method: "POST", Path: "/api/user/create/", Body: c.body}, 201, c.want)
	}
}

func TestStaticCodesWithoutTOTPLockCompatUsersIn(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	// D13 as the original: codes without a TOTP device, then the gate bites.
	codes := staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: tok}))
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 403, forbiddenOTP)
	got := f.do(req{Method: "POST", Path: "/api/static/login/" + codes[5] + "/", Token: tok})
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tokenOf(t, got.Body)}, 200,
		`{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`)
	// A 7-character code is a valid path shape, just not a code.
	f.expect(req{Method: "POST", Path: "/api/static/login/abcdefg/", Token: tok}, 400, "")
	f.expect(req{Method: "POST", Path: "/api/static/login/abcdef/", Token: tok}, 404, `<h1>Not Found</h1><p>The requested resource was not found on this server.</p>`)
}

func TestTOTPDeleteWithoutDevices(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	got := f.do(req{Method: "POST", Path: "/api/totp/delete/", Token: tok, Body: "ignored", Type: "text/plain"})
	if got.Status != 200 {
		t.Fatalf("totp delete with no device: %d %s", got.Status, got.Body)
	}
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 401, `{"detail":"Error decoding signature."}`)
	f.expect(req{Method: "GET", Path: "/api/totp/delete/", Token: tokenOf(t, got.Body)}, 405, `{"detail":"Method \"GET\" not allowed."}`)
	// Compat keeps an unconfirmed device across TOTP delete (D13).
	tok = tokenOf(t, got.Body)
	key := f.enrol(tok)
	tok = tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/delete/", Token: tok}).Body)
	if again := f.enrol(tok); again != key {
		t.Fatal("compat: the unconfirmed device should survive TOTP delete")
	}
}

func TestRefreshRefusesWhatTheOriginalCrashedOn(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	u := f.user("alice@example.com")
	iat := start.Unix()
	nbf := authtoken.Sign(authtoken.Claims{UserID: u.ID, Username: u.Email, Exp: start.Unix() + 900, OrigIAT: &iat}, "wrong-key")
	// D2: a bad signature, like a disallowed alg, is a 400 decode error.
	f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + nbf + `"}`}, 400, `{"non_field_errors":["Error decoding signature."]}`)
	none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ1c2VyX2lkIjoxLCJ1c2VybmFtZSI6ImFsaWNlQGV4YW1wbGUuY29tIn0."
	f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + none + `"}`}, 400, `{"non_field_errors":["Error decoding signature."]}`)
	f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Authorization": "JWT " + none}}, 401, `{"detail":"Incorrect authentication credentials."}`)
	expired := authtoken.Sign(authtoken.Claims{UserID: u.ID, Username: u.Email, Exp: start.Unix() - 1}, u.JWTSecret)
	f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + expired + `"}`}, 400, `{"non_field_errors":["Signature has expired."]}`)
	gone := authtoken.Sign(authtoken.Claims{UserID: u.ID, Username: "bob@example.com", Exp: start.Unix() + 900}, u.JWTSecret)
	f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + gone + `"}`}, 400, `{"non_field_errors":["User doesn't exist."]}`)
	nameless := authtoken.Sign(authtoken.Claims{UserID: u.ID, Exp: start.Unix() + 900}, u.JWTSecret)
	f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + nameless + `"}`}, 400, `{"non_field_errors":["Invalid payload."]}`)
}

// TestKeyAndUserComeFromDifferentClaims pins §2.2 b/h: the key is looked up
// by user_id, the authenticated user by username, even when they differ.
func TestKeyAndUserComeFromDifferentClaims(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	f.createUser("bob@example.com", alicePW)
	alice := f.user("alice@example.com")
	tok := authtoken.Sign(authtoken.Claims{UserID: alice.ID, Username: "bob@example.com", Exp: start.Unix() + 900}, alice.JWTSecret)
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 200,
		`{"id":2,"email":"bob@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`)
}
