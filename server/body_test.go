package server_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/store"
)

// expectShort is expect for bodies too long to print on failure.
func (f *fixture) expectShort(r req, status int, body string) {
	f.t.Helper()
	got := f.do(r)
	if got.Status != status || got.Body != body {
		f.t.Fatalf("%s %s (%d-byte %s body)\n got %d %.300s\nwant %d %s", r.Method, r.Path, len(r.Body), r.Type, got.Status, got.Body, status, body)
	}
}

// TestBodiesOfAFewMiB: the original read JSON and form bodies whole (DRF's
// parsers read the stream; Django's DATA_UPLOAD_MAX_MEMORY_SIZE did not apply
// to them), so one 3 MiB field gets its usual field errors, not Django's
// 400 page, and changes nothing.
func TestBodiesOfAFewMiB(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	long := strings.Repeat("a", 3<<20)
	const (
		tooLong    = `{"email":["Ensure this field has no more than 255 characters."]}`
		tooLongBad = `{"email":["Ensure this field has no more than 255 characters.","Enter a valid email address."]}`
		noLogin    = `{"non_field_errors":["Unable to log in with provided credentials."]}`
		form       = "application/x-www-form-urlencoded"
		createPath = "/api/user/create/"
		loginPath  = "/api/user/login/"
	)
	for _, tt := range []struct {
		path, body, typ, want string
	}{
		{createPath, `{"email":"` + long + `@example.com","password":"` + alicePW + `"}`, "", tooLong},
		{createPath, `{"email":"` + long + `","password":"` + alicePW + `"}`, "", tooLongBad},
		{createPath, "email=" + long + "%40example.com&password=" + alicePW, form, tooLong},
		{loginPath, `{"email":"` + long + `@example.com","password":"` + alicePW + `"}`, "", noLogin},
		{loginPath, `{"email":"alice@example.com","password":"` + long + `"}`, "", noLogin},
	} {
		f.expectShort(req{Method: "POST", Path: tt.path, Body: tt.body, Type: tt.typ}, 400, tt.want)
	}
	for _, email := range []string{long + "@example.com", long} {
		if _, err := f.Store.UserByEmail(context.Background(), email); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a %d-byte e-mail was stored: %v", len(email), err)
		}
	}

	// Multipart keeps Django's cap on field data (2.5 MiB) and Django's
	// page; a file part is not field data, so a 3 MiB file is read (and is
	// not a valid e-mail: EmailField.invalid).
	part := func(disposition, content string) string {
		return "--B\r\nContent-Disposition: form-data; " + disposition + "\r\n\r\n" + content + "\r\n"
	}
	mp := "multipart/form-data; boundary=B"
	f.expectShort(req{Method: "POST", Path: loginPath, Type: mp, Body: part(`name="email"`, long) + part(`name="password"`, alicePW) + "--B--\r\n"},
		400, `<h1>Bad Request (400)</h1>`)
	f.expectShort(req{Method: "POST", Path: createPath, Type: mp, Body: part(`name="password"`, alicePW) + part(`name="email"; filename="e.txt"`, long) + part(`name="x"`, "") + "--B--\r\n"},
		400, `{"email":["Enter a valid email address."]}`)
}

// TestBodyCap: over Config.MaxBodyBytes, a view that reads its body answers
// 413 without reading it and changes nothing; at the cap it answers as
// usual, and a view that never reads its body ignores the cap.
func TestBodyCap(t *testing.T) {
	f := &fixture{Env: servertest.Start(t, server.Compat, servertest.WithMaxBodyBytes(64)), t: t}
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	const capped = `{"detail":"Request body too large: the limit is 64 bytes."}`

	atCap := `{"email":"bob@example.com","password":"` + alicePW + `"}`
	atCap += strings.Repeat(" ", 64-len(atCap))
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: atCap}, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
	over := atCap + " "
	got := f.expect(req{Method: "POST", Path: "/api/user/create/", Body: over}, 413, capped)
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("413 Content-Type %q", ct)
	}
	if _, err := f.Store.UserByEmail(context.Background(), "bob@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused body created its user: %v", err)
	}
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: over, Type: "application/x-www-form-urlencoded"}, 413, capped)
	f.expect(req{Method: "POST", Path: "/api/user/logout/all/", Body: over, Token: tok}, 204, "")

	// The default cap, 10 MiB.
	f = newFixture(t, server.Compat)
	f.expectShort(req{Method: "POST", Path: "/api/user/login/", Body: "[" + strings.Repeat(" ", server.DefaultMaxBodyBytes-2) + "]"}, 400,
		`{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`)
	f.expectShort(req{Method: "POST", Path: "/api/user/login/", Body: "[" + strings.Repeat(" ", server.DefaultMaxBodyBytes-1) + "]"}, 413,
		`{"detail":"Request body too large: the limit is `+strconv.Itoa(server.DefaultMaxBodyBytes)+` bytes."}`)
}
