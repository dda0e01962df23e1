package server_test

import (
	"encoding/json"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/resettoken"
)

// logFixture is a server whose JSON log records land in logs.
func logFixture(t *testing.T, profile server.Profile, more func(*server.Config)) (*fixture, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	env := servertest.Start(t, profile, servertest.WithConfig(func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if more != nil {
			more(c)
		}
	}))
	return &fixture{Env: env, t: t}, logs
}

// records returns the log records without their time, re-encoded as JSON
// with sorted keys so that they compare as strings.
func records(t *testing.T, logs *syncBuffer) []string {
	t.Helper()
	var out []string
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		delete(m, "time")
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	return out
}

// events are the security event records only.
func events(t *testing.T, logs *syncBuffer) []string {
	var out []string
	for _, r := range records(t, logs) {
		if strings.Contains(r, `"event":"security"`) {
			out = append(out, r)
		}
	}
	return out
}

func assertLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAccessLog(t *testing.T) {
	f, logs := logFixture(t, server.Compat, func(c *server.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	logs.mu.Lock()
	logs.b.Reset()
	logs.mu.Unlock()
	// No device: a bare 400 and no security event, only the access line.
	f.expect(req{Method: "POST", Path: "/api/totp/login/123456/", Token: tok}, 400, "")
	f.expect(req{Method: "GET", Path: "/api/user/view/", Token: tok, Header: map[string]string{"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}},
		200, `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`)
	f.do(req{Method: "GET", Path: "/password/reset/confirm/MQ/7ar-d149efd841d4c80d659e"})
	f.do(req{Method: "GET", Path: "/api/static/login/abcdefg"})
	f.do(req{Method: "GET", Path: "/api/user/login"})
	assertLines(t, records(t, logs), []string{
		`{"bytes":0,"client":"127.0.0.1","duration":0,"level":"INFO","method":"POST","msg":"request","route":"/api/totp/login/{code}/","status":400}`,
		`{"bytes":102,"client":"198.51.100.7","duration":0,"level":"INFO","method":"GET","msg":"request","route":"/api/user/view/","status":200}`,
		`{"bytes":77,"client":"127.0.0.1","duration":0,"level":"INFO","method":"GET","msg":"request","route":"/password/reset/confirm/{uid}/{token}/","status":404}`,
		`{"bytes":0,"client":"127.0.0.1","duration":0,"level":"INFO","method":"GET","msg":"request","route":"/api/static/login/{code}/","status":301}`,
		`{"bytes":0,"client":"127.0.0.1","duration":0,"level":"INFO","method":"GET","msg":"request","route":"/api/user/login","status":301}`,
	})
}

// A failed login, a lockout and a password change: one record each, naming
// the account by id.
func TestSecurityEventsLogin(t *testing.T) {
	f, logs := logFixture(t, server.Hardened, nil)
	f.createUser("alice@example.com", alicePW)
	bad := `{"email":"alice@example.com","password":"wrong-Pass-123"}`
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: bad}, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: bad}, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"nobody@example.com","password":"x"}`}, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
	f.Clock.Advance(2e9)
	tok := f.login("alice@example.com", alicePW)
	f.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: tok, Body: `{"new_password":"N3w-pass-xyz!","current_password":"` + alicePW + `"}`}, 204, "")
	assertLines(t, events(t, logs), []string{
		`{"client":"127.0.0.1","event":"security","level":"WARN","msg":"login failed","reason":"wrong password","user_id":1}`,
		`{"client":"127.0.0.1","event":"security","level":"WARN","locked_until":"2026-11-25T12:00:01Z","msg":"login throttled","user_id":1}`,
		`{"client":"127.0.0.1","event":"security","level":"WARN","msg":"login failed","reason":"unknown account"}`,
		`{"client":"127.0.0.1","event":"security","level":"INFO","msg":"login ok","user_id":1}`,
		`{"client":"127.0.0.1","event":"security","level":"INFO","msg":"password changed","user_id":1}`,
	})
}

// Every event of a whole account's life, and not one secret in the log.
func TestSecurityEventsFullFlowNoSecrets(t *testing.T) {
	f, logs := logFixture(t, server.Compat, nil)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	key, verified := f.enrolAndVerify(tok)
	codes := f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified})
	var list []string
	if err := json.Unmarshal([]byte(codes.Body), &list); err != nil || len(list) != 6 {
		t.Fatalf("codes: %s", codes.Body)
	}
	if got := f.do(req{Method: "POST", Path: "/api/static/login/" + list[0] + "/", Token: tok}); got.Status != 201 {
		t.Fatalf("static login: %d %s", got.Status, got.Body)
	}
	const pw2, pw3 = "S3cond-pass-xyz", "Th1rd-pass-xyz"
	f.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: verified, Body: `{"new_password":"` + pw2 + `","current_password":"` + alicePW + `"}`}, 204, "")
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"alice@example.com"}`}, 204, "")
	resetTok := f.resetToken("alice@example.com")
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/confirm/", Body: confirmBody(resettoken.EncodeUID(1), resetTok, pw3)}, 204, "")
	tok = f.login("alice@example.com", pw3)
	wrong := "000000"
	if f.code(key, 0) == wrong {
		wrong = "111111"
	}
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + wrong + "/", Token: tok}, 400, "")
	f.Clock.Advance(31e9)
	verified = tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: tok}).Body)
	f.expect(req{Method: "POST", Path: "/api/user/logout/all/", Token: verified}, 204, "")
	tok = f.login("alice@example.com", pw3)
	verified = tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 30*time.Second) + "/", Token: tok}).Body)
	verified = tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/delete/", Token: verified}).Body)
	f.expect(req{Method: "POST", Path: "/api/user/delete/", Token: verified, Body: `{"current_password":"` + pw3 + `"}`}, 204, "")

	var got []string
	for _, r := range events(t, logs) {
		var m map[string]any
		_ = json.Unmarshal([]byte(r), &m)
		got = append(got, m["msg"].(string))
		if m["user_id"] != 1.0 {
			t.Errorf("event without the account: %s", r)
		}
	}
	assertLines(t, got, []string{
		"login ok", "second step ok", "totp enrolled", "emergency codes made", "second step ok", "emergency code used",
		"password changed", "password reset", "login ok", "second step failed", "second step ok", "logout all",
		"login ok", "second step ok", "totp deleted", "account deleted",
	})
	all := logs.String()
	secrets := append([]string{alicePW, pw2, pw3, key, resetTok, "alice@example.com", servertest.SecretKey, wrong}, list...)
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("log holds the secret %q:\n%s", s, all)
		}
	}
	for _, jwt := range []string{tok, verified} {
		for _, part := range strings.Split(jwt, ".") {
			if strings.Contains(all, part) {
				t.Errorf("log holds part of a token")
			}
		}
	}
}
