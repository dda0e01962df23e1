package server_test

// A statement-by-statement audit of API.md §1, §2, §3, §5, §6 and §7 against
// the server: each test names the section whose observable statements it
// pins down, for what the walkthrough tests above do not already assert.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/resettoken"
	"github.com/virtualspaces/vsauth/server/store"
)

const (
	notFoundPage   = `<h1>Not Found</h1><p>The requested resource was not found on this server.</p>`
	notProvided    = `{"detail":"Authentication credentials were not provided."}`
	decodeError    = `{"detail":"Error decoding signature."}`
	incorrectCreds = `{"detail":"Incorrect authentication credentials."}`
	aliceBody      = `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`
	allowPost      = "POST, OPTIONS"
	allowGet       = "GET, HEAD, OPTIONS"
	allowUserView  = "GET, PUT, PATCH, HEAD, OPTIONS"
)

// rawJWT signs an arbitrary header and payload with HS256, for tokens the
// server would never mint.
func rawJWT(header, payload, key string) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(in))
	return in + "." + enc.EncodeToString(mac.Sum(nil))
}

const jwtHeader = `{"typ":"JWT","alg":"HS256"}`

// assertAPIHeaders checks the header set every API view response carries
// (§1.3, §1.5): Allow, Vary, X-Frame-Options, Content-Length, a JSON
// Content-Type unless bodiless, WWW-Authenticate only on 401, and none of
// the headers the original never sends.
func assertAPIHeaders(t *testing.T, r resp, allow string) {
	t.Helper()
	assertHeader(t, r.Header, "Allow", allow)
	assertHeader(t, r.Header, "Vary", "Accept")
	assertHeader(t, r.Header, "X-Frame-Options", "SAMEORIGIN")
	if r.Status != http.StatusNoContent {
		assertHeader(t, r.Header, "Content-Length", strconv.Itoa(len(r.Body)))
	}
	if r.Body == "" {
		assertHeader(t, r.Header, "Content-Type", "")
	} else {
		assertHeader(t, r.Header, "Content-Type", "application/json")
	}
	if r.Status == http.StatusUnauthorized {
		assertHeader(t, r.Header, "WWW-Authenticate", `JWT realm="api"`)
	} else {
		assertHeader(t, r.Header, "WWW-Authenticate", "")
	}
	assertNoExtraHeaders(t, r)
}

// assertNoExtraHeaders is §1.3's "no other security headers", no cookies,
// no CORS, and §1.5's no throttling headers.
func assertNoExtraHeaders(t *testing.T, r resp) {
	t.Helper()
	for _, h := range []string{"Set-Cookie", "X-Content-Type-Options", "Strict-Transport-Security", "Referrer-Policy",
		"Access-Control-Allow-Origin", "Retry-After", "Location", "Cache-Control", "X-Xss-Protection"} {
		assertHeader(t, r.Header, h, "")
	}
}

var otpSecretRE = regexp.MustCompile(`^"otpauth://totp/[^?]+\?secret=([A-Z2-7]{32})&algorithm=SHA1&digits=6&period=30"$`)

// enrolAndVerify confirms a TOTP device and returns the key and the
// verified token.
func (f *fixture) enrolAndVerify(first string) (key, verified string) {
	f.t.Helper()
	enrolled := f.do(req{Method: "GET", Path: "/api/totp/create/", Token: first})
	m := otpSecretRE.FindStringSubmatch(enrolled.Body)
	if enrolled.Status != 201 || m == nil {
		f.t.Fatalf("totp create: %d %s", enrolled.Status, enrolled.Body)
	}
	raw, err := base32.StdEncoding.DecodeString(m[1])
	if err != nil {
		f.t.Fatal(err)
	}
	key = hex.EncodeToString(raw)
	got := f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: first})
	if got.Status != 201 {
		f.t.Fatalf("totp login: %d %s", got.Status, got.Body)
	}
	return key, tokenOf(f.t, got.Body)
}

// addUser stores a user directly, for states the API cannot reach
// (inactive, unusable password).
func (f *fixture) addUser(email, encodedPW string, active bool) store.User {
	f.t.Helper()
	u, err := f.Store.CreateUser(context.Background(), store.User{
		Email: email, Password: encodedPW, IsActive: active,
		JWTSecret: "0b0b0b0b-1111-4222-8333-444444444444", DateJoined: start,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// §1.3, §1.5: the header set on every kind of API view answer.
func TestAuditAPIViewHeaders(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	bob := func() string {
		f.createUser("bob@example.com", alicePW)
		tk := f.login("bob@example.com", alicePW)
		f.enrolAndVerify(tk)
		return tk
	}()
	cases := []struct {
		name   string
		r      req
		status int
		body   string
		allow  string
	}{
		{"201 create", req{Method: "POST", Path: "/api/user/create/", Body: `{"email":"carol@example.com","password":"` + alicePW + `"}`}, 201, `{"email":"carol@example.com","id":3}`, allowPost},
		{"200 view", req{Method: "GET", Path: "/api/user/view/", Token: tok}, 200, aliceBody, allowUserView},
		{"200 api root", req{Method: "GET", Path: "/api/", Header: map[string]string{"Host": "localhost:8000"}}, 200,
			`{"spaces":"http://localhost:8000/api/spaces/","threads":"http://localhost:8000/api/threads/"}`, allowGet},
		{"400 fields", req{Method: "POST", Path: "/api/user/login/", Body: `{}`}, 400, required2, allowPost},
		{"400 parse", req{Method: "POST", Path: "/api/user/login/", Body: `{bad`}, 400, `{"detail":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}`, allowPost},
		{"400 bare", req{Method: "POST", Path: "/api/static/login/aaaaaaaa/", Token: tok}, 400, "", allowPost},
		{"401 anonymous", req{Method: "GET", Path: "/api/user/view/"}, 401, notProvided, allowUserView},
		{"401 bad token", req{Method: "POST", Path: "/api/user/password/reset/", Token: "x"}, 401, decodeError, allowPost},
		{"401 on a method the view lacks", req{Method: "DELETE", Path: "/api/totp/create/"}, 401, notProvided, allowGet},
		{"403 gate", req{Method: "GET", Path: "/api/static/create/", Token: bob}, 403, forbiddenOTP, allowGet},
		{"405", req{Method: "PUT", Path: "/api/user/login/"}, 405, `{"detail":"Method \"PUT\" not allowed."}`, allowPost},
		{"405 lower-case method", req{Method: "get", Path: "/api/user/login/"}, 405, `{"detail":"Method \"GET\" not allowed."}`, allowPost},
		{"406", req{Method: "GET", Path: "/api/totp/create/", Header: map[string]string{"Accept": "text/plain"}}, 406, `{"detail":"Could not satisfy the request Accept header."}`, allowGet},
		{"406 beats a bad token", req{Method: "POST", Path: "/api/user/create/", Token: "x", Header: map[string]string{"Accept": "application/xml"}}, 406, `{"detail":"Could not satisfy the request Accept header."}`, allowPost},
		{"415", req{Method: "POST", Path: "/api/user/password/reset/", Body: "x", Type: "text/csv"}, 415, `{"detail":"Unsupported media type \"text/csv\" in request."}`, allowPost},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := f.expect(c.r, c.status, c.body)
			assertAPIHeaders(t, got, c.allow)
		})
	}
	// 204: no Content-Type, and the same view headers.
	got := f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"nobody@example.com"}`}, 204, "")
	assertAPIHeaders(t, got, allowPost)
}

// §1.3: a missing Accept, */*, application/* and text/html all get JSON;
// negotiation runs before authentication.
func TestAuditAcceptNegotiation(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, accept := range []string{"", "*/*", "application/*", "application/json", "text/html", "text/*", "text/plain, */*;q=0.1", "application/json; charset=utf-8"} {
		h := map[string]string{}
		if accept != "" {
			h["Accept"] = accept
		}
		got := f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{}`, Header: h}, 400, required2)
		assertHeader(t, got.Header, "Content-Type", "application/json")
	}
	for _, accept := range []string{"application/xml", "image/*", "text/plain"} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Accept": accept}}, 406, `{"detail":"Could not satisfy the request Accept header."}`)
	}
}

// §1.3 HEAD: GET's status and headers (Content-Length included), no body; a
// view without GET answers 405 with that body's length.
func TestAuditHead(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	cases := []struct {
		path   string
		status int
		body   string
		allow  string
	}{
		{"/api/user/login/", 405, `{"detail":"Method \"HEAD\" not allowed."}`, allowPost},
		{"/api/user/create/", 405, `{"detail":"Method \"HEAD\" not allowed."}`, allowPost},
		{"/api/user/view/", 401, notProvided, allowUserView},
		{"/api/totp/create/", 401, notProvided, allowGet},
		{"/api/static/create/", 401, notProvided, allowGet},
		{"/api/user/logout/all/", 401, notProvided, allowPost},
	}
	for _, c := range cases {
		got := f.expect(req{Method: "HEAD", Path: c.path}, c.status, "")
		assertHeader(t, got.Header, "Content-Length", strconv.Itoa(len(c.body)))
		assertHeader(t, got.Header, "Content-Type", "application/json")
		assertHeader(t, got.Header, "Allow", c.allow)
		assertHeader(t, got.Header, "Vary", "Accept")
	}
	root := f.expect(req{Method: "HEAD", Path: "/api/", Header: map[string]string{"Host": "localhost"}}, 200, "")
	assertHeader(t, root.Header, "Content-Length", strconv.Itoa(len(`{"spaces":"http://localhost/api/spaces/","threads":"http://localhost/api/threads/"}`)))
	// HEAD of a 404 page keeps its headers.
	nf := f.expect(req{Method: "HEAD", Path: "/api/nope/"}, 404, "")
	assertHeader(t, nf.Header, "Content-Length", strconv.Itoa(len(notFoundPage)))
	assertHeader(t, nf.Header, "Content-Type", "text/html")
}

// §1.1: the HTML pages outside the API views and their headers.
func TestAuditHTMLPages(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "OPTIONS"} {
		got := f.expect(req{Method: m, Path: "/api/user/nope/", Body: `{bad`}, 404, notFoundPage)
		assertHeader(t, got.Header, "Content-Type", "text/html")
		assertHeader(t, got.Header, "Content-Length", strconv.Itoa(len(notFoundPage)))
		assertHeader(t, got.Header, "X-Frame-Options", "SAMEORIGIN")
		for _, h := range []string{"Vary", "Allow", "WWW-Authenticate"} {
			assertHeader(t, got.Header, h, "")
		}
		assertNoExtraHeaders(t, got)
	}
	// A bad token does not matter on a path that resolves to nothing.
	f.expect(req{Method: "GET", Path: "/api/user/view/x/", Token: "garbage"}, 404, notFoundPage)

	intro := f.expect(req{Method: "GET", Path: "/"}, 200, `<h1>TODO: Create Intro template</h1>`)
	assertHeader(t, intro.Header, "Content-Type", "text/html; charset=utf-8")
	assertHeader(t, intro.Header, "X-Frame-Options", "SAMEORIGIN")
	assertHeader(t, intro.Header, "Vary", "")

	// The slash redirect short-circuits: no view headers.
	for _, c := range []struct{ path, loc string }{
		{"/api/user/view", "/api/user/view/"},
		{"/api/totp/login/123456", "/api/totp/login/123456/"},
		{"/api/static/login/abcdefgh?x=1", "/api/static/login/abcdefgh/?x=1"},
		{"/api", "/api/"},
	} {
		got := f.expect(req{Method: "POST", Path: c.path, Token: "garbage"}, 301, "")
		assertHeader(t, got.Header, "Location", c.loc)
		assertHeader(t, got.Header, "Content-Type", "text/html; charset=utf-8")
		assertHeader(t, got.Header, "Content-Length", "0")
		for _, h := range []string{"Vary", "Allow", "X-Frame-Options", "WWW-Authenticate"} {
			assertHeader(t, got.Header, h, "")
		}
	}
	// No redirect when the slashed path matches nothing either.
	f.expect(req{Method: "GET", Path: "/api/totp/login/12345"}, 404, notFoundPage)
	f.expect(req{Method: "GET", Path: "/api/user/nope"}, 404, notFoundPage)

	// The disallowed-host page has no X-Frame-Options, whatever the path.
	for _, p := range []string{"/api/user/view/", "/api/nope/", "/api/user/view"} {
		got := f.expect(req{Method: "GET", Path: p, Header: map[string]string{"Host": "example.com"}}, 400, `<h1>Bad Request (400)</h1>`)
		assertHeader(t, got.Header, "Content-Type", "text/html")
		assertHeader(t, got.Header, "Content-Length", "26")
		for _, h := range []string{"Vary", "Allow", "X-Frame-Options", "Location"} {
			assertHeader(t, got.Header, h, "")
		}
	}
}

// §1.3: the production 500 page passes Django's X-Frame-Options middleware
// but never reaches DRF's finalize_response (no Allow, no Vary).
func TestAudit500PageHeaders(t *testing.T) {
	env := servertest.Start(t, server.Compat)
	srv, err := server.New(server.Config{Store: brokenStore{env.Store}, Mailer: env.Mail, SecretKey: "k", Clock: env.Clock.Now,
		Rand: servertest.Rand(1), PasswordIterations: 2})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	f := &fixture{Env: &servertest.Env{URL: ts.URL, Store: env.Store, Clock: env.Clock}, t: t}
	got := f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"a@example.com","password":"x"}`}, 500, `<h1>Server Error (500)</h1>`)
	assertHeader(t, got.Header, "Content-Type", "text/html")
	assertHeader(t, got.Header, "Content-Length", "27")
	assertHeader(t, got.Header, "X-Frame-Options", "SAMEORIGIN")
	assertHeader(t, got.Header, "Allow", "")
	assertHeader(t, got.Header, "Vary", "")
}

// §1.1 Host validation: localhost, 127.0.0.1 and [::1] with any port, any
// case, a final dot; anything else is the 400 page.
func TestAuditAllowedHosts(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, h := range []string{"localhost", "localhost:8000", "LOCALHOST:1", "localhost.", "127.0.0.1", "127.0.0.1:65535", "[::1]", "[::1]:8000"} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Host": h}}, 401, notProvided)
	}
	for _, h := range []string{"example.com", "localhost.example.com", "127.0.0.2", "[::2]", "local_host", "localhost:abc"} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Host": h}}, 400, `<h1>Bad Request (400)</h1>`)
	}
}

// §1.2: views that never read the body ignore it, malformed or not.
func TestAuditBodyIgnored(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	for _, b := range []struct{ body, typ string }{{`{not json`, "application/json"}, {"x", "text/plain"}, {"\xff", "application/json"}, {`[1]`, "application/json"}} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok, Body: b.body, Type: b.typ}, 200, aliceBody)
		if got := f.do(req{Method: "GET", Path: "/api/totp/create/", Token: tok, Body: b.body, Type: b.typ}); got.Status != 201 {
			t.Fatalf("totp create with body %q: %d %s", b.body, got.Status, got.Body)
		}
		f.expect(req{Method: "POST", Path: "/api/totp/login/000000/", Token: tok, Body: b.body, Type: b.typ}, 400, "")
		f.expect(req{Method: "POST", Path: "/api/static/login/aaaaaaaa/", Token: tok, Body: b.body, Type: b.typ}, 400, "")
	}
	// Static create makes a confirmed device: from here on the gated views
	// need a verified token.
	codes := staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: tok, Body: `{not json`}))
	v := tokenOf(t, f.do(req{Method: "POST", Path: "/api/static/login/" + codes[0] + "/", Token: tok, Body: "x", Type: "text/plain"}).Body)
	got := f.do(req{Method: "POST", Path: "/api/totp/delete/", Token: v, Body: `{not json`})
	if got.Status != 200 {
		t.Fatalf("totp delete with a malformed body: %d %s", got.Status, got.Body)
	}
	f.expect(req{Method: "POST", Path: "/api/user/logout/all/", Token: tokenOf(t, got.Body), Body: "x", Type: "text/plain"}, 204, "")
}

// §1.2: parsing rules of views that read the body.
func TestAuditBodyParsing(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	login := "/api/user/login/"
	ok := func(r req) {
		t.Helper()
		if got := f.do(r); got.Status != 200 {
			t.Errorf("%s %q (%s): %d %s", r.Path, r.Body, r.Type, got.Status, got.Body)
		}
	}
	// Content-Type parameters are ignored; form and multipart work.
	ok(req{Method: "POST", Path: login, Body: `{"email":"alice@example.com","password":"` + alicePW + `"}`, Type: "application/json; charset=utf-8"})
	// A repeated form key: the last value wins.
	ok(req{Method: "POST", Path: login, Body: "email=bob%40example.com&password=x&email=alice%40example.com&password=" + alicePW, Type: "application/x-www-form-urlencoded"})
	// Unicode whitespace and \x1c-\x1f are stripped, passwords included.
	ok(req{Method: "POST", Path: login, Body: `{"email":"\u3000alice@example.com\u001c","password":"\u00a0\u001f` + alicePW + `\u2003\n"}`})

	cases := []struct {
		name, path, body, typ string
		status                int
		want                  string
	}{
		{"empty JSON body", login, "", "application/json", 400, required2},
		{"Infinity", login, `{"email":Infinity}`, "", 400, `{"detail":"JSON parse error - Out of range float values are not JSON compliant: 'Infinity'"}`},
		{"int body", login, `1`, "", 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`},
		{"float body", login, `1.5`, "", 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`},
		{"bool body", login, `true`, "", 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`},
		{"no Content-Type", login, `{"email":"a"}`, "-", 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{"type kept as sent", login, `{}`, "application/xml;  q=1", 415, `{"detail":"Unsupported media type \"application/xml;  q=1\" in request."}`},
		{"numbers become strings", "/api/user/create/", `{"email":"x@example.com","password":12345678}`, "", 400, `{"password":["This password is too common.","This password is entirely numeric."]}`},
		{"float as string", "/api/user/create/", `{"email":1.5,"password":"` + alicePW + `"}`, "", 400, `{"email":["Enter a valid email address."]}`},
		{"object and list", login, `{"email":{},"password":[]}`, "", 400, `{"email":["Not a valid string."],"password":["Not a valid string."]}`},
		{"null character", login, `{"email":"a@example.com","password":"a\u0000b"}`, "", 400, `{"password":["Null characters are not allowed."]}`},
		{"whitespace only", login, `{"email":"\u001c\u2028","password":"\u3000"}`, "", 400, `{"email":["This field may not be blank."],"password":["This field may not be blank."]}`},
		{"unknown fields ignored", login, `{"email":"alice@example.com","password":"wrong","id":1,"is_admin":true}`, "", 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.expect(req{Method: "POST", Path: c.path, Body: c.body, Type: c.typ}, c.status, c.want)
		})
	}
}

// §1.2 "Content-Length absent → DRF does not parse": a chunked body (no
// Content-Length) reads as empty data, whatever it holds.
func TestAuditChunkedBodyIsEmpty(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	for _, c := range []struct{ body, typ string }{
		{`{"email":"alice@example.com","password":"` + alicePW + `"}`, "application/json"},
		{`{bad`, "application/json"},
		{"x", "text/plain"},
	} {
		hr, err := http.NewRequest("POST", f.URL+"/api/user/login/", io.MultiReader(strings.NewReader(c.body)))
		if err != nil {
			t.Fatal(err)
		}
		hr.Header.Set("Content-Type", c.typ)
		res, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 400 || string(b) != required2 {
			t.Errorf("chunked %q: %d %s, want 400 %s", c.body, res.StatusCode, b, required2)
		}
	}
}

// §1.5, §2.1: Authorization parsing end to end.
func TestAuditAuthorizationHeader(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	cases := []struct {
		name, header string
		status       int
		body         string
	}{
		{"canonical", "JWT " + tok, 200, aliceBody},
		{"lower-case", "jwt " + tok, 200, aliceBody},
		{"mixed case, tab", "jWt\t" + tok, 200, aliceBody},
		{"runs of whitespace", "  JWT \t  " + tok + "\t ", 200, aliceBody},
		{"empty", "", 401, notProvided},
		{"blank", "   ", 401, notProvided},
		{"other scheme", "Bearer " + tok, 401, notProvided},
		{"basic", "Basic YTpi", 401, notProvided},
		{"no separator", "JWT" + tok, 401, notProvided},
		{"scheme only", "JWT", 401, `{"detail":"Invalid Authorization header. No credentials provided."}`},
		{"scheme and spaces", "  jwt \t ", 401, `{"detail":"Invalid Authorization header. No credentials provided."}`},
		{"three words", "JWT " + tok + " x", 401, `{"detail":"Invalid Authorization header. Credentials string should not contain spaces."}`},
		{"other scheme, three words", "Token a b", 401, notProvided},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Authorization": c.header}}, c.status, c.body)
			if c.status == 401 {
				assertHeader(t, got.Header, "WWW-Authenticate", `JWT realm="api"`)
			}
		})
	}
	// AllowAny views still authenticate (§1.5); login and refresh never do.
	for _, c := range []struct{ header, detail string }{
		{"JWT", `{"detail":"Invalid Authorization header. No credentials provided."}`},
		{"JWT a b", `{"detail":"Invalid Authorization header. Credentials string should not contain spaces."}`},
		{"JWT garbage", decodeError},
	} {
		hdr := map[string]string{"Authorization": c.header}
		for _, p := range []string{"/api/user/create/", "/api/user/password/reset/", "/api/user/password/reset/confirm/", "/api/"} {
			got := f.expect(req{Method: "POST", Path: p, Body: `{}`, Header: hdr}, 401, c.detail)
			assertHeader(t, got.Header, "WWW-Authenticate", `JWT realm="api"`)
		}
		f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{}`, Header: hdr}, 400, required2)
		f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{}`, Header: hdr}, 400, `{"token":["This field is required."]}`)
		if got := f.do(req{Method: "OPTIONS", Path: "/api/user/login/", Header: hdr}); got.Status != 200 {
			t.Errorf("OPTIONS login with %q: %d", c.header, got.Status)
		}
	}
}

// §2.2: token validation order and messages, with hand-made tokens.
func TestAuditTokenValidation(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	u := f.user("alice@example.com")
	inactive := f.addUser("ina@example.com", password.Encode(alicePW, "abcdefghijkl", 2), false)
	now := start.Unix()
	exp := strconv.FormatInt(now+900, 10)
	claims := func(extra string) string {
		return `{"user_id":1,"username":"alice@example.com","exp":` + exp + extra + `}`
	}
	key := u.JWTSecret
	b64 := base64.RawURLEncoding.EncodeToString
	cases := []struct {
		name, token, want string
	}{
		{"two segments", "a.b", decodeError},
		{"four segments", rawJWT(jwtHeader, claims(""), key) + ".x", decodeError},
		{"header not an object", b64([]byte(`[1]`)) + "." + b64([]byte(claims(""))) + ".c2ln", decodeError},
		{"payload not an object", rawJWT(jwtHeader, `[1]`, key), decodeError},
		{"payload not JSON", rawJWT(jwtHeader, `{"user_id":1`, key), decodeError},
		{"no user_id (D1)", rawJWT(jwtHeader, `{"username":"alice@example.com"}`, key), decodeError},
		{"null user_id (D1)", rawJWT(jwtHeader, `{"user_id":null,"username":"alice@example.com"}`, key), decodeError},
		{"non-numeric user_id (D1)", rawJWT(jwtHeader, `{"user_id":"abc","username":"alice@example.com"}`, key), decodeError},
		{"unknown user_id before alg (D1)", rawJWT(`{"typ":"JWT","alg":"HS512"}`, `{"user_id":99,"username":"alice@example.com"}`, key), decodeError},
		{"HS512", rawJWT(`{"typ":"JWT","alg":"HS512"}`, claims(""), key), incorrectCreds},
		{"no alg", rawJWT(`{"typ":"JWT"}`, claims(""), key), incorrectCreds},
		{"alg before signature", rawJWT(`{"alg":"none"}`, claims(""), "wrong"), incorrectCreds},
		{"upper-case secret", rawJWT(jwtHeader, claims(""), strings.ToUpper(key)), decodeError},
		{"unhyphenated secret", rawJWT(jwtHeader, claims(""), strings.ReplaceAll(key, "-", "")), decodeError},
		{"future nbf", rawJWT(jwtHeader, claims(`,"nbf":`+strconv.FormatInt(now+1, 10)), key), incorrectCreds},
		{"non-integer iat", rawJWT(jwtHeader, claims(`,"iat":"abc"`), key), incorrectCreds},
		{"aud", rawJWT(jwtHeader, claims(`,"aud":"x"`), key), incorrectCreds},
		{"expired", rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":`+strconv.FormatInt(now-1, 10)+`}`, key), `{"detail":"Signature has expired."}`},
		{"expired before username", rawJWT(jwtHeader, `{"user_id":1,"exp":`+strconv.FormatInt(now-1, 10)+`}`, key), `{"detail":"Signature has expired."}`},
		{"non-integer exp", rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":"abc"}`, key), decodeError},
		{"non-integer nbf", rawJWT(jwtHeader, claims(`,"nbf":"abc"`), key), decodeError},
		{"empty username", rawJWT(jwtHeader, `{"user_id":1,"username":"","exp":`+exp+`}`, key), `{"detail":"Invalid payload."}`},
		{"null username", rawJWT(jwtHeader, `{"user_id":1,"username":null,"exp":`+exp+`}`, key), `{"detail":"Invalid payload."}`},
		{"username of nobody", rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.co","exp":`+exp+`}`, key), `{"detail":"Invalid signature."}`},
		{"inactive user", rawJWT(jwtHeader, `{"user_id":1,"username":"ina@example.com","exp":`+exp+`}`, key), `{"detail":"User account is disabled."}`},
		{"inactive user's own token", rawJWT(jwtHeader, `{"user_id":`+itoa(inactive.ID)+`,"username":"ina@example.com","exp":`+exp+`}`, inactive.JWTSecret), `{"detail":"User account is disabled."}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Authorization": "JWT " + c.token}}, 401, c.want)
			assertHeader(t, got.Header, "WWW-Authenticate", `JWT realm="api"`)
		})
	}
	// Accepted: string user_id, exp == now (leeway 0), past nbf, integer-like
	// strings, any iss, no exp at all.
	for _, payload := range []string{
		`{"user_id":"1","username":"alice@example.com","exp":` + exp + `}`,
		`{"user_id":" 1 ","username":"alice@example.com","exp":` + exp + `}`,
		`{"user_id":1.9,"username":"alice@example.com","exp":` + exp + `}`,
		`{"user_id":true,"username":"alice@example.com","exp":` + exp + `}`,
		`{"user_id":1,"username":"alice@example.com","exp":` + strconv.FormatInt(now, 10) + `}`,
		claims(`,"nbf":` + strconv.FormatInt(now, 10)),
		claims(`,"iat":"123","nbf":"` + strconv.FormatInt(now-5, 10) + `"`),
		`{"user_id":1,"username":"alice@example.com","exp":"` + exp + `"}`,
		claims(`,"iss":"somebody"`),
		`{"user_id":1,"username":"alice@example.com"}`,
		claims(`,"otp_device_id":null,"extra":[1,2]`),
	} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Authorization": "JWT " + rawJWT(jwtHeader, payload, key)}}, 200, aliceBody)
	}
	// A token without exp never expires.
	f.Clock.Advance(400 * 24 * time.Hour)
	f.expect(req{Method: "GET", Path: "/api/user/view/", Header: map[string]string{"Authorization": "JWT " + rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com"}`, key)}}, 200, aliceBody)
}

// §2.3, §3.11, §3.12, §3.14: the exact payload of every minted token, with
// exp = now + 900 after the clock moved.
func TestAuditMintedClaims(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	payload := func(tok string) string { return decodeSegment(t, tok, 1) }
	want := func(device string) string {
		d := "null"
		if device != "" {
			d = `"` + device + `"`
		}
		return `{"user_id":1,"username":"alice@example.com","exp":` + itoa(f.Clock.Now().Unix()+900) + `,"otp_device_id":` + d + `}`
	}
	f.Clock.Advance(17*time.Second + 900*time.Millisecond)
	first := f.login("alice@example.com", alicePW)
	if got := payload(first); got != want("") {
		t.Errorf("login payload = %s, want %s", got, want(""))
	}
	if got := decodeSegment(t, first, 0); got != jwtHeader {
		t.Errorf("header = %s", got)
	}
	key := f.enrol(first)
	f.Clock.Advance(61 * time.Second)
	got := f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: first})
	assertAPIHeaders(t, got, allowPost)
	verified := tokenOf(t, got.Body)
	if got.Status != 201 || payload(verified) != want("otp_totp.totpdevice/1") {
		t.Errorf("totp login: %d payload %s, want %s", got.Status, payload(verified), want("otp_totp.totpdevice/1"))
	}
	f.Clock.Advance(5 * time.Minute)
	codes := staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified}))
	got = f.do(req{Method: "POST", Path: "/api/static/login/" + codes[3] + "/", Token: first})
	assertAPIHeaders(t, got, allowPost)
	if p := payload(tokenOf(t, got.Body)); got.Status != 201 || p != want("otp_static.staticdevice/1") {
		t.Errorf("static login: %d payload %s, want %s", got.Status, p, want("otp_static.staticdevice/1"))
	}
	f.Clock.Advance(time.Minute)
	got = f.do(req{Method: "POST", Path: "/api/totp/delete/", Token: verified})
	assertAPIHeaders(t, got, allowPost)
	if p := payload(tokenOf(t, got.Body)); got.Status != 200 || p != want("") {
		t.Errorf("totp delete: %d payload %s, want %s", got.Status, p, want(""))
	}
	// The key is the new jwt_secret.
	after := tokenOf(t, got.Body)
	if want := rawJWT(jwtHeader, payload(after), f.user("alice@example.com").JWTSecret); want != after {
		t.Errorf("totp delete token not signed with the new secret")
	}
	// A minted token expires 900 s later: valid at exp, refused one second after.
	f.Clock.Advance(900 * time.Second)
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: after}, 200, aliceBody)
	f.Clock.Advance(time.Second)
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: after}, 401, `{"detail":"Signature has expired."}`)
}

// §2.3 in hardened: orig_iat = now at the end of every minted token.
func TestAuditHardenedClaims(t *testing.T) {
	f := newFixture(t, server.Hardened)
	f.createUser("alice@example.com", alicePW)
	f.Clock.Advance(42 * time.Second)
	first := f.login("alice@example.com", alicePW)
	now := f.Clock.Now().Unix()
	if got, want := decodeSegment(t, first, 1), `{"user_id":1,"username":"alice@example.com","exp":`+itoa(now+900)+`,"otp_device_id":null,"orig_iat":`+itoa(now)+`}`; got != want {
		t.Errorf("hardened login payload = %s, want %s", got, want)
	}
	key := f.enrol(first)
	f.Clock.Advance(30 * time.Second)
	got := f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: first})
	now2 := f.Clock.Now().Unix()
	if p, want := decodeSegment(t, tokenOf(t, got.Body), 1), `{"user_id":1,"username":"alice@example.com","exp":`+itoa(now2+900)+`,"otp_device_id":"otp_totp.totpdevice/1","orig_iat":`+itoa(now2)+`}`; p != want {
		t.Errorf("hardened totp login payload = %s, want %s", p, want)
	}
}

// §2.4, §3: which endpoints the OTP gate protects, in compat.
func TestAuditOTPGateCompat(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	key, verified := f.enrolAndVerify(first)

	gated := []req{
		{Method: "GET", Path: "/api/user/view/"},
		{Method: "HEAD", Path: "/api/user/view/"},
		{Method: "PUT", Path: "/api/user/view/", Body: `{"profile":{"about":"x"}}`},
		{Method: "PATCH", Path: "/api/user/view/", Body: `{"profile":{"about":"x"}}`},
		{Method: "OPTIONS", Path: "/api/user/view/"},
		{Method: "DELETE", Path: "/api/user/view/"}, // permission before method
		{Method: "POST", Path: "/api/user/delete/", Body: `{"current_password":"` + alicePW + `"}`},
		{Method: "GET", Path: "/api/user/delete/"},
		{Method: "POST", Path: "/api/totp/delete/"},
		{Method: "GET", Path: "/api/static/create/"},
		{Method: "HEAD", Path: "/api/static/create/"},
		{Method: "POST", Path: "/api/static/create/"},
	}
	for _, r := range gated {
		r.Token = first
		body := forbiddenOTP
		if r.Method == "HEAD" {
			body = ""
		}
		got := f.expect(r, 403, body)
		assertHeader(t, got.Header, "WWW-Authenticate", "")
		assertHeader(t, got.Header, "Content-Length", strconv.Itoa(len(forbiddenOTP)))
	}
	// Not gated in compat (D6), reachable with the first-factor token.
	f.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: first, Body: `{"new_password":"x","current_password":"no"}`}, 400, `{"current_password":["Invalid password."]}`)
	if got := f.do(req{Method: "GET", Path: "/api/totp/create/", Token: first}); got.Status != 201 {
		t.Errorf("totp create: %d", got.Status)
	}
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 90*time.Second) + "/", Token: first}, 400, "")
	f.expect(req{Method: "POST", Path: "/api/static/login/aaaaaaaa/", Token: first}, 400, "")
	f.expect(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + first + `"}`}, 400, `{"non_field_errors":["orig_iat field is required."]}`)
	f.expect(req{Method: "OPTIONS", Path: "/api/user/password/change/", Token: first}, 200,
		`{"name":"Set Password","description":"Use this endpoint to change user password.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"new_password":{"type":"string","required":true,"read_only":false,"label":"New password"},"current_password":{"type":"string","required":true,"read_only":false,"label":"Current password"}}}}`)
	// The verified token passes every gated endpoint.
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: verified}, 200, aliceBody)
	f.expect(req{Method: "DELETE", Path: "/api/user/view/", Token: verified}, 405, `{"detail":"Method \"DELETE\" not allowed."}`)
	f.expect(req{Method: "GET", Path: "/api/user/delete/", Token: verified}, 405, `{"detail":"Method \"GET\" not allowed."}`)
	f.expect(req{Method: "POST", Path: "/api/static/create/", Token: verified}, 405, `{"detail":"Method \"POST\" not allowed."}`)
	// logout-all is not gated either; it ends every session, so it comes last.
	f.expect(req{Method: "POST", Path: "/api/user/logout/all/", Token: first}, 204, "")
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: verified}, 401, decodeError)
}

// §2.4 step 3 and D9 (fixed in both profiles): a token naming another
// user's device, a missing device or an unconfirmed one does not pass.
func TestAuditOTPGateDeviceChecks(t *testing.T) {
	for _, profile := range []server.Profile{server.Compat, server.Hardened} {
		t.Run(string(profile), func(t *testing.T) {
			f := newFixture(t, profile)
			f.createUser("alice@example.com", alicePW)
			f.createUser("bob@example.com", alicePW)
			alice := f.login("alice@example.com", alicePW)
			f.enrolAndVerify(alice) // alice: TOTP device 1, confirmed
			bobTok := f.login("bob@example.com", alicePW)
			_, bobVerified := f.enrolAndVerify(bobTok) // bob: TOTP device 2, confirmed
			staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: bobVerified}))
			u := f.user("alice@example.com")
			exp := itoa(f.Clock.Now().Unix() + 900)
			mk := func(device string) string {
				return rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":`+exp+`,"otp_device_id":`+device+`}`, u.JWTSecret)
			}
			for _, dev := range []string{`null`, `""`, `5`, `"otp_totp.totpdevice/2"`, `"otp_static.staticdevice/1"`, `"otp_totp.totpdevice/99"`, `"nonsense"`, `"otp_totp.totpdevice/1x"`} {
				f.expect(req{Method: "GET", Path: "/api/user/view/", Token: mk(dev)}, 403, forbiddenOTP)
			}
			f.expect(req{Method: "GET", Path: "/api/user/view/", Token: mk(`"otp_totp.totpdevice/1"`)}, 200, aliceBody)
		})
	}
}

// A token signed with one user's key whose username names another user
// authenticates the named user (authenticate_credentials): the OTP gate and
// the view then go by that user's devices and profile, not by those of the
// user whose key verified the token, which were read along with the key.
func TestOTPGateOfUserNamedByUsername(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	f.createUser("bob@example.com", alicePW)
	alice := f.login("alice@example.com", alicePW)
	f.expect(req{Method: "PATCH", Path: "/api/user/view/", Token: alice, Body: `{"profile":{"display_name":"Alice"}}`}, 200,
		`{"id":1,"email":"alice@example.com","profile":{"display_name":"Alice","profile_image":null,"about":null}}`)
	f.enrolAndVerify(f.login("bob@example.com", alicePW)) // bob: TOTP device 1, confirmed
	exp := itoa(f.Clock.Now().Unix() + 900)
	aliceKey, bobKey := f.user("alice@example.com").JWTSecret, f.user("bob@example.com").JWTSecret
	const bobBody = `{"id":2,"email":"bob@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`
	for _, c := range []struct {
		payload, key string
		status       int
		body         string
	}{
		{`{"user_id":1,"username":"bob@example.com","exp":` + exp + `,"otp_device_id":null}`, aliceKey, 403, forbiddenOTP},
		{`{"user_id":1,"username":"bob@example.com","exp":` + exp + `,"otp_device_id":"otp_totp.totpdevice/1"}`, aliceKey, 200, bobBody},
		{`{"user_id":2,"username":"alice@example.com","exp":` + exp + `,"otp_device_id":null}`, bobKey, 200,
			`{"id":1,"email":"alice@example.com","profile":{"display_name":"Alice","profile_image":null,"about":null}}`},
	} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Token: rawJWT(jwtHeader, c.payload, c.key)}, c.status, c.body)
	}
}

// §1.3 OPTIONS: authentication and permissions first, then the metadata.
func TestAuditOptions(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	_, verified := f.enrolAndVerify(first)
	for _, c := range []struct {
		path, allow string
		gated       bool
	}{
		{"/api/user/view/", allowUserView, true},
		{"/api/user/delete/", allowPost, true},
		{"/api/totp/delete/", allowPost, true},
		{"/api/static/create/", allowGet, true},
		{"/api/user/logout/all/", allowPost, false},
		{"/api/user/password/change/", allowPost, false},
		{"/api/totp/create/", allowGet, false},
		{"/api/totp/login/123456/", allowPost, false},
		{"/api/static/login/abcdefgh/", allowPost, false},
	} {
		got := f.expect(req{Method: "OPTIONS", Path: c.path}, 401, notProvided)
		assertAPIHeaders(t, got, c.allow)
		got = f.expect(req{Method: "OPTIONS", Path: c.path, Token: "x"}, 401, decodeError)
		assertAPIHeaders(t, got, c.allow)
		if c.gated {
			got = f.expect(req{Method: "OPTIONS", Path: c.path, Token: first}, 403, forbiddenOTP)
			assertAPIHeaders(t, got, c.allow)
		} else if got := f.do(req{Method: "OPTIONS", Path: c.path, Token: first}); got.Status != 200 {
			t.Errorf("OPTIONS %s (first factor): %d %s", c.path, got.Status, got.Body)
		}
		got = f.do(req{Method: "OPTIONS", Path: c.path, Token: verified})
		if got.Status != 200 || !strings.HasPrefix(got.Body, `{"name":`) {
			t.Errorf("OPTIONS %s (verified): %d %s", c.path, got.Status, got.Body)
		}
		assertAPIHeaders(t, got, c.allow)
	}
	// Anonymous views answer anonymous OPTIONS, but a bad token is still a 401.
	for _, p := range []string{"/api/user/create/", "/api/user/password/reset/", "/api/user/password/reset/confirm/"} {
		if got := f.do(req{Method: "OPTIONS", Path: p}); got.Status != 200 {
			t.Errorf("OPTIONS %s: %d", p, got.Status)
		}
		f.expect(req{Method: "OPTIONS", Path: p, Token: "x"}, 401, decodeError)
	}
	f.expect(req{Method: "OPTIONS", Path: "/api/user/login/refresh/", Token: "x"}, 200,
		`{"name":"Refresh Json Web Token","description":"API View that returns a refreshed token (with new expiration) based on\nexisting token\n\nIf 'orig_iat' field (original issued-at-time) is found, will first check\nif it's within expiration window, then copy it to the new token","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"token":{"type":"string","required":true,"read_only":false,"label":"Token"}}}}`)
}

// §1.3: authentication and permissions run before the method check, on
// every view; views without authentication go straight to it.
func TestAuditMethodCheckOrder(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/user/delete/", 401, notProvided},
		{"PUT", "/api/user/password/change/", 401, notProvided},
		{"GET", "/api/totp/login/123456/", 401, notProvided},
		{"GET", "/api/static/login/abcdefgh/", 401, notProvided},
		{"POST", "/api/totp/create/", 401, notProvided},
		{"POST", "/api/static/create/", 401, notProvided},
		{"GET", "/api/totp/delete/", 401, notProvided},
		{"GET", "/api/user/create/", 405, `{"detail":"Method \"GET\" not allowed."}`},
		{"GET", "/api/user/password/reset/", 405, `{"detail":"Method \"GET\" not allowed."}`},
		{"DELETE", "/api/user/password/reset/confirm/", 405, `{"detail":"Method \"DELETE\" not allowed."}`},
		{"GET", "/api/user/login/refresh/", 405, `{"detail":"Method \"GET\" not allowed."}`},
		{"PATCH", "/api/user/login/", 405, `{"detail":"Method \"PATCH\" not allowed."}`},
		{"POST", "/api/", 405, `{"detail":"Method \"POST\" not allowed."}`},
	} {
		f.expect(req{Method: c.method, Path: c.path}, c.status, c.body)
	}
	// A bad token on an AllowAny view: 401 before the 405.
	f.expect(req{Method: "GET", Path: "/api/user/create/", Token: "x"}, 401, decodeError)
	// Login has no authenticators: the 405 whatever the header.
	f.expect(req{Method: "GET", Path: "/api/user/login/", Token: "x"}, 405, `{"detail":"Method \"GET\" not allowed."}`)
}

// §2.5, §3.3, §7.1 D2/D11: refresh outcomes per profile.
func TestAuditRefreshCompat(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	f.addUser("ina@example.com", password.Encode(alicePW, "abcdefghijkl", 2), false)
	u := f.user("alice@example.com")
	path := "/api/user/login/refresh/"
	now := start.Unix()
	iat := itoa(now - 10)
	exp := itoa(now + 900)
	refresh := func(tok string) req { return req{Method: "POST", Path: path, Body: `{"token":"` + tok + `"}`} }
	nonField := func(msg string) string { return `{"non_field_errors":["` + msg + `"]}` }
	for _, c := range []struct{ name, tok, want string }{
		{"future nbf (D2)", rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":`+exp+`,"orig_iat":`+iat+`,"nbf":`+exp+`}`, u.JWTSecret), nonField("Error decoding signature.")},
		{"aud (D2)", rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":`+exp+`,"orig_iat":`+iat+`,"aud":"x"}`, u.JWTSecret), nonField("Error decoding signature.")},
		{"HS512 (D2)", rawJWT(`{"typ":"JWT","alg":"HS512"}`, `{"user_id":1,"username":"alice@example.com","exp":`+exp+`,"orig_iat":`+iat+`}`, u.JWTSecret), nonField("Error decoding signature.")},
		{"no user_id (D1)", rawJWT(jwtHeader, `{"username":"alice@example.com","exp":`+exp+`,"orig_iat":`+iat+`}`, u.JWTSecret), nonField("Error decoding signature.")},
		{"inactive", rawJWT(jwtHeader, `{"user_id":1,"username":"ina@example.com","exp":`+exp+`,"orig_iat":`+iat+`}`, u.JWTSecret), nonField("User account is disabled.")},
		{"inactive before orig_iat", rawJWT(jwtHeader, `{"user_id":1,"username":"ina@example.com","exp":`+exp+`}`, u.JWTSecret), nonField("User account is disabled.")},
		{"empty username", rawJWT(jwtHeader, `{"user_id":1,"username":"","exp":`+exp+`,"orig_iat":`+iat+`}`, u.JWTSecret), nonField("Invalid payload.")},
		{"refresh window edge", rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":`+exp+`,"orig_iat":`+itoa(now-604801)+`}`, u.JWTSecret), nonField("Refresh has expired.")},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := f.expect(refresh(c.tok), 400, c.want)
			assertAPIHeaders(t, got, allowPost)
		})
	}
	// now == orig_iat + 7 days is still inside the window.
	edge := rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":`+exp+`,"otp_device_id":"otp_totp.totpdevice/1","orig_iat":`+itoa(now-604800)+`}`, u.JWTSecret)
	got := f.do(refresh(edge))
	if want := `{"user_id":1,"username":"alice@example.com","exp":` + exp + `,"otp_device_id":null,"orig_iat":` + itoa(now-604800) + `}`; got.Status != 200 || decodeSegment(t, tokenOf(t, got.Body), 1) != want {
		t.Errorf("refresh at the window's edge: %d %s", got.Status, got.Body)
	}
	// Every genuine token ends at orig_iat, whatever Authorization says.
	tok := f.login("alice@example.com", alicePW)
	f.expect(req{Method: "POST", Path: path, Body: `{"token":"` + tok + `"}`, Token: "garbage"}, 400, nonField("orig_iat field is required."))
	f.expect(req{Method: "POST", Path: path, Body: "token=" + tok, Type: "application/x-www-form-urlencoded"}, 400, nonField("orig_iat field is required."))
}

func TestAuditRefreshHardened(t *testing.T) {
	f := newFixture(t, server.Hardened)
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	loginAt := f.Clock.Now().Unix()
	f.Clock.Advance(100 * time.Second)
	got := f.do(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + first + `"}`})
	now := f.Clock.Now().Unix()
	want := `{"user_id":1,"username":"alice@example.com","exp":` + itoa(now+900) + `,"otp_device_id":null,"orig_iat":` + itoa(loginAt) + `}`
	if got.Status != 200 || decodeSegment(t, tokenOf(t, got.Body), 1) != want {
		t.Fatalf("hardened refresh: %d %s, want payload %s", got.Status, got.Body, want)
	}
	_, verified := f.enrolAndVerify(first)
	got = f.do(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + verified + `"}`})
	refreshed := tokenOf(t, got.Body)
	if id := f.claims(refreshed).OTPDeviceID(); id != "otp_totp.totpdevice/1" {
		t.Fatalf("hardened refresh of a verified token: device %q", id)
	}
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: refreshed}, 200, aliceBody)
	// A token naming a device that is gone is refreshed without it.
	u := f.user("alice@example.com")
	iat := itoa(f.Clock.Now().Unix())
	stale := rawJWT(jwtHeader, `{"user_id":1,"username":"alice@example.com","exp":`+itoa(f.Clock.Now().Unix()+900)+`,"otp_device_id":"otp_totp.totpdevice/7","orig_iat":`+iat+`}`, u.JWTSecret)
	got = f.do(req{Method: "POST", Path: "/api/user/login/refresh/", Body: `{"token":"` + stale + `"}`})
	if got.Status != 200 || f.claims(tokenOf(t, got.Body)).OTPDeviceID() != "" {
		t.Fatalf("refresh with a missing device: %d %s", got.Status, got.Body)
	}
}

// §3.2: inactive users get the generic message; login leaves last_login alone.
func TestAuditLogin(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.addUser("ina@example.com", password.Encode(alicePW, "abcdefghijkl", 2), false)
	f.addUser("nopw@example.com", "!unusableunusableunusableunusableunusable", true)
	f.createUser("alice@example.com", alicePW)
	bad := `{"non_field_errors":["Unable to log in with provided credentials."]}`
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"ina@example.com","password":"` + alicePW + `"}`}, 400, bad)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"nopw@example.com","password":"!unusableunusableunusableunusableunusable"}`}, 400, bad)
	// The email is not syntax-checked at login.
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"not an email","password":"x"}`}, 400, bad)
	got := f.do(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"` + alicePW + `"}`})
	assertAPIHeaders(t, got, allowPost)
	if u := f.user("alice@example.com"); u.LastLogin != nil {
		t.Errorf("login set last_login = %v", u.LastLogin)
	}
	// 201 on create carries no Location.
	got = f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{"email":"Alice@example.com","password":"` + alicePW + `"}`}, 201, `{"email":"Alice@example.com","id":4}`)
	assertHeader(t, got.Header, "Location", "")
}

// §3.5, D15: deleting the account removes the devices and the profile.
func TestAuditUserDelete(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	_, verified := f.enrolAndVerify(first)
	staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified}))
	ctx := context.Background()
	f.expect(req{Method: "POST", Path: "/api/user/delete/", Token: verified, Body: `{"current_password":" ` + alicePW + ` "}`}, 204, "")
	if p, err := f.Store.Profile(ctx, 1); err == nil && p != nil {
		t.Errorf("profile kept after delete: %+v", p)
	}
	if _, err := f.Store.TOTPDevice(ctx, 1); err == nil {
		t.Error("TOTP device kept after delete")
	}
	if _, err := f.Store.StaticDevice(ctx, 1); err == nil {
		t.Error("static device kept after delete")
	}
	for _, tok := range []string{first, verified} {
		f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 401, decodeError)
		f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Token: tok, Body: `{"email":"alice@example.com"}`}, 401, decodeError)
	}
	// The email is free again and the new account is a new user.
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: `{"email":"alice@example.com","password":"` + alicePW + `"}`}, 201, `{"email":"alice@example.com","id":2}`)
}

// §3.7: error composition of password change.
func TestAuditPasswordChange(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	path := "/api/user/password/change/"
	for _, c := range []struct{ body, want string }{
		{`{"current_password":"wrong"}`, `{"new_password":["This field is required."],"current_password":["Invalid password."]}`},
		{`{"new_password":"","current_password":"` + alicePW + `"}`, `{"new_password":["This field may not be blank."]}`},
		{`{"new_password":"123"}`, `{"current_password":["This field is required."]}`},
		{`{"new_password":"alice123","current_password":"` + alicePW + `"}`, `{"new_password":["The password is too similar to the email address.","This password is too common."]}`},
		{`{"new_password":"123","current_password":"` + alicePW + `"}`, `{"new_password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
		{`{"new_password":"123","current_password":"bad"}`, `{"current_password":["Invalid password."]}`},
	} {
		f.expect(req{Method: "POST", Path: path, Token: tok, Body: c.body}, 400, c.want)
	}
	// Trimmed on both sides.
	f.expect(req{Method: "POST", Path: path, Token: tok, Body: `{"new_password":" ` + newPW + `\t","current_password":"\n` + alicePW + `"}`}, 204, "")
	f.login("alice@example.com", newPW)
}

// resetToken is the reset token for a stored user at the fixture's clock.
func (f *fixture) resetToken(email string) string {
	f.t.Helper()
	u := f.user(email)
	return resettoken.Generator{SecretKey: servertest.SecretKey}.Make(u.ID, u.Password, u.LastLogin, f.Clock.Now())
}

func confirmBody(uid, token, pw string) string {
	return `{"uid":"` + uid + `","token":"` + token + `","new_password":"` + pw + `"}`
}

// §3.8, §5.3: the mail's exact text and HTML for a Host with a port, the
// escaping of both parts, and who gets a mail.
func TestAuditResetMail(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	f.createUser("Alice@example.com", alicePW)
	f.createUser("a&b@example.com", alicePW)
	f.addUser("ina@example.com", password.Encode(alicePW, "abcdefghijkl", 2), false)
	f.addUser("nopw@example.com", "!unusableunusableunusableunusableunusable", true)
	path := "/api/user/password/reset/"

	f.expect(req{Method: "POST", Path: path, Body: `{"email":" ALICE@example.com "}`, Header: map[string]string{"Host": "127.0.0.1:8000"}}, 204, "")
	msgs := f.Mail.All()
	if len(msgs) != 2 || msgs[0].To != "alice@example.com" || msgs[1].To != "Alice@example.com" {
		t.Fatalf("iexact reset mails = %+v", msgs)
	}
	uid, token := resettoken.EncodeUID(1), f.resetToken("alice@example.com")
	link := "http://127.0.0.1:8000/password/reset/confirm/" + uid + "/" + token
	m := msgs[0]
	wantText := "You're receiving this email because you requested a password reset for your user account at 127.0.0.1:8000.\n" +
		"\n" +
		"Please go to the following page and choose a new password:\n" +
		link + "\n" +
		"Your username, in case you've forgotten: alice@example.com\n" +
		"\n" +
		"Thanks for using our site!\n" +
		"\n" +
		"The 127.0.0.1:8000 team"
	wantHTML := "<p>You're receiving this email because you requested a password reset for your user account at 127.0.0.1:8000.</p>\n" +
		"\n" +
		"<p>Please go to the following page and choose a new password:</p>\n" +
		`<a href="` + link + `">` + link + "</a>\n" +
		"<p>Your username, in case you've forgotten: <b>alice@example.com</b></p>\n" +
		"\n" +
		"<p>Thanks for using our site!</p>\n" +
		"\n" +
		"<p>The 127.0.0.1:8000 team</p>"
	if m.Text != wantText {
		t.Errorf("text part:\n%s\nwant:\n%s", m.Text, wantText)
	}
	if m.HTML != wantHTML {
		t.Errorf("HTML part:\n%s\nwant:\n%s", m.HTML, wantHTML)
	}
	if m.Subject != "Password reset on 127.0.0.1:8000" || m.From != "webmaster@localhost" {
		t.Errorf("subject %q from %q", m.Subject, m.From)
	}

	// Template variables are escaped in both parts.
	f.expect(req{Method: "POST", Path: path, Body: `{"email":"A&B@EXAMPLE.COM"}`, Header: map[string]string{"Host": "localhost:8000"}}, 204, "")
	m = f.Mail.Last()
	if m.To != "a&b@example.com" || !strings.Contains(m.Text, "forgotten: a&amp;b@example.com\n") || !strings.Contains(m.HTML, "<b>a&amp;b@example.com</b>") {
		t.Errorf("escaping: to %q\n%s\n%s", m.To, m.Text, m.HTML)
	}
	// Inactive users and unusable passwords get nothing, and still a 204.
	n := len(f.Mail.All())
	f.expect(req{Method: "POST", Path: path, Body: `{"email":"ina@example.com"}`}, 204, "")
	f.expect(req{Method: "POST", Path: path, Body: `{"email":"nopw@example.com"}`}, 204, "")
	if len(f.Mail.All()) != n {
		t.Error("mail sent to an inactive user or an unusable password")
	}
	f.expect(req{Method: "POST", Path: path, Body: `{"email":"a@b"}`}, 400, `{"email":["Enter a valid email address."]}`)
	f.expect(req{Method: "POST", Path: path, Body: `{"email":""}`}, 400, `{"email":["This field may not be blank."]}`)
}

// §5.1: uid decoding is Python's lenient base64 plus int().
func TestAuditResetUIDDecoding(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, e := range []string{"alice@example.com", "bob@example.com", "carol@example.com"} {
		f.createUser(e, alicePW)
	}
	confirm := "/api/user/password/reset/confirm/"
	invalidUID := `{"uid":["Invalid user id or user doesn't exist."]}`
	// Valid forms: the token check, not the uid, then decides. A bad token
	// keeps the users' passwords as they are.
	for _, c := range []struct{ uid, email string }{
		{"MQ", "alice@example.com"},
		{"MQ==", "alice@example.com"},
		{"MQ=", "alice@example.com"},
		{"M*Q", "alice@example.com"},
		{" MQ ", "alice@example.com"},
		{"IDEg", "alice@example.com"}, // " 1 ": int() strips whitespace
		{"KzE", "alice@example.com"},  // "+1"
		{"Mg", "bob@example.com"},
		{"Mw", "carol@example.com"},
		{"M+", "carol@example.com"}, // '+' and '/' are accepted, leftover bits dropped
		{"M/", "carol@example.com"},
		{"M-", "carol@example.com"},
		{"M_", "carol@example.com"},
	} {
		f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(c.uid, "1-x", newPW)}, 400, `{"non_field_errors":["Invalid token for given user."]}`)
	}
	for _, uid := range []string{"M", "MA", "LTE", "NA", "_w", "!!!", "M.Q!", "MQ%3D%3D", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", "MTIzM"} {
		f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(uid, "1-x", newPW)}, 400, invalidUID)
	}
	// Field errors together, in serializer order, before any password check.
	f.expect(req{Method: "POST", Path: confirm, Body: `{"uid":"OTk","new_password":"x"}`}, 400, `{"uid":["Invalid user id or user doesn't exist."],"token":["This field is required."]}`)
	f.expect(req{Method: "POST", Path: confirm, Body: `{"uid":"","token":"","new_password":""}`}, 400, `{"uid":["This field may not be blank."],"token":["This field may not be blank."],"new_password":["This field may not be blank."]}`)
	// A non-canonical uid naming the user works end to end.
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody("M_", f.resetToken("carol@example.com"), newPW)}, 204, "")
	f.login("carol@example.com", newPW)
}

// §5.2: expiry at day granularity (day 3 valid, day 4 not), a second link
// leaves the first valid, a password change or a reset spends every link,
// upper case fails.
func TestAuditResetTokenLifetime(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, e := range []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"} {
		f.createUser(e, alicePW)
	}
	confirm := "/api/user/password/reset/confirm/"
	invalid := `{"non_field_errors":["Invalid token for given user."]}`
	mailed := func(email string) (uid, token string) {
		t.Helper()
		f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"` + email + `"}`}, 204, "")
		m := f.Mail.Last()
		i := strings.Index(m.Text, "/password/reset/confirm/")
		parts := strings.SplitN(strings.SplitN(m.Text[i+len("/password/reset/confirm/"):], "\n", 2)[0], "/", 2)
		return parts[0], parts[1]
	}
	aliceUID, aliceTok := mailed("alice@example.com")
	bobUID, bobTok := mailed("bob@example.com")
	if aliceUID != "MQ" || !strings.HasPrefix(aliceTok, "7ar-") || len(aliceTok) != 24 {
		t.Fatalf("alice link %s/%s", aliceUID, aliceTok)
	}
	// Upper case and other mangling fail.
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(aliceUID, strings.ToUpper(aliceTok), newPW)}, 400, invalid)
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(aliceUID, aliceTok+"-", newPW)}, 400, invalid)
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(bobUID, aliceTok, newPW)}, 400, invalid)

	// Day 1: a second link for carol; the first still works.
	carolUID, carolFirst := mailed("carol@example.com")
	f.Clock.Advance(24 * time.Hour)
	_, carolSecond := mailed("carol@example.com")
	if carolSecond == carolFirst {
		t.Fatal("links of two days are equal")
	}
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(carolUID, carolFirst, newPW)}, 204, "")
	// The reset spent the second link too (password and last_login changed).
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(carolUID, carolSecond, alicePW)}, 400, invalid)

	// A password change spends an unused link.
	daveUID, daveTok := mailed("dave@example.com")
	dave := f.login("dave@example.com", alicePW)
	f.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: dave, Body: `{"new_password":"` + newPW + `","current_password":"` + alicePW + `"}`}, 204, "")
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(daveUID, daveTok, "Third-pass-123")}, 400, invalid)

	// Day 3 (2026-11-28 23:59:59 UTC) is the last valid day; day 4 is not.
	f.Clock.Advance(2*24*time.Hour + 11*time.Hour + 59*time.Minute + 59*time.Second)
	if d := f.Clock.Now(); d.Day() != 28 || d.Hour() != 23 {
		t.Fatalf("clock at %v", d)
	}
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(aliceUID, aliceTok, newPW)}, 204, "")
	f.Clock.Advance(time.Second)
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(bobUID, bobTok, newPW)}, 400, invalid)
	f.login("bob@example.com", alicePW)
}

// §3.9 step 2 and D7: the similarity check looks at the request's user.
func TestAuditResetConfirmSimilarity(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	f.createUser("bob@example.com", alicePW)
	bob := f.login("bob@example.com", alicePW)
	confirm := "/api/user/password/reset/confirm/"
	tok := f.resetToken("alice@example.com")
	// With bob's JWT, the new password is compared with bob's email.
	f.expect(req{Method: "POST", Path: confirm, Token: bob, Body: confirmBody("MQ", tok, "bob@example")}, 400, `{"new_password":["The password is too similar to the email address."]}`)
	// Password errors come before the token check.
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody("MQ", "bad", "password")}, 400, `{"new_password":["This password is too common."]}`)
	// Anonymous: no similarity check; the target's inactivity is not checked.
	ina := f.addUser("ina@example.com", password.Encode(alicePW, "abcdefghijkl", 2), false)
	inaTok := resettoken.Generator{SecretKey: servertest.SecretKey}.Make(ina.ID, ina.Password, ina.LastLogin, f.Clock.Now())
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody(resettoken.EncodeUID(ina.ID), inaTok, "ina@example")}, 204, "")
	f.expect(req{Method: "POST", Path: confirm, Body: confirmBody("MQ", tok, "alice@example")}, 204, "")
}

// §1.1, §3.11, §3.14: the code path patterns, seen anonymously (a match is
// the view's 401, a mismatch the 404 page).
func TestAuditCodePathPatterns(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, c := range []struct {
		code  string
		match bool
	}{
		{"123456", true}, {"000000", true}, {"999999", true},
		{"12345", false}, {"1234567", false}, {"12345a", false}, {"１２３４５６", false}, {"٠١٢٣٤٥", false}, {"+12345", false},
	} {
		path := "/api/totp/login/" + c.code + "/"
		if c.match {
			f.expect(req{Method: "POST", Path: path}, 401, notProvided)
		} else {
			f.expect(req{Method: "POST", Path: path}, 404, notFoundPage)
		}
	}
	for _, c := range []struct {
		code  string
		match bool
	}{
		{"abcdefgh", true}, {"abcdefg", true}, {"22222222", true}, {"abcdefg8", true}, {"9999999", true}, {"zzzzzzzz", true},
		{"abcdef", false}, {"abcdefghi", false}, {"abcdefg1", false}, {"abcdefg0", false}, {"abcdefgH", false}, {"ABCDEFGH", false}, {"abcdefg_", false}, {"abcdéfgh", false},
	} {
		path := "/api/static/login/" + c.code + "/"
		if c.match {
			f.expect(req{Method: "POST", Path: path}, 401, notProvided)
		} else {
			f.expect(req{Method: "POST", Path: path}, 404, notFoundPage)
		}
	}
	// Python's `$` also matches before a final newline.
	f.expect(req{Method: "POST", Path: "/api/totp/login/123456/%0A"}, 401, notProvided)
	f.expect(req{Method: "POST", Path: "/api/totp/login/123456/%0A%0A"}, 404, notFoundPage)
}

// §6.3: tolerance ±1 step, replay protection (last_t), drift ratcheting.
func TestAuditTOTPToleranceEdges(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	// No device at all: the bare 400.
	bare := f.expect(req{Method: "POST", Path: "/api/totp/login/123456/", Token: tok}, 400, "")
	assertAPIHeaders(t, bare, allowPost)
	key := f.enrol(tok)
	T := f.Clock.Now().Unix() / 30
	step := 30 * time.Second
	login := func(offset time.Duration) resp {
		return f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, offset) + "/", Token: tok})
	}
	state := func(wantDrift int, wantLastT int64) {
		t.Helper()
		dev, err := f.Store.FirstTOTPDevice(context.Background(), 1)
		if err != nil || dev.Drift != wantDrift || dev.LastT != wantLastT {
			t.Fatalf("device drift %d last_t %d (T=%d), want %d %d: %v", dev.Drift, dev.LastT, T, wantDrift, wantLastT-T, err)
		}
	}
	if got := login(-2 * step); got.Status != 400 {
		t.Fatalf("-2 steps: %d", got.Status)
	}
	state(0, -1) // failures change nothing
	if got := login(-step); got.Status != 201 {
		t.Fatalf("-1 step: %d", got.Status)
	}
	state(-1, T-1)
	if got := login(-step); got.Status != 400 {
		t.Fatalf("replayed -1 step: %d", got.Status)
	}
	// Each success on the window's upper edge moves drift up by one.
	for i, want := range []int{0, 1, 2, 3} {
		if got := login(time.Duration(i) * step); got.Status != 201 {
			t.Fatalf("step T+%d: %d", i, got.Status)
		}
		state(want, T+int64(i))
	}
	// Older steps are refused now, even inside the drifted window.
	if got := login(2 * step); got.Status != 400 {
		t.Fatalf("step before last_t: %d", got.Status)
	}
	// With drift 3 the window is T+2..T+4: T+4 is accepted, T+5 is not.
	if got := login(5 * step); got.Status != 400 {
		t.Fatalf("T+5 with drift 3: %d", got.Status)
	}
	if got := login(4 * step); got.Status != 201 {
		t.Fatalf("T+4 with drift 3: %d", got.Status)
	}
	state(4, T+4)
}

// §3.13, §6.4: static create gets or creates one confirmed device named
// "Static" and replaces its six codes each time; each code works once.
func TestAuditStaticCreate(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	// HEAD creates no device (D12): the gate stays open.
	head := f.expect(req{Method: "HEAD", Path: "/api/static/create/", Token: tok}, 201, "")
	assertHeader(t, head.Header, "Content-Length", "67")
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 200, aliceBody)
	if _, err := f.Store.FirstStaticDevice(context.Background(), 1); err == nil {
		t.Fatal("HEAD created a static device")
	}

	got := f.do(req{Method: "GET", Path: "/api/static/create/", Token: tok})
	assertAPIHeaders(t, got, allowGet)
	first := staticCodes(t, got)
	dev, err := f.Store.FirstStaticDevice(context.Background(), 1)
	if err != nil || dev.Name != "Static" || !dev.Confirmed {
		t.Fatalf("static device = %+v, %v", dev, err)
	}
	stored, _ := f.Store.StaticTokens(context.Background(), dev.ID)
	if strings.Join(stored, ",") != strings.Join(first, ",") {
		t.Fatalf("stored %v, answered %v", stored, first)
	}
	seen := map[string]bool{}
	for _, c := range first {
		seen[c] = true
	}
	if len(seen) != 6 {
		t.Fatalf("codes not distinct: %v", first)
	}
	verified := tokenOf(t, f.do(req{Method: "POST", Path: "/api/static/login/" + first[5] + "/", Token: tok}).Body)
	second := staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified}))
	for _, c := range first {
		f.expect(req{Method: "POST", Path: "/api/static/login/" + c + "/", Token: tok}, 400, "")
	}
	// Same device, new codes, each usable once.
	for _, c := range second {
		got := f.do(req{Method: "POST", Path: "/api/static/login/" + c + "/", Token: tok})
		if got.Status != 201 || f.claims(tokenOf(t, got.Body)).OTPDeviceID() != "otp_static.staticdevice/1" {
			t.Fatalf("code %s: %d %s", c, got.Status, got.Body)
		}
		f.expect(req{Method: "POST", Path: "/api/static/login/" + c + "/", Token: tok}, 400, "")
	}
	// No codes left: the device still gates.
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 403, forbiddenOTP)
}

// §6.1, §6.2: the device defaults and config_url quoting of the email.
func TestAuditConfigURL(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("a+b/c~d@example.com", alicePW)
	tok := f.login("a+b/c~d@example.com", alicePW)
	got := f.do(req{Method: "GET", Path: "/api/totp/create/", Token: tok})
	assertAPIHeaders(t, got, allowGet)
	dev, err := f.Store.FirstTOTPDevice(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(dev.Key)
	want := `"otpauth://totp/a%2Bb/c~d%40example.com?secret=` + base32.StdEncoding.EncodeToString(raw) + `&algorithm=SHA1&digits=6&period=30"`
	if got.Status != 201 || got.Body != want {
		t.Errorf("totp create: %d %s, want %s", got.Status, got.Body, want)
	}
	if len(dev.Key) != 40 || dev.Key != strings.ToLower(dev.Key) || dev.Step != 30 || dev.T0 != 0 || dev.Digits != 6 || dev.Tolerance != 1 || dev.Drift != 0 || dev.LastT != -1 || dev.Name != "" || dev.Confirmed {
		t.Errorf("device defaults = %+v", dev)
	}
}

// Django refuses a form with more than DATA_UPLOAD_MAX_NUMBER_FIELDS
// fields before DRF can answer: its 400 page, with X-Frame-Options from the
// middleware but none of DRF's view headers.
func TestAuditTooManyFormFields(t *testing.T) {
	f := newFixture(t, server.Compat)
	body := strings.Repeat("a=1&", 1001)
	got := f.expect(req{Method: "POST", Path: "/api/user/login/", Body: body, Type: "application/x-www-form-urlencoded"}, 400, `<h1>Bad Request (400)</h1>`)
	assertHeader(t, got.Header, "Content-Type", "text/html")
	assertHeader(t, got.Header, "X-Frame-Options", "SAMEORIGIN")
	assertHeader(t, got.Header, "Allow", "")
	assertHeader(t, got.Header, "Vary", "")
}

// §1.1: the redirect's Location is Django's get_full_path: the decoded
// path re-quoted, the raw query through iri_to_uri.
func TestAuditRedirectLocation(t *testing.T) {
	f := newFixture(t, server.Compat)
	for _, c := range []struct{ path, loc string }{
		{"/api/user/%6Cogin", "/api/user/login/"},
		{"/api/user/login?next=%2Fx&a=b", "/api/user/login/?next=%2Fx&a=b"},
		{"/api/user/login?a=\"b\"&c={x}|y^`<>\\", "/api/user/login/?a=%22b%22&c=%7Bx%7D%7Cy%5E%60%3C%3E%5C"},
		{"/api/user/login?q=[1]:;$()+,!?*@'~#", "/api/user/login/?q=[1]:;$()+,!?*@'~"},
		{"/api/user/login?é", "/api/user/login/?%C3%83%C2%A9"},
		{"/api/user/login?", "/api/user/login/"},
	} {
		got := f.expect(req{Method: "GET", Path: c.path}, 301, "")
		assertHeader(t, got.Header, "Location", c.loc)
	}
}

// §5.3, §3.4: over TLS the links and URLs say https.
func TestAuditTLSScheme(t *testing.T) {
	f := newFixture(t, server.Compat)
	ts := httptest.NewTLSServer(f.API)
	t.Cleanup(ts.Close)
	f.createUser("alice@example.com", alicePW)
	do := func(method, path, body string) (int, string) {
		hr, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		hr.Host = "localhost:8443"
		if body != "" {
			hr.Header.Set("Content-Type", "application/json")
		}
		res, err := ts.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st, body := do("GET", "/api/", ""); st != 200 || body != `{"spaces":"https://localhost:8443/api/spaces/","threads":"https://localhost:8443/api/threads/"}` {
		t.Errorf("api root over TLS: %d %s", st, body)
	}
	if st, _ := do("POST", "/api/user/password/reset/", `{"email":"alice@example.com"}`); st != 204 {
		t.Fatalf("reset over TLS: %d", st)
	}
	link := "https://localhost:8443/password/reset/confirm/MQ/" + f.resetToken("alice@example.com")
	if m := f.Mail.Last(); !strings.Contains(m.Text, "\n"+link+"\n") || !strings.Contains(m.HTML, `<a href="`+link+`">`) {
		t.Errorf("reset mail over TLS:\n%s\n%s", m.Text, m.HTML)
	}
}

// §1.3: Django upper-cases the request method before the view sees it.
func TestAuditMethodCase(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	got := f.do(req{Method: "post", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"` + alicePW + `"}`})
	if got.Status != 200 {
		t.Fatalf("lower-case post: %d %s", got.Status, got.Body)
	}
	tok := tokenOf(t, got.Body)
	f.expect(req{Method: "get", Path: "/api/user/view/", Token: tok}, 200, aliceBody)
	f.expect(req{Method: "Patch", Path: "/api/user/view/", Token: tok, Body: `{"profile":{"about":"x"}}`}, 200,
		`{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":"x"}}`)
	f.expect(req{Method: "delete", Path: "/api/user/view/", Token: tok}, 405, `{"detail":"Method \"DELETE\" not allowed."}`)
	f.expect(req{Method: "foo", Path: "/api/user/view/", Token: tok}, 405, `{"detail":"Method \"FOO\" not allowed."}`)
	f.expect(req{Method: "options", Path: "/api/user/view/"}, 401, notProvided)
}
