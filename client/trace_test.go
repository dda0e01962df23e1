package client_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server"
)

// TestTraceRedaction drives every kind of secret through a traced client and
// checks the exact lines and that no secret substring survives.
func TestTraceRedaction(t *testing.T) {
	f := newFixture(t, server.Compat)
	ctx := context.Background()
	var buf bytes.Buffer
	fixed := func() time.Time { return start }
	c := f.client(t, client.WithTrace(&buf), client.WithClock(fixed))
	const pw2 = "N3w-pass-phrase"

	if _, err := c.CreateUser(ctx, "alice@example.com", alicePW); err != nil {
		t.Fatal(err)
	}
	first, err := c.Login(ctx, "alice@example.com", alicePW)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(first)
	url, err := c.TOTPCreate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := keyOf(t, url)
	code, _ := totp.Code(key, f.Clock.Now(), 6, 30)
	wrong, _ := totp.Code(key, f.Clock.Now().Add(5*time.Minute), 6, 30)
	if _, err := c.TOTPLogin(ctx, wrong); err == nil {
		t.Fatal("wrong code accepted")
	}
	verified, err := c.TOTPLogin(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(verified)
	codes, err := c.StaticCreate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byCode, err := c.StaticLogin(ctx, codes[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(ctx, byCode); err == nil {
		t.Fatal("compat refresh succeeded")
	}
	if err := c.ChangePassword(ctx, alicePW, pw2); err != nil {
		t.Fatal(err)
	}
	if err := c.ResetPassword(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	uid, resetTok, err := client.ParseResetLink(linkRE.FindString(f.Mail.All()[0].Text))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ConfirmReset(ctx, uid, resetTok, alicePW); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(ctx, alicePW); err != nil {
		t.Fatal(err)
	}

	out := buf.String()
	for _, s := range []string{alicePW, pw2, string(first), string(verified), string(byCode), key,
		otpauthRE.FindStringSubmatch(url)[1], code, wrong, codes[0], codes[1], codes[5], resetTok} {
		if strings.Contains(out, s) {
			t.Errorf("trace holds the secret %.4s…", s)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		`POST /api/user/create/ 201 Created 0s auth=none req={"email":"alice@example.com","password":"[REDACTED]"} resp={"email":"alice@example.com","id":1}`,
		`POST /api/user/login/ 200 OK 0s auth=none req={"email":"alice@example.com","password":"[REDACTED]"} resp={"token":"[REDACTED]"}`,
		`GET /api/totp/create/ 201 Created 0s auth="JWT [REDACTED]" resp="otpauth://totp/alice%40example.com?secret=[REDACTED]&algorithm=SHA1&digits=6&period=30"`,
		`POST /api/totp/login/[REDACTED]/ 400 Bad Request 0s auth="JWT [REDACTED]"`,
		`POST /api/totp/login/[REDACTED]/ 201 Created 0s auth="JWT [REDACTED]" resp={"token":"[REDACTED]"}`,
		`GET /api/static/create/ 201 Created 0s auth="JWT [REDACTED]" resp=["[REDACTED]","[REDACTED]","[REDACTED]","[REDACTED]","[REDACTED]","[REDACTED]"]`,
		`POST /api/static/login/[REDACTED]/ 201 Created 0s auth="JWT [REDACTED]" resp={"token":"[REDACTED]"}`,
		`POST /api/user/login/refresh/ 400 Bad Request 0s auth=none req={"token":"[REDACTED]"} resp={"non_field_errors":["orig_iat field is required."]}`,
		`POST /api/user/password/change/ 204 No Content 0s auth="JWT [REDACTED]" req={"new_password":"[REDACTED]","current_password":"[REDACTED]"}`,
		`POST /api/user/password/reset/ 204 No Content 0s auth=none req={"email":"alice@example.com"}`,
		`POST /api/user/password/reset/confirm/ 204 No Content 0s auth=none req={"uid":"[REDACTED]","token":"[REDACTED]","new_password":"[REDACTED]"}`,
		`POST /api/user/delete/ 204 No Content 0s auth="JWT [REDACTED]" req={"current_password":"[REDACTED]"}`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d trace lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, lines[i], want[i])
		}
	}
}

// TestTraceOther covers raw paths, HTML bodies, redirects and JWTs in odd
// places.
func TestTraceOther(t *testing.T) {
	f := newFixture(t, server.Compat)
	ctx := context.Background()
	var buf bytes.Buffer
	c := f.client(t, client.WithTrace(&buf), client.WithClock(func() time.Time { return start }),
		client.WithToken("eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl"))
	_ = c.Raw(ctx, "GET", "/api/nope/", false)
	_ = c.Raw(ctx, "POST", "/api/static/login/abcdefgh", true)
	_ = c.Raw(ctx, "POST", "/api/totp/login/12345/", true)
	want := "GET /api/nope/ 404 Not Found 0s auth=none resp=[text/html, 77 bytes]\n" +
		"POST /api/static/login/[REDACTED] 301 Moved Permanently 0s auth=\"JWT [REDACTED]\" location=/api/static/login/[REDACTED]/\n" +
		"POST /api/totp/login/[REDACTED]/ 404 Not Found 0s auth=\"JWT [REDACTED]\" resp=[text/html, 77 bytes]\n"
	if buf.String() != want {
		t.Errorf("trace:\n%s\nwant:\n%s", buf.String(), want)
	}
}

type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// TestTraceJSONShapes redacts secrets wherever they sit in a JSON answer.
func TestTraceJSONShapes(t *testing.T) {
	var answer atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		io.WriteString(w, answer.Load().(string))
	}))
	t.Cleanup(srv.Close)
	var buf bytes.Buffer
	rt := &countingTransport{}
	c, err := client.New(srv.URL, client.WithTrace(&buf), client.WithTransport(rt), client.WithClock(func() time.Time { return start }))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ body, want string }{
		{`{"token":{"a":[1,true,null,"s"]},"n":1.5,"b":false,"z":null,"jwt":"eyJa.b.c","list":["eyJx.y.z","plain"],"uid":7}`,
			`{"token":{"a":["[REDACTED]","[REDACTED]","[REDACTED]","[REDACTED]"]},"n":1.5,"b":false,"z":null,"jwt":"[REDACTED]","list":["[REDACTED]","plain"],"uid":"[REDACTED]"}`},
		{`  ["otpauth://totp/x?issuer=a&SECRET=ABC&digits=6", "<&>"] `, `["otpauth://totp/x?issuer=a&SECRET=[REDACTED]&digits=6","<&>"]`},
		{`{"a":1`, `[invalid JSON, 6 bytes]`},
		{`{"a":1} {"b":2}`, `[invalid JSON, 15 bytes]`},
		{`"` + strings.Repeat("x", 500) + `"`, `"` + strings.Repeat("x", 399) + `…`},
	}
	for _, tc := range cases {
		buf.Reset()
		answer.Store(tc.body)
		_, _ = c.Login(context.Background(), "a@example.com", "pw")
		want := `POST /api/user/login/ 400 Bad Request 0s auth=none req={"email":"a@example.com","password":"[REDACTED]"} resp=` + tc.want + "\n"
		if buf.String() != want {
			t.Errorf("trace:\n got %s\nwant %s", buf.String(), want)
		}
	}
	if rt.n != len(cases) {
		t.Errorf("transport saw %d requests, want %d", rt.n, len(cases))
	}
}
