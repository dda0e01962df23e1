package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/resettoken"
)

const newPW = "An0ther-long-pass"

func TestPasswordChange(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	path := "/api/user/password/change/"
	f.expect(req{Method: "POST", Path: path, Body: `{}`}, 401, `{"detail":"Authentication credentials were not provided."}`)
	f.expect(req{Method: "POST", Path: path, Token: tok, Body: `{}`}, 400, `{"new_password":["This field is required."],"current_password":["This field is required."]}`)
	f.expect(req{Method: "POST", Path: path, Token: tok, Body: `{"new_password":"x","current_password":"wrong"}`}, 400, `{"current_password":["Invalid password."]}`)
	f.expect(req{Method: "POST", Path: path, Token: tok, Body: `{"new_password":"alice@example","current_password":"` + alicePW + `"}`}, 400,
		`{"new_password":["The password is too similar to the email address."]}`)
	before := f.user("alice@example.com")
	got := f.expect(req{Method: "POST", Path: path, Token: tok, Body: `{"new_password":"` + newPW + `","current_password":"` + alicePW + `","re_new_password":"ignored"}`}, 204, "")
	assertHeader(t, got.Header, "Content-Type", "")
	// Django sends Content-Length: 0 on a 204; Go's server never sends one
	// there, as RFC 9110 requires.
	assertHeader(t, got.Header, "Content-Length", "")
	after := f.user("alice@example.com")
	if after.Password == before.Password || after.JWTSecret != before.JWTSecret {
		t.Error("compat: the hash changes and jwt_secret stays (D5)")
	}
	f.login("alice@example.com", newPW)
	// D5 in compat: the old token still works.
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 200, `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`)
}

func TestLogoutAllAndDelete(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	tok2 := f.login("alice@example.com", alicePW)
	f.expect(req{Method: "GET", Path: "/api/user/logout/all/"}, 401, `{"detail":"Authentication credentials were not provided."}`)
	f.expect(req{Method: "GET", Path: "/api/user/logout/all/", Token: tok}, 405, `{"detail":"Method \"GET\" not allowed."}`)
	f.expect(req{Method: "POST", Path: "/api/user/logout/all/", Token: tok, Body: `{not json`}, 204, "")
	for _, tk := range []string{tok, tok2} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tk}, 401, `{"detail":"Error decoding signature."}`)
	}
	tok = f.login("alice@example.com", alicePW)
	f.expect(req{Method: "POST", Path: "/api/user/delete/", Token: tok, Body: `{}`}, 400, `{"current_password":["This field is required."]}`)
	f.expect(req{Method: "POST", Path: "/api/user/delete/", Token: tok, Body: `{"current_password":"nope"}`}, 400, `{"current_password":["Invalid password."]}`)
	f.expect(req{Method: "DELETE", Path: "/api/user/delete/", Token: tok}, 405, `{"detail":"Method \"DELETE\" not allowed."}`)
	f.expect(req{Method: "POST", Path: "/api/user/delete/", Token: tok, Body: "current_password=" + alicePW, Type: "application/x-www-form-urlencoded"}, 204, "")
	if n := countUsers(t, f); n != 0 {
		t.Fatalf("users after delete = %d", n)
	}
	// D1: the original crashed on a deleted user's token; vsauth says 401.
	got := f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 401, `{"detail":"Error decoding signature."}`)
	assertHeader(t, got.Header, "WWW-Authenticate", `JWT realm="api"`)
	f.expect(req{Method: "POST", Path: "/api/user/create/", Token: tok, Body: `{}`}, 401, `{"detail":"Error decoding signature."}`)
	f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + tok + `"}`}, 400, `{"non_field_errors":["Error decoding signature."]}`)
}

func TestTokenErrors(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	u := f.user("alice@example.com")
	now := start.Unix()
	sign := func(c authtoken.Claims, key string) string { return authtoken.Sign(c, key) }
	good := authtoken.Claims{UserID: u.ID, Username: u.Email, Exp: now + 900}
	cases := []struct {
		name, header, want string
	}{
		{"no credentials", "JWT", `Invalid Authorization header. No credentials provided.`},
		{"spaces", "JWT a b", `Invalid Authorization header. Credentials string should not contain spaces.`},
		{"garbage", "JWT abc", `Error decoding signature.`},
		{"wrong key", "jwt " + sign(good, "12345678-1234-5678-1234-567812345678"), `Error decoding signature.`},
		{"expired", "JWT " + sign(authtoken.Claims{UserID: u.ID, Username: u.Email, Exp: now - 1}, u.JWTSecret), `Signature has expired.`},
		{"unknown user id", "JWT " + sign(authtoken.Claims{UserID: 42, Username: u.Email, Exp: now + 900}, u.JWTSecret), `Error decoding signature.`},
		{"no username", "JWT " + sign(authtoken.Claims{UserID: u.ID, Exp: now + 900}, u.JWTSecret), `Invalid payload.`},
		{"other username", "JWT " + sign(authtoken.Claims{UserID: u.ID, Username: "ALICE@example.com", Exp: now + 900}, u.JWTSecret), `Invalid signature.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Authorization": c.header}}, 401, `{"detail":"`+c.want+`"}`)
			assertHeader(t, got.Header, "WWW-Authenticate", `JWT realm="api"`)
		})
	}
	f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Authorization": "\tjwt\t" + sign(good, u.JWTSecret) + " "}}, 200,
		`{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`)
}

func TestRefresh(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	path := "/api/user/login/refresh/"
	f.expect(req{Method: "POST", Path: path, Body: `{}`}, 400, `{"token":["This field is required."]}`)
	f.expect(req{Method: "POST", Path: path, Body: `{"token":" "}`}, 400, `{"token":["This field may not be blank."]}`)
	f.expect(req{Method: "POST", Path: path, Body: `{"token":"` + tok + `"}`}, 400, `{"non_field_errors":["orig_iat field is required."]}`)
	f.expect(req{Method: "POST", Path: path, Body: `{"token":"x.y.z"}`}, 400, `{"non_field_errors":["Error decoding signature."]}`)
	u := f.user("alice@example.com")
	iat := start.Unix() - 100
	dev := "otp_totp.totpdevice/1"
	hand := authtoken.Sign(authtoken.Claims{UserID: u.ID, Username: u.Email, Exp: start.Unix() + 10, OTPDeviceID: &dev, OrigIAT: &iat}, u.JWTSecret)
	f.Clock.Advance(5 * time.Second)
	got := f.do(req{Method: "POST", Path: path, Body: `{"token":"` + hand + `"}`})
	if got.Status != 200 {
		t.Fatalf("refresh of a token with orig_iat: %d %s", got.Status, got.Body)
	}
	// orig_iat moves to the end and the device is dropped (§2.5).
	want := `{"user_id":1,"username":"alice@example.com","exp":` + itoa(start.Unix()+905) + `,"otp_device_id":null,"orig_iat":` + itoa(iat) + `}`
	if p := decodeSegment(t, tokenOf(t, got.Body), 1); p != want {
		t.Errorf("refreshed payload = %s, want %s", p, want)
	}
	old := start.Unix() - 604806
	expired := authtoken.Sign(authtoken.Claims{UserID: u.ID, Username: u.Email, Exp: start.Unix() + 900, OrigIAT: &old}, u.JWTSecret)
	f.expect(req{Method: "POST", Path: path, Body: `{"token":"` + expired + `"}`}, 400, `{"non_field_errors":["Refresh has expired."]}`)
}

func TestPasswordResetByMail(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	oldTok := f.login("alice@example.com", alicePW)
	path := "/api/user/password/reset/"
	f.expect(req{Method: "POST", Path: path, Body: `{}`}, 400, `{"email":["This field is required."]}`)
	f.expect(req{Method: "POST", Path: path, Body: `{"email":"nope"}`}, 400, `{"email":["Enter a valid email address."]}`)
	f.expect(req{Method: "POST", Path: path, Body: `{"email":"nobody@example.com"}`}, 204, "")
	if n := len(f.Mail.All()); n != 0 {
		t.Fatalf("mail sent for an unknown address: %d", n)
	}
	f.expect(req{Method: "POST", Path: path, Body: `{"email":"ALICE@example.COM"}`, Header: map[string]string{"Host": "localhost:8000"}}, 204, "")
	msgs := f.Mail.All()
	if len(msgs) != 1 {
		t.Fatalf("mails = %d", len(msgs))
	}
	m := msgs[0]
	uid := resettoken.EncodeUID(1)
	u := f.user("alice@example.com")
	token := resettoken.Generator{SecretKey: servertest.SecretKey}.Make(u.ID, u.Password, u.LastLogin, start)
	link := "http://localhost:8000/password/reset/confirm/" + uid + "/" + token
	wantText := "You're receiving this email because you requested a password reset for your user account at localhost:8000.\n\nPlease go to the following page and choose a new password:\n" +
		link + "\nYour username, in case you've forgotten: alice@example.com\n\nThanks for using our site!\n\nThe localhost:8000 team"
	if m.To != "alice@example.com" || m.From != "webmaster@localhost" || m.Subject != "Password reset on localhost:8000" || m.Text != wantText {
		t.Errorf("mail = %+v\nwant text %q", m, wantText)
	}
	if !strings.Contains(m.HTML, `<a href="`+link+`">`+link+`</a>`) {
		t.Errorf("html part lacks the link: %s", m.HTML)
	}

	confirm := "/api/user/password/reset/confirm/"
	f.expect(req{Method: "POST", Path: confirm, Body: `{}`}, 400, `{"uid":["This field is required."],"token":["This field is required."],"new_password":["This field is required."]}`)
	f.expect(req{Method: "POST", Path: confirm, Body: `{"uid":"OTk","token":"` + token + `","new_password":"` + newPW + `"}`}, 400, `{"uid":["Invalid user id or user doesn't exist."]}`)
	f.expect(req{Method: "POST", Path: confirm, Body: `{"uid":"` + uid + `","token":"bad-token","new_password":"short"}`}, 400, `{"new_password":["This password is too short. It must contain at least 8 characters."]}`)
	f.expect(req{Method: "POST", Path: confirm, Body: `{"uid":"` + uid + `","token":"bad-token","new_password":"` + newPW + `"}`}, 400, `{"non_field_errors":["Invalid token for given user."]}`)
	// D7 in compat: the similarity check looks at the anonymous request user.
	f.expect(req{Method: "POST", Path: confirm, Body: `{"uid":"` + uid + `","token":"` + token + `","new_password":"alice@example"}`}, 204, "")
	f.expect(req{Method: "POST", Path: confirm, Body: `{"uid":"` + uid + `","token":"` + token + `","new_password":"` + newPW + `"}`}, 400, `{"non_field_errors":["Invalid token for given user."]}`)
	f.login("alice@example.com", "alice@example")
	after := f.user("alice@example.com")
	if after.LastLogin == nil || !after.LastLogin.Equal(start) {
		t.Errorf("last_login = %v, want %v", after.LastLogin, start)
	}
	// D5 in compat: old tokens survive a reset.
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: oldTok}, 200, `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`)
}

func TestResetTokenExpiresAfterThreeDays(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"alice@example.com"}`}, 204, "")
	u := f.user("alice@example.com")
	token := resettoken.Generator{SecretKey: servertest.SecretKey}.Make(u.ID, u.Password, u.LastLogin, start)
	f.Clock.Advance(4 * 24 * time.Hour)
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/confirm/", Body: `{"uid":"MQ","token":"` + token + `","new_password":"` + newPW + `"}`}, 400, `{"non_field_errors":["Invalid token for given user."]}`)
}
