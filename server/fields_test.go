package server_test

import (
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server"
)

// TestFieldInvalidMessages sends a list to every field of every serializer:
// DRF 3.9 answers with the field class's own 'invalid' message, which for
// an EmailField replaces CharField's "Not a valid string.".
func TestFieldInvalidMessages(t *testing.T) {
	const notString = `["Not a valid string."]`
	const notEmail = `["Enter a valid email address."]`
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	cases := []struct {
		name, path, body, token, want string
	}{
		{"create", "/api/user/create/", `{"email":["a@b.c"],"password":["x"]}`, "",
			`{"email":` + notEmail + `,"password":` + notString + `}`},
		{"create, dict and bool", "/api/user/create/", `{"email":{"a":"b@c.d"},"password":true}`, "",
			`{"email":` + notEmail + `,"password":` + notString + `}`},
		{"login", "/api/user/login/", `{"email":["a@b.c"],"password":["x"]}`, "",
			`{"email":` + notString + `,"password":` + notString + `}`},
		{"refresh", "/api/user/login/refresh/", `{"token":["x"]}`, "", `{"token":` + notString + `}`},
		{"reset", "/api/user/password/reset/", `{"email":["a@b.c"]}`, "", `{"email":` + notEmail + `}`},
		{"reset, false", "/api/user/password/reset/", `{"email":false}`, "", `{"email":` + notEmail + `}`},
		{"reset confirm", "/api/user/password/reset/confirm/", `{"uid":["MQ"],"token":["x"],"new_password":["x"]}`, "",
			`{"uid":` + notString + `,"token":` + notString + `,"new_password":` + notString + `}`},
		{"password change", "/api/user/password/change/", `{"new_password":["x"],"current_password":["x"]}`, tok,
			`{"new_password":` + notString + `,"current_password":` + notString + `}`},
		{"delete", "/api/user/delete/", `{"current_password":["x"]}`, tok, `{"current_password":` + notString + `}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			f.expect(req{Method: "POST", Path: c.path, Body: c.body, Token: c.token}, 400, c.want)
		})
	}
	t.Run("profile", func(t *testing.T) {
		f.t = t
		f.expect(req{Method: "PUT", Path: "/api/user/view/", Body: `{"profile":{"display_name":["x"],"about":{}}}`, Token: tok}, 400,
			`{"profile":{"display_name":`+notString+`,"about":`+notString+`}}`)
	})
	// An uploaded file is no string either: CharField.to_internal_value
	// fails with the field's 'invalid' message.
	file := func(field string) string {
		return strings.Join([]string{
			"--B", `Content-Disposition: form-data; name="` + field + `"; filename="x.txt"`, "Content-Type: text/plain", "", "data",
			"--B", `Content-Disposition: form-data; name="password"`, "", alicePW,
			"--B--", ""}, "\r\n")
	}
	t.Run("file", func(t *testing.T) {
		f.t = t
		f.expect(req{Method: "POST", Path: "/api/user/create/", Body: file("email"), Type: "multipart/form-data; boundary=B"}, 400,
			`{"email":`+notEmail+`}`)
		f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: file("email"), Type: "multipart/form-data; boundary=B"}, 400,
			`{"email":`+notEmail+`}`)
		f.expect(req{Method: "POST", Path: "/api/user/login/", Body: file("email"), Type: "multipart/form-data; boundary=B"}, 400,
			`{"email":`+notString+`}`)
	})
	if n := countUsers(t, f); n != 1 {
		t.Errorf("users = %d, want 1: refused requests must not write", n)
	}
	if n := len(f.Mail.All()); n != 0 {
		t.Errorf("%d mails sent, want none", n)
	}
}

// TestProfileImageValidation: profile_image is the model's nullable
// ImageField. Anything but null (or an empty form value, or an upload)
// fails with FileField's 'invalid' message, in field order between
// display_name and about; nothing is written.
func TestProfileImageValidation(t *testing.T) {
	const notFile = `["The submitted data was not a file. Check the encoding type on the form."]`
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	const unchanged = `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`
	for _, c := range []struct {
		name, method, body, typ string
		status                  int
		want                    string
	}{
		{"string", "PUT", `{"profile":{"profile_image":"a.png"}}`, "", 400, `{"profile":{"profile_image":` + notFile + `}}`},
		{"empty string", "PATCH", `{"profile":{"profile_image":""}}`, "", 400, `{"profile":{"profile_image":` + notFile + `}}`},
		{"number", "PATCH", `{"profile":{"profile_image":1}}`, "", 400, `{"profile":{"profile_image":` + notFile + `}}`},
		{"dict", "PATCH", `{"profile":{"profile_image":{"name":"a.png","size":1}}}`, "", 400, `{"profile":{"profile_image":` + notFile + `}}`},
		{"field order", "PUT", `{"profile":{"about":[],"profile_image":false,"display_name":{}}}`, "", 400,
			`{"profile":{"display_name":["Not a valid string."],"profile_image":` + notFile + `,"about":["Not a valid string."]}}`},
		{"form string", "PUT", "profile.profile_image=a.png&profile.about=x", "application/x-www-form-urlencoded", 400, `{"profile":{"profile_image":` + notFile + `}}`},
		{"null", "PATCH", `{"profile":{"profile_image":null}}`, "", 200, unchanged},
		{"empty form value is null", "PUT", "profile.profile_image=", "application/x-www-form-urlencoded", 200, unchanged},
	} {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			f.expect(req{Method: c.method, Path: "/api/user/view/", Body: c.body, Type: c.typ, Token: tok}, c.status, c.want)
			f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok}, 200, unchanged)
		})
	}
}
