package cli

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/otp"
)

// storedClaims are the claims of the token `vsauth auth token` prints.
func (e *cliEnv) storedClaims() client.TokenClaims {
	e.t.Helper()
	r := e.run("", false, nil, "auth", "token")
	if r.Code != 0 {
		e.t.Fatalf("auth token: exit %d\n%s", r.Code, r.ErrOut)
	}
	claims, err := client.Token(strings.TrimSpace(r.Out)).Claims()
	if err != nil {
		e.t.Fatal(err)
	}
	return claims
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func TestLoginJSON(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	loggedIn := "Logged in to " + e.URL + " as alice@example.com (token in keyring).\n"

	r := e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin", "--json")
	e.expect(r, 0, `{
  "server": "`+e.URL+`",
  "account": "alice@example.com",
  "storage": "keyring",
  "expires": "`+rfc3339(e.storedClaims().Expires)+`",
  "otp_verified": false
}
`, loggedIn)

	// Without --json the human output is as it was: stderr only.
	e.expect(e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin"), 0, "", loggedIn)

	dev := e.tfEnroll(uid)
	// Stopped before the second step: exit 5 and no JSON.
	r = e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin", "--json")
	e.expect(r, ExitSecondStep, "", "vsauth: alice@example.com has two-step login: pass --otp-code, or run 'vsauth recovery use' (the password step is done and kept)\n")

	r = e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin", "--otp-code", e.tfCode(dev), "--json")
	e.expect(r, 0, `{
  "server": "`+e.URL+`",
  "account": "alice@example.com",
  "storage": "keyring",
  "expires": "`+rfc3339(e.storedClaims().Expires)+`",
  "otp_verified": true,
  "otp_device": "`+otp.PersistentID(otp.KindTOTP, dev.ID)+`"
}
`, "Logged in to "+e.URL+" as alice@example.com with two-step verification (token in keyring).\n")
}

func TestTokenRefresh(t *testing.T) {
	e := newCLIEnv(t, server.Hardened)
	e.tfUser()
	notLogged := strings.ReplaceAll(tfNotLogged, "{URL}", e.URL)
	e.expect(e.run("", false, nil, "token", "refresh", "--json"), ExitAuth, "", notLogged)
	e.tfLogin(0)
	before := e.storedClaims().Expires

	e.Clock.Advance(time.Minute)
	r := e.run("", false, nil, "token", "refresh")
	exp := e.storedClaims().Expires
	if !exp.After(before) {
		t.Fatalf("expiry %v not after %v", exp, before)
	}
	e.expect(r, 0, "", "Token refreshed; it expires at "+rfc3339(exp)+".\n")

	e.Clock.Advance(time.Minute)
	r = e.run("", false, nil, "token", "refresh", "--json")
	exp2 := e.storedClaims().Expires
	if !exp2.After(exp) {
		t.Fatalf("expiry %v not after %v", exp2, exp)
	}
	e.expect(r, 0, "{\n  \"expires\": \""+rfc3339(exp2)+"\"\n}\n", "Token refreshed; it expires at "+rfc3339(exp2)+".\n")

	// With VSAUTH_TOKEN nothing is stored: the fresh token is printed, as
	// a line or as the JSON's "token".
	tok := client.Token(strings.TrimSpace(e.run("", false, nil, "auth", "token").Out))
	e.Env["VSAUTH_TOKEN"] = string(tok)
	note := "note: VSAUTH_TOKEN is set; the new token is printed, not stored\n"
	for _, asJSON := range []bool{false, true} {
		e.Clock.Advance(time.Minute)
		args := []string{"token", "refresh"}
		if asJSON {
			args = append(args, "--json")
		}
		r = e.run("", false, nil, args...)
		var fresh client.Token
		if asJSON {
			_, rest, _ := strings.Cut(r.Out, `"token": "`)
			got, _, _ := strings.Cut(rest, `"`)
			fresh = client.Token(got)
		} else {
			fresh = client.Token(strings.TrimSpace(r.Out))
		}
		claims, err := fresh.Claims()
		if err != nil {
			t.Fatalf("stdout %q: %v", r.Out, err)
		}
		want := string(fresh) + "\n"
		if asJSON {
			want = "{\n  \"expires\": \"" + rfc3339(claims.Expires) + "\",\n  \"token\": \"" + string(fresh) + "\"\n}\n"
		}
		e.expect(r, 0, want, note+"Token refreshed; it expires at "+rfc3339(claims.Expires)+".\n")
		if fresh == tok {
			t.Error("the token was not refreshed")
		}
	}
	delete(e.Env, "VSAUTH_TOKEN")
	if got := e.storedClaims().Expires; !got.Equal(exp2) {
		t.Errorf("the stored token changed under VSAUTH_TOKEN: expires %v, want %v", got, exp2)
	}
}

// TestTokenRefreshCompat: the original refuses every refresh (D11); --json
// prints nothing then.
func TestTokenRefreshCompat(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	e.tfUser()
	e.tfLogin(0)
	e.expect(e.run("", false, nil, "token", "refresh", "--json"), ExitError, "",
		"vsauth: refresh refused: 400 Bad Request: orig_iat field is required.\n")
}

// recordingTransport is an injected HTTP client's transport: it notes each
// request and the User-Agent the SDK gave it, then sends it on.
type recordingTransport struct {
	mu   sync.Mutex
	seen []string
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.seen = append(rt.seen, req.Method+" "+req.URL.Path+" "+req.Header.Get("User-Agent"))
	rt.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (rt *recordingTransport) requests() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.seen)
}

// TestInjectedHTTPClient: with Deps.HTTPClient set, every API request goes
// through it, still decorated by the SDK.
func TestInjectedHTTPClient(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	e.tfUser()
	rt := &recordingTransport{}
	e.HTTPClient = &http.Client{Transport: rt}
	e.tfLogin(0)
	r := e.run("", false, nil, "user", "view", "--json")
	if r.Code != 0 {
		t.Fatalf("user view: exit %d\n%s", r.Code, r.ErrOut)
	}
	ua := "vsauth/dev (+https://github.com/virtualspaces/vsauth)"
	want := []string{
		"POST /api/user/login/ " + ua,
		"GET /api/user/view/ " + ua,
		"GET /api/user/view/ " + ua,
	}
	if got := rt.requests(); !slices.Equal(got, want) {
		t.Errorf("requests through the injected client:\n%q\nwant\n%q", got, want)
	}

	// Without it, the SDK's own client sends them.
	e.HTTPClient = nil
	if r := e.run("", false, nil, "user", "view"); r.Code != 0 {
		t.Fatalf("user view: exit %d\n%s", r.Code, r.ErrOut)
	}
	if n := len(rt.requests()); n != len(want) {
		t.Errorf("%d requests through the injected client, want %d", n, len(want))
	}
}

func TestLoginAndRefreshFlags(t *testing.T) {
	d, _ := newTestDeps("", nil)
	a := newApp(d)
	var login *loginOptions
	cmd := newCmdLogin(a, func(_ context.Context, o *loginOptions) error { login = o; return nil })
	if err := execParse(cmd, d, []string{"--email", "bob@example.com", "--password-stdin", "--otp-code", "123456", "--json"}); err != nil {
		t.Fatal(err)
	}
	if want := (loginOptions{a: a, Email: "bob@example.com", PasswordStdin: true, OTPCode: "123456", JSON: true}); *login != want {
		t.Errorf("login options %+v, want %+v", *login, want)
	}
	var refresh *tokenRefreshOptions
	cmd = newCmdTokenRefresh(a, func(_ context.Context, o *tokenRefreshOptions) error { refresh = o; return nil })
	if err := execParse(cmd, d, []string{"--json"}); err != nil {
		t.Fatal(err)
	}
	if want := (tokenRefreshOptions{a: a, JSON: true}); *refresh != want {
		t.Errorf("refresh options %+v, want %+v", *refresh, want)
	}
	err := execParse(newCmdTokenRefresh(a, func(context.Context, *tokenRefreshOptions) error { return nil }), d, []string{"now"})
	if err == nil || err.Error() != `unknown command "now" for "refresh"` {
		t.Errorf("an argument: %v", err)
	}
}

// client is an HTTP client that records through rt.
func (rt *recordingTransport) client() *http.Client { return &http.Client{Transport: rt} }
