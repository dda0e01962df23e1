package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/store"
)

// start is where every fixture's clock starts: 2026-11-25 12:00:00 UTC.
var start = servertest.StartTime

// fixture is an in-process API server (servertest.Env: URL, Store, API,
// Mail, Clock) with request helpers.
type fixture struct {
	*servertest.Env
	t testing.TB
}

func newFixture(t testing.TB, profile server.Profile) *fixture {
	t.Helper()
	return &fixture{Env: servertest.Start(t, profile), t: t}
}

// req describes one request; Body with a JSON look gets application/json
// unless Type says otherwise.
type req struct {
	Method, Path, Body, Type, Token string
	Header                          map[string]string
}

type resp struct {
	Status int
	Header http.Header
	Body   string
}

func (f *fixture) do(r req) resp {
	f.t.Helper()
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	hr, err := http.NewRequest(r.Method, f.URL+r.Path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	typ := r.Type
	if typ == "" && r.Body != "" {
		typ = "application/json"
	}
	if typ != "-" && typ != "" {
		hr.Header.Set("Content-Type", typ)
	}
	if r.Token != "" {
		hr.Header.Set("Authorization", "JWT "+r.Token)
	}
	for k, v := range r.Header {
		if k == "Host" {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// expect asserts the status and exact body.
func (f *fixture) expect(r req, status int, body string) resp {
	f.t.Helper()
	got := f.do(r)
	if got.Status != status || got.Body != body {
		f.t.Fatalf("%s %s %s\n got %d %s\nwant %d %s", r.Method, r.Path, r.Body, got.Status, got.Body, status, body)
	}
	return got
}

func (f *fixture) createUser(email, pw string) {
	f.t.Helper()
	got := f.do(req{Method: "POST", Path: "/api/user/create/", Body: `{"email":"` + email + `","password":"` + pw + `"}`})
	if got.Status != 201 {
		f.t.Fatalf("create %s: %d %s", email, got.Status, got.Body)
	}
}

func (f *fixture) login(email, pw string) string {
	f.t.Helper()
	got := f.do(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"` + email + `","password":"` + pw + `"}`})
	if got.Status != 200 {
		f.t.Fatalf("login %s: %d %s", email, got.Status, got.Body)
	}
	return tokenOf(f.t, got.Body)
}

func tokenOf(t testing.TB, body string) string {
	t.Helper()
	const pre, post = `{"token":"`, `"}`
	if !strings.HasPrefix(body, pre) || !strings.HasSuffix(body, post) {
		t.Fatalf("not a token body: %s", body)
	}
	return strings.TrimSuffix(strings.TrimPrefix(body, pre), post)
}

// claims decodes a token's payload without verifying it.
func (f *fixture) claims(tok string) *authtoken.Payload {
	f.t.Helper()
	p, err := authtoken.Decode(tok, f.Clock.Now(), func(p *authtoken.Payload) (string, error) {
		u, err := f.Store.UserByID(context.Background(), p.UserID())
		return u.JWTSecret, err
	})
	if err != nil {
		f.t.Fatalf("decoding token: %v", err)
	}
	return p
}

func (f *fixture) user(email string) store.User {
	f.t.Helper()
	u, err := f.Store.UserByEmail(context.Background(), email)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func assertHeader(t *testing.T, h http.Header, name, want string) {
	t.Helper()
	vals, ok := h[http.CanonicalHeaderKey(name)]
	if want == "" {
		if ok {
			t.Errorf("header %s = %q, want absent", name, vals)
		}
		return
	}
	if !ok || len(vals) != 1 || vals[0] != want {
		t.Errorf("header %s = %q, want %q", name, vals, want)
	}
}
