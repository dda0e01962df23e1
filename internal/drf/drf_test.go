package drf

import (
	"strings"
	"testing"
)

// validate runs the user-create style serializer (email, password) over a
// body and returns the response DRF would give: the parse or entry error,
// or the field errors ("" when valid), plus the validated values.
func validate(t *testing.T, contentType string, body string, fields ...string) (string, map[string]CharValue) {
	t.Helper()
	d, perr := Parse(contentType, contentType != "", []byte(body))
	if perr != nil {
		return string(perr.Body), nil
	}
	obj, oerr := d.Object(false)
	if oerr != nil {
		return string(oerr.Body), nil
	}
	var errs Errors
	vals := map[string]CharValue{}
	for _, name := range fields {
		if v, ok := obj.Char(name, CharField{Required: true}, &errs); ok {
			vals[name] = v
		}
	}
	if errs.Empty() {
		return "", vals
	}
	b, _ := errs.MarshalJSON()
	return string(b), vals
}

func TestParseEmptyBodyIgnoresType(t *testing.T) {
	for _, tt := range []struct {
		name, contentType string
		has               bool
		body              []byte
	}{
		{"nil body, bogus type", "text/bogus", true, nil},
		{"empty body, json", "application/json", true, []byte{}},
		{"empty body, no header", "", false, nil},
		{"empty body, multipart without boundary", "multipart/form-data", true, []byte{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.contentType, tt.has, tt.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			obj, oerr := d.Object(false)
			if oerr != nil {
				t.Fatalf("Object: %v", oerr)
			}
			var errs Errors
			obj.Char("email", CharField{Required: true}, &errs)
			obj.Char("password", CharField{Required: true}, &errs)
			got, _ := errs.MarshalJSON()
			if want := `{"email":["This field is required."],"password":["This field is required."]}`; string(got) != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestParseUnsupportedMediaType(t *testing.T) {
	for _, tt := range []struct {
		contentType string
		has         bool
		want        string
	}{
		{"text/plain", true, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{"text/plain; charset=utf-8", true, `{"detail":"Unsupported media type \"text/plain; charset=utf-8\" in request."}`},
		{"", false, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{"", true, `{"detail":"Unsupported media type \"\" in request."}`},
		{"application/jsonx", true, `{"detail":"Unsupported media type \"application/jsonx\" in request."}`},
		{"application", true, `{"detail":"Unsupported media type \"application\" in request."}`},
		{"application/json/x", true, `{"detail":"Unsupported media type \"application/json/x\" in request."}`},
		{"text/x; a=<b>&c", true, `{"detail":"Unsupported media type \"text/x; a=<b>&c\" in request."}`},
		// Header bytes reach Python as Latin-1.
		{"text/plain; name=caf\xe9", true, `{"detail":"Unsupported media type \"text/plain; name=café\" in request."}`},
		// The original crashed (500) on a non-ASCII media type.
		{"t\xe9xt/plain", true, `{"detail":"Unsupported media type \"téxt/plain\" in request."}`},
	} {
		_, err := Parse(tt.contentType, tt.has, []byte(`{"a":1}`))
		if err == nil || err.Status != 415 || string(err.Body) != tt.want || err.ContentType != "application/json" {
			t.Errorf("Parse(%q, %v) = %+v, want 415 %s", tt.contentType, tt.has, err, tt.want)
		}
	}
}

func TestParseJSONMediaTypeMatching(t *testing.T) {
	for _, ct := range []string{
		"application/json",
		"application/json; charset=utf-8",
		"Application/JSON",
		"  application/json ;charset=UTF-8",
		"*/*",
		"application/*",
		"*/json",
	} {
		got, vals := validate(t, ct, `{"email":" a@b.c ","password":"x"}`, "email", "password")
		if got != "" || vals["email"].Value != "a@b.c" {
			t.Errorf("%q: got %q %v", ct, got, vals)
		}
	}
}

func TestParseJSONDepth(t *testing.T) {
	deep := strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth)
	if _, err := Parse("application/json", true, []byte(deep)); err != nil {
		t.Fatalf("depth %d: %s", maxJSONDepth, err.Body)
	}
	for _, tt := range []struct{ body, want string }{
		{strings.Repeat("[", maxJSONDepth+1), `{"detail":"JSON parse error - maximum recursion depth exceeded while decoding a JSON array from a unicode string"}`},
		{strings.Repeat(`{"a":`, maxJSONDepth+1), `{"detail":"JSON parse error - maximum recursion depth exceeded while decoding a JSON object from a unicode string"}`},
	} {
		_, err := Parse("application/json", true, []byte(tt.body))
		if err == nil || err.Status != 400 || string(err.Body) != tt.want {
			t.Errorf("got %+v, want %s", err, tt.want)
		}
	}
}

func TestObjectRequiresDict(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`null`, `{"non_field_errors":["No data provided"]}`},
		{` null `, `{"non_field_errors":["No data provided"]}`},
		{`[]`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{`[{"email":"a@b.c"}]`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{`"x"`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{`""`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{`12`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`},
		{`-0`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`},
		{`1.5`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`},
		{`1e400`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`},
		{`true`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`},
		{`false`, `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`},
	} {
		d, perr := Parse("application/json", true, []byte(tt.body))
		if perr != nil {
			t.Fatalf("%s: Parse: %s", tt.body, perr.Body)
		}
		for _, partial := range []bool{false, true} {
			_, err := d.Object(partial)
			if err == nil || err.Status != 400 || string(err.Body) != tt.want {
				t.Errorf("%s (partial %v): got %+v, want %s", tt.body, partial, err, tt.want)
			}
		}
	}
}

func TestJSONDuplicateKeyLastWins(t *testing.T) {
	got, vals := validate(t, "application/json", `{"email":"first","email":"last","password":"p"}`, "email", "password")
	if got != "" || vals["email"].Value != "last" {
		t.Errorf("got %q %v", got, vals)
	}
}

func TestJSONStringEscapes(t *testing.T) {
	got, vals := validate(t, "application/json",
		`{"email":"a\"b\\c\/d\b\f\n\r\tz\u00e9\uD834\uDD1E\ud800x","password":"p"}`, "email", "password")
	// A lone surrogate cannot be held in a Go string and becomes U+FFFD.
	if want := "a\"b\\c/d\b\f\n\r\tzé𝄞\uFFFDx"; got != "" || vals["email"].Value != want {
		t.Errorf("got %q %q, want %q", got, vals["email"].Value, want)
	}
}

func TestCharField(t *testing.T) {
	for _, tt := range []struct {
		name  string
		json  string // the field's JSON value; "" means absent
		field CharField
		want  string // the stripped value, or the error list as JSON
		ok    bool
	}{
		{"string stripped", `"  alice  "`, CharField{Required: true}, "alice", true},
		{"int", `12345678`, CharField{Required: true}, "12345678", true},
		{"negative int", `-42`, CharField{Required: true}, "-42", true},
		{"negative zero int", `-0`, CharField{Required: true}, "0", true},
		{"big int exact", `123456789012345678901234567890123456789`, CharField{Required: true}, "123456789012345678901234567890123456789", true},
		{"float", `1.5`, CharField{Required: true}, "1.5", true},
		{"float integral", `1.0`, CharField{Required: true}, "1.0", true},
		{"float exponent", `1e16`, CharField{Required: true}, "1e+16", true},
		{"float small", `0.00001`, CharField{Required: true}, "1e-05", true},
		{"float overflow", `1e400`, CharField{Required: true}, "inf", true},
		{"float negative overflow", `-1e400`, CharField{Required: true}, "-inf", true},
		{"true", `true`, CharField{Required: true}, `["Not a valid string."]`, false},
		{"false", `false`, CharField{Required: true}, `["Not a valid string."]`, false},
		{"list", `["a"]`, CharField{Required: true}, `["Not a valid string."]`, false},
		{"empty list", `[]`, CharField{Required: true}, `["Not a valid string."]`, false},
		{"dict", `{}`, CharField{Required: true}, `["Not a valid string."]`, false},
		{"subclass invalid message", `["a@b.c"]`, CharField{Required: true, Invalid: "Enter a valid email address."}, `["Enter a valid email address."]`, false},
		{"subclass invalid message, bool", `true`, CharField{Required: true, Invalid: "Enter a valid email address."}, `["Enter a valid email address."]`, false},
		{"null", `null`, CharField{Required: true}, `["This field may not be null."]`, false},
		{"null allowed", `null`, CharField{AllowNull: true}, "<null>", true},
		{"absent required", ``, CharField{Required: true}, `["This field is required."]`, false},
		{"absent optional", ``, CharField{}, "<absent>", true},
		{"empty", `""`, CharField{Required: true}, `["This field may not be blank."]`, false},
		{"spaces", `"  \t\n "`, CharField{Required: true}, `["This field may not be blank."]`, false},
		{"info separators", `"\u001c\u001d\u001e\u001f"`, CharField{Required: true}, `["This field may not be blank."]`, false},
		{"ideographic space", `"\u3000\u00a0\u2028"`, CharField{Required: true}, `["This field may not be blank."]`, false},
		{"blank allowed", `"   "`, CharField{Required: true, AllowBlank: true, MaxLength: 1}, "", true},
		{"unicode strip", `"\u3000\u001cx y\u0085"`, CharField{Required: true}, "x y", true},
		{"zero width space is not whitespace", `"\u200b"`, CharField{Required: true}, "\u200b", true},
		{"NUL", `"a\u0000b"`, CharField{Required: true}, `["Null characters are not allowed."]`, false},
		{"NUL only is not blank", `"\u0000"`, CharField{Required: true}, `["Null characters are not allowed."]`, false},
		{"max length in code points ok", `"ééééé"`, CharField{Required: true, MaxLength: 5}, "ééééé", true},
		{"max length exceeded", `"éééééé"`, CharField{Required: true, MaxLength: 5}, `["Ensure this field has no more than 5 characters."]`, false},
		{"max length after strip", `"  abcde  "`, CharField{Required: true, MaxLength: 5}, "abcde", true},
		{"max length of converted int", `123456`, CharField{Required: true, MaxLength: 5}, `["Ensure this field has no more than 5 characters."]`, false},
		{"all validators, in order", `"\u0000xxxxxx"`, CharField{
			Required: true, MaxLength: 5,
			Before: func(string) []string { return []string{"user with this email address already exists."} },
			After:  func(string) []string { return []string{"Enter a valid email address."} },
		}, `["user with this email address already exists.","Ensure this field has no more than 5 characters.","Null characters are not allowed.","Enter a valid email address."]`, false},
		{"validators see the stripped value", `" a "`, CharField{
			Required: true,
			After: func(s string) []string {
				if s != "a" {
					return []string{"saw " + s}
				}
				return nil
			},
		}, "a", true},
		{"validators skipped when blank", `" "`, CharField{
			Required: true,
			Before:   func(string) []string { return []string{"unique"} },
		}, `["This field may not be blank."]`, false},
		{"validators skipped for wrong type", `true`, CharField{
			Required: true,
			After:    func(string) []string { return []string{"email"} },
		}, `["Not a valid string."]`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{}`
			if tt.json != "" {
				body = `{"f":` + tt.json + `}`
			}
			d, perr := Parse("application/json", true, []byte(body))
			if perr != nil {
				t.Fatalf("Parse: %s", perr.Body)
			}
			obj, oerr := d.Object(false)
			if oerr != nil {
				t.Fatalf("Object: %s", oerr.Body)
			}
			var errs Errors
			v, ok := obj.Char("f", tt.field, &errs)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (errors %v)", ok, tt.ok, &errs)
			}
			if !ok {
				b, _ := errs.MarshalJSON()
				if want := `{"f":` + tt.want + `}`; string(b) != want {
					t.Errorf("errors %s, want %s", b, want)
				}
				return
			}
			if !errs.Empty() {
				t.Errorf("errors recorded on success: %v", &errs)
			}
			got := v.Value
			switch {
			case !v.Present:
				got = "<absent>"
			case v.Null:
				got = "<null>"
			}
			if got != tt.want {
				t.Errorf("value %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCharPartialSkipsAbsentRequired(t *testing.T) {
	d, _ := Parse("application/json", true, []byte(`{"b":" "}`))
	obj, _ := d.Object(true)
	var errs Errors
	v, ok := obj.Char("a", CharField{Required: true}, &errs)
	if !ok || v.Present {
		t.Errorf("absent under partial: %+v %v", v, ok)
	}
	if _, ok := obj.Char("b", CharField{Required: true}, &errs); ok {
		t.Errorf("blank under partial accepted")
	}
	if got, _ := errs.MarshalJSON(); string(got) != `{"b":["This field may not be blank."]}` {
		t.Errorf("errors %s", got)
	}
}

// profileErrors validates a user-view body: a nested profile with
// display_name (max 155, nullable) and about (nullable).
func profileErrors(t *testing.T, contentType, body string, partial bool) (string, *Object) {
	t.Helper()
	d, perr := Parse(contentType, true, []byte(body))
	if perr != nil {
		return string(perr.Body), nil
	}
	obj, oerr := d.Object(partial)
	if oerr != nil {
		return string(oerr.Body), nil
	}
	var errs Errors
	sub, ok := obj.Nested("profile", true, &errs)
	if ok && sub != nil {
		var inner Errors
		sub.Char("display_name", CharField{AllowNull: true, AllowBlank: true, MaxLength: 155}, &inner)
		sub.Char("about", CharField{AllowNull: true, AllowBlank: true}, &inner)
		if !inner.Empty() {
			errs.AddNested("profile", &inner)
		}
	}
	b, _ := errs.MarshalJSON()
	return string(b), sub
}

func TestNested(t *testing.T) {
	long := strings.Repeat("é", 156)
	for _, tt := range []struct {
		name, body string
		partial    bool
		want       string
		present    bool
	}{
		{"absent on PUT", `{}`, false, `{"profile":["This field is required."]}`, false},
		{"absent on PATCH", `{}`, true, `{}`, false},
		{"null", `{"profile":null}`, false, `{"profile":["This field may not be null."]}`, false},
		{"null on PATCH", `{"profile":null}`, true, `{"profile":["This field may not be null."]}`, false},
		{"str", `{"profile":"x"}`, false, `{"profile":{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}}`, false},
		{"list", `{"profile":[]}`, true, `{"profile":{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}}`, false},
		{"int", `{"profile":3}`, false, `{"profile":{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}}`, false},
		{"float", `{"profile":3.0}`, false, `{"profile":{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}}`, false},
		{"bool", `{"profile":true}`, false, `{"profile":{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}}`, false},
		{"empty dict", `{"profile":{}}`, false, `{}`, true},
		{"too long", `{"profile":{"display_name":"` + long + `"}}`, true, `{"profile":{"display_name":["Ensure this field has no more than 155 characters."]}}`, true},
		{"inner errors in field order", `{"profile":{"about":true,"display_name":false}}`, false, `{"profile":{"display_name":["Not a valid string."],"about":["Not a valid string."]}}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, sub := profileErrors(t, "application/json", tt.body, tt.partial)
			if got != tt.want || (sub != nil) != tt.present {
				t.Errorf("got %s (present %v), want %s (present %v)", got, sub != nil, tt.want, tt.present)
			}
		})
	}
}

func TestNestedPartialPropagates(t *testing.T) {
	d, _ := Parse("application/json", true, []byte(`{"profile":{}}`))
	obj, _ := d.Object(true)
	var errs Errors
	sub, ok := obj.Nested("profile", true, &errs)
	if !ok || sub == nil {
		t.Fatal("profile not present")
	}
	if _, ok := sub.Char("display_name", CharField{Required: true}, &errs); !ok || !errs.Empty() {
		t.Errorf("required inner field not skipped under partial: %v", &errs)
	}
}

func TestNestedForm(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       string
		present    bool
	}{
		{"dotted keys", "profile.display_name=Al&profile.about=", `{}`, true},
		{"plain key is not the nested value", "profile=x", `{"profile":["This field is required."]}`, false},
		{"nothing after the dot", "profile.=x", `{"profile":["This field is required."]}`, false},
		{"too long", "profile.display_name=" + strings.Repeat("x", 156), `{"profile":{"display_name":["Ensure this field has no more than 155 characters."]}}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, sub := profileErrors(t, "application/x-www-form-urlencoded", tt.body, false)
			if got != tt.want || (sub != nil) != tt.present {
				t.Errorf("got %s (present %v), want %s", got, sub != nil, tt.want)
			}
		})
	}
	// An empty form value of a nullable field reads as null.
	d, _ := Parse("application/x-www-form-urlencoded", true, []byte("profile.about=&profile.display_name=%20"))
	obj, _ := d.Object(false)
	var errs Errors
	sub, _ := obj.Nested("profile", true, &errs)
	about, _ := sub.Char("about", CharField{AllowNull: true}, &errs)
	name, _ := sub.Char("display_name", CharField{AllowNull: true, AllowBlank: true}, &errs)
	if !about.Null || name.Null || !name.Present || name.Value != "" || !errs.Empty() {
		t.Errorf("about %+v, display_name %+v, errors %v", about, name, &errs)
	}
}

func TestForm(t *testing.T) {
	const ct = "application/x-www-form-urlencoded"
	for _, tt := range []struct {
		name, body, email, password string
	}{
		{"ampersand", "email=a%40b.c&password=pw", "a@b.c", "pw"},
		{"semicolon", "email=x;password=y", "x", "y"},
		{"plus is space", "email=a+b&password=%2B", "a b", "+"},
		{"repeated key: last wins", "email=first&email=last&password=p", "last", "p"},
		{"bad escapes kept", "email=%zz%4&password=100%", "%zz%4", "100%"},
		{"truncated UTF-8 escape", "email=%E2%82&password=%C3%A9", "\uFFFD", "é"},
		{"empty pairs skipped", "&&email=e;;&password=p&", "e", "p"},
		{"name without =", "password=p&email", "", "p"},
		{"extra = kept in value", "email=a=b&password=p", "a=b", "p"},
		// A body that is not UTF-8 is read as Latin-1.
		{"latin-1 fallback", "email=caf\xe9&password=%C3%A9\xff", "café", "éÿ"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(ct+"; charset=utf-8", true, []byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %s", err.Body)
			}
			obj, _ := d.Object(false)
			var errs Errors
			email, _ := obj.Char("email", CharField{Required: true, AllowBlank: true}, &errs)
			password, _ := obj.Char("password", CharField{Required: true}, &errs)
			if email.Value != tt.email || password.Value != tt.password || !errs.Empty() {
				t.Errorf("email %q password %q errors %v, want %q %q", email.Value, password.Value, &errs, tt.email, tt.password)
			}
		})
	}
}

func TestFormBlankRules(t *testing.T) {
	// In form data an empty value of an optional field counts as absent,
	// while a required field reports it blank.
	d, _ := Parse("application/x-www-form-urlencoded", true, []byte("opt=&req="))
	obj, _ := d.Object(false)
	var errs Errors
	opt, ok := obj.Char("opt", CharField{}, &errs)
	if !ok || opt.Present {
		t.Errorf("optional empty: %+v", opt)
	}
	obj.Char("req", CharField{Required: true}, &errs)
	if got, _ := errs.MarshalJSON(); string(got) != `{"req":["This field may not be blank."]}` {
		t.Errorf("errors %s", got)
	}
}

func TestFormTooManyFields(t *testing.T) {
	ok := strings.Repeat("a=1&", 999)
	if _, err := Parse("application/x-www-form-urlencoded", true, []byte(ok)); err != nil {
		t.Fatalf("999 separators: %s", err.Body)
	}
	_, err := Parse("application/x-www-form-urlencoded", true, []byte(ok+";"))
	if err == nil || err.Status != 400 || err.ContentType != "text/html" || string(err.Body) != "<h1>Bad Request (400)</h1>" {
		t.Errorf("1000 separators: %+v", err)
	}
}

func TestPyUnquote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a%C3%A9", "aé"},
		{"%E2%82", "\uFFFD"},
		{"%zz%4", "%zz%4"},
		{"%e9", "\uFFFD"},
		{"%E0%80", "\uFFFD\uFFFD"},
		{"%", "%"},
		{"%%41", "%A"},
		{"é%41", "éA"},
		{"%41é%C3%A9", "Aéé"},
		{"%F0%9F%98%80x", "😀x"},
		{"%ed%a0%80", "\uFFFD\uFFFD\uFFFD"},
	} {
		if got := pyUnquote(tt.in); got != tt.want {
			t.Errorf("pyUnquote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeUTF8Replace(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"\xed\xa0", "\uFFFD\uFFFD"},
		{"\xe2\x82", "\uFFFD"},
		{"a\xe0\x80b", "a\uFFFD\uFFFDb"},
		{"\xf0\x90\x80", "\uFFFD"},
		{"\xff\xfe", "\uFFFD\uFFFD"},
		{"\xc3", "\uFFFD"},
		{"ok é", "ok é"},
	} {
		if got := decodeUTF8Replace([]byte(tt.in)); got != tt.want {
			t.Errorf("decodeUTF8Replace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorsOrderAndEscaping(t *testing.T) {
	var e Errors
	if !e.Empty() {
		t.Error("zero Errors not empty")
	}
	if got, _ := e.MarshalJSON(); string(got) != `{}` {
		t.Errorf("empty = %s", got)
	}
	e.Add("password", "This field is required.")
	e.Add("email", "a<b>&c", "x\"y\\z\n\u2028\u0001é/")
	var inner Errors
	inner.Add("display_name", "Ensure this field has no more than 155 characters.")
	e.AddNested("profile", &inner)
	e.Add("password", "second")
	want := `{"password":["This field is required.","second"],"email":["a<b>&c","x\"y\\z\n\u2028\u0001é/"],"profile":{"display_name":["Ensure this field has no more than 155 characters."]}}`
	got, _ := e.MarshalJSON()
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	r := e.Response()
	if r.Status != 400 || r.ContentType != "application/json" || string(r.Body) != want {
		t.Errorf("Response = %+v", r)
	}
}
