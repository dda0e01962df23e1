package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server"
)

const (
	alicePW   = "S3cure-pass-xyz"
	required2 = `{"email":["This field is required."],"password":["This field is required."]}`
)

func TestCreateUser(t *testing.T) {
	f := newFixture(t, server.Compat)
	got := f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{"email":" alice@Example.COM ","password":"` + alicePW + `","id":99,"is_admin":true}`},
		201, `{"email":"alice@example.com","id":1}`)
	assertHeader(t, got.Header, "Content-Type", "application/json")
	assertHeader(t, got.Header, "Allow", "POST, OPTIONS")
	assertHeader(t, got.Header, "Vary", "Accept")
	assertHeader(t, got.Header, "X-Frame-Options", "SAMEORIGIN")
	assertHeader(t, got.Header, "Content-Length", "36")
	assertHeader(t, got.Header, "WWW-Authenticate", "")
	u := f.user("alice@example.com")
	if !u.IsActive || u.IsAdmin || u.IsSuperuser || len(u.JWTSecret) != 36 || !strings.HasPrefix(u.Password, "pbkdf2_sha256$2$") {
		t.Errorf("stored user = %+v", u)
	}
	p, err := f.Store.Profile(context.Background(), u.ID)
	if err != nil || p == nil || p.DisplayName != nil || p.About != nil || p.ProfileImage == nil || *p.ProfileImage != "" {
		t.Errorf("profile = %+v, %v", p, err)
	}

	cases := []struct {
		name, body, typ string
		status          int
		want            string
	}{
		{"empty object", `{}`, "", 400, required2},
		{"empty body with a bogus type", "", "text/plain", 400, required2},
		{"blank", `{"email":"  ","password":"\t"}`, "", 400, `{"email":["This field may not be blank."],"password":["This field may not be blank."]}`},
		{"null", `{"email":null,"password":null}`, "", 400, `{"email":["This field may not be null."],"password":["This field may not be null."]}`},
		{"duplicate", `{"email":"alice@example.com","password":"` + alicePW + `"}`, "", 400, `{"email":["user with this email address already exists."]}`},
		{"duplicate in domain case only", `{"email":"alice@EXAMPLE.com","password":"` + alicePW + `"}`, "", 400, `["Unable to create account."]`},
		{"weak password", `{"email":"bob@example.com","password":"123"}`, "", 400, `{"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
		{"similar password", `{"email":"bobsmith@example.com","password":"bobsmith1"}`, "", 400, `{"password":["The password is too similar to the email address."]}`},
		{"field errors first", `{"email":"not-an-email","password":"short"}`, "", 400, `{"email":["Enter a valid email address."]}`},
		{"long and invalid", `{"email":"` + strings.Repeat("a", 256) + `","password":"x"}`, "", 400, `{"email":["Ensure this field has no more than 255 characters.","Enter a valid email address."]}`},
		{"not a string", `{"email":true,"password":["x"]}`, "", 400, `{"email":["Enter a valid email address."],"password":["Not a valid string."]}`},
		{"malformed JSON", `{"email": "x"`, "", 400, `{"detail":"JSON parse error - Expecting ',' delimiter: line 1 column 14 (char 13)"}`},
		{"bad property", `{bad`, "", 400, `{"detail":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}`},
		{"NaN", `{"email":NaN}`, "", 400, `{"detail":"JSON parse error - Out of range float values are not JSON compliant: 'NaN'"}`},
		{"invalid UTF-8", "\xff", "", 400, `{"detail":"JSON parse error - 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"}`},
		{"unsupported type", `email=a`, "text/plain; charset=x", 415, `{"detail":"Unsupported media type \"text/plain; charset=x\" in request."}`},
		{"list body", `[1]`, "", 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{"string body", `"x"`, "", 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{"null body", `null`, "", 400, `{"non_field_errors":["No data provided"]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.expect(req{Method: "POST", Path: "/api/user/create/", Body: c.body, Type: c.typ}, c.status, c.want)
		})
	}
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: "email=a%26b%2Fc%40example.com&password=" + alicePW, Type: "application/x-www-form-urlencoded"},
		201, `{"email":"a&b/c@example.com","id":2}`)
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: "email=Alice@example.com;password=" + alicePW, Type: "application/x-www-form-urlencoded"},
		201, `{"email":"Alice@example.com","id":3}`)
	if n := countUsers(t, f); n != 3 {
		t.Errorf("users = %d, want 3: failed requests must not write", n)
	}
}

func countUsers(t *testing.T, f *fixture) int {
	t.Helper()
	users, err := f.Store.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(users)
}

func TestCreateUserWithBadJWTIs401(t *testing.T) {
	f := newFixture(t, server.Compat)
	got := f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{}`, Token: "abc"}, 401, `{"detail":"Error decoding signature."}`)
	assertHeader(t, got.Header, "WWW-Authenticate", `JWT realm="api"`)
	// Another scheme is no credentials at all.
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{}`, Header: map[string]string{"Authorization": "Bearer abc"}}, 400, required2)
}

func TestLogin(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	got := f.do(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"  ` + alicePW + ` "}`, Token: "garbage ignored here"})
	if got.Status != 200 {
		t.Fatalf("login: %d %s", got.Status, got.Body)
	}
	tok := tokenOf(t, got.Body)
	p := f.claims(tok)
	if p.UserID() != 1 || p.Username() != "alice@example.com" || p.OTPDeviceID() != "" {
		t.Errorf("claims = %v %q %q", p.UserID(), p.Username(), p.OTPDeviceID())
	}
	if _, ok := p.OrigIAT(); ok {
		t.Error("compat tokens carry no orig_iat")
	}
	wantPayload := `{"user_id":1,"username":"alice@example.com","exp":` + itoa(start.Unix()+900) + `,"otp_device_id":null}`
	if got := decodeSegment(t, tok, 1); got != wantPayload {
		t.Errorf("payload = %s, want %s", got, wantPayload)
	}
	if got := decodeSegment(t, tok, 0); got != `{"typ":"JWT","alg":"HS256"}` {
		t.Errorf("header = %s", got)
	}
	bad := `{"non_field_errors":["Unable to log in with provided credentials."]}`
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"wrong"}`}, 400, bad)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@EXAMPLE.com","password":"` + alicePW + `"}`}, 400, bad)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"nobody@example.com","password":"` + alicePW + `"}`}, 400, bad)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{}`}, 400, required2)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"","password":""}`}, 400, `{"email":["This field may not be blank."],"password":["This field may not be blank."]}`)
	f.expect(req{Method: "GET", Path: "/api/user/login/"}, 405, `{"detail":"Method \"GET\" not allowed."}`)
	f.expect(req{Method: "FOO", Path: "/api/user/login/"}, 405, `{"detail":"Method \"FOO\" not allowed."}`)
}

func TestLoginUpgradesHashIterations(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	u := f.user("alice@example.com")
	// A hash made with another count still logs in, and is re-hashed.
	if _, err := f.Store.UpdatePassword(context.Background(), u.ID, storeHash(t, alicePW, 1)); err != nil {
		t.Fatal(err)
	}
	f.login("alice@example.com", alicePW)
	if got := f.user("alice@example.com").Password; !strings.HasPrefix(got, "pbkdf2_sha256$2$") {
		t.Errorf("hash after login = %.20s…, want re-hashed with 2 iterations", got)
	}
}

func TestUserView(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	want := `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`
	got := f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 200, want)
	assertHeader(t, got.Header, "Allow", "GET, PUT, PATCH, HEAD, OPTIONS")
	head := f.expect(req{Method: "HEAD", Path: "/api/user/view/", Token: tok}, 200, "")
	assertHeader(t, head.Header, "Content-Length", itoa(int64(len(want))))

	anon := f.expect(req{Method: "GET", Path: "/api/user/view/"}, 401, `{"detail":"Authentication credentials were not provided."}`)
	assertHeader(t, anon.Header, "WWW-Authenticate", `JWT realm="api"`)
	// Authentication runs before the method check.
	f.expect(req{Method: "DELETE", Path: "/api/user/view/"}, 401, `{"detail":"Authentication credentials were not provided."}`)
	f.expect(req{Method: "DELETE", Path: "/api/user/view/", Token: tok}, 405, `{"detail":"Method \"DELETE\" not allowed."}`)
	f.expect(req{Method: "POST", Path: "/api/user/view/", Token: tok}, 405, `{"detail":"Method \"POST\" not allowed."}`)

	f.expect(req{Method: "PUT", Path: "/api/user/view/", Token: tok, Body: `{}`}, 400, `{"profile":["This field is required."]}`)
	f.expect(req{Method: "PATCH", Path: "/api/user/view/", Token: tok, Body: `{"profile":"x"}`}, 400, `{"profile":{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}}`)
	f.expect(req{Method: "PATCH", Path: "/api/user/view/", Token: tok, Body: `{"profile":{"display_name":"` + strings.Repeat("é", 156) + `"}}`}, 400,
		`{"profile":{"display_name":["Ensure this field has no more than 155 characters."]}}`)
	f.expect(req{Method: "PATCH", Path: "/api/user/view/", Token: tok, Body: `{}`}, 200, want)
	f.expect(req{Method: "PATCH", Path: "/api/user/view/", Token: tok, Body: `{"email":"x@y.z","id":7,"profile":{"display_name":" Alice <A&B> "}}`}, 200,
		`{"id":1,"email":"alice@example.com","profile":{"display_name":"Alice <A&B>","profile_image":null,"about":null}}`)
	f.expect(req{Method: "PUT", Path: "/api/user/view/", Token: tok, Body: `{"profile":{"about":"hi\u2028x"}}`}, 200,
		`{"id":1,"email":"alice@example.com","profile":{"display_name":"Alice <A&B>","profile_image":null,"about":"hi\u2028x"}}`)
	f.expect(req{Method: "PATCH", Path: "/api/user/view/", Token: tok, Body: `{"profile":{"display_name":null}}`}, 200,
		`{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":"hi\u2028x"}}`)
}

func TestAcceptAndRouting(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Header: map[string]string{"Accept": "application/xml"}}, 406, `{"detail":"Could not satisfy the request Accept header."}`)
	// Negotiation runs before authentication.
	f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Accept": "image/png"}}, 406, `{"detail":"Could not satisfy the request Accept header."}`)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{}`, Header: map[string]string{"Accept": "text/plain, application/json; indent=4"}}, 400,
		"{\n    \"email\":[\n        \"This field is required.\"\n    ],\n    \"password\":[\n        \"This field is required.\"\n    ]\n}")

	notFound := `<h1>Not Found</h1><p>The requested resource was not found on this server.</p>`
	for _, p := range []string{"/api/nope/", "/api/totp/login/12345/", "/api/totp/login/12345", "/api/static/login/ABCDEFGH/", "/password/reset/confirm/MQ/x"} {
		got := f.expect(req{Method: "GET", Path: p}, 404, notFound)
		assertHeader(t, got.Header, "Content-Type", "text/html")
		assertHeader(t, got.Header, "X-Frame-Options", "SAMEORIGIN")
		assertHeader(t, got.Header, "Vary", "")
		assertHeader(t, got.Header, "Allow", "")
	}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		got := f.expect(req{Method: m, Path: "/api/user/login?next=%2Fx&a=b", Body: `{"a":1}`}, 301, "")
		assertHeader(t, got.Header, "Location", "/api/user/login/?next=%2Fx&a=b")
		assertHeader(t, got.Header, "Content-Type", "text/html; charset=utf-8")
		assertHeader(t, got.Header, "Content-Length", "0")
		assertHeader(t, got.Header, "X-Frame-Options", "")
	}
	got := f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Host": "evil.example"}}, 400, `<h1>Bad Request (400)</h1>`)
	assertHeader(t, got.Header, "Content-Type", "text/html")
	assertHeader(t, got.Header, "X-Frame-Options", "")
	f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Host": "localhost:1234"}}, 401, `{"detail":"Authentication credentials were not provided."}`)
	f.expect(req{Method: "GET", Path: "/"}, 200, `<h1>TODO: Create Intro template</h1>`)
	opt := f.expect(req{Method: "OPTIONS", Path: "/api/user/login/"}, 200,
		`{"name":"Obtain Json Web Token","description":"API View that receives a POST with a user's username and password.\n\nReturns a JSON Web Token that can be used for authenticated requests.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"email":{"type":"string","required":true,"read_only":false,"label":"Email"},"password":{"type":"string","required":true,"read_only":false,"label":"Password"}}}}`)
	assertHeader(t, opt.Header, "Allow", "POST, OPTIONS")
	f.expect(req{Method: "OPTIONS", Path: "/api/user/view/"}, 401, `{"detail":"Authentication credentials were not provided."}`)
}

func TestIndentedJSON(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{"email":"x"}`, Header: map[string]string{"Accept": "application/json; indent=2"}}, 400,
		"{\n  \"email\":[\n    \"Enter a valid email address.\"\n  ],\n  \"password\":[\n    \"This field is required.\"\n  ]\n}")
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{}`, Header: map[string]string{"Accept": "text/html; q=0.9, application/json; indent=4"}}, 400, required2)
}

func TestMultipartBody(t *testing.T) {
	f := newFixture(t, server.Compat)
	body := "--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nalice@example.com\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n" + alicePW + "\r\n--XyZ--\r\n"
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: body, Type: "multipart/form-data; boundary=XyZ"}, 201, `{"email":"alice@example.com","id":1}`)
	f.login("alice@example.com", alicePW)
}

func TestFormatOverride(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.expect(req{Method: "POST", Path: "/api/user/login/?format=json", Body: `{}`}, 400, required2)
	f.expect(req{Method: "POST", Path: "/api/user/login/?format=xml", Body: `{}`}, 404, `{"detail":"Not found."}`)
	// Negotiation, and so the format check, comes before authentication.
	f.expect(req{Method: "GET", Path: "/api/user/view/?format=yaml"}, 404, `{"detail":"Not found."}`)
	f.expect(req{Method: "POST", Path: "/api/user/login/?format=json", Body: `{}`, Header: map[string]string{"Accept": "text/html"}}, 406, `{"detail":"Could not satisfy the request Accept header."}`)
}
