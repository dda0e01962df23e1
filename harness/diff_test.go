package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/server"
)

const flowDir = "../testdata/flows"

// rewriteBody wraps a handler so that its answers to path have old
// replaced by new in the body (and a matching Content-Length).
func rewriteBody(path, old, new string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := strings.ReplaceAll(rec.Body.String(), old, new)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.Code)
			io.WriteString(w, body)
		})
	}
}

// setHeader wraps a handler so that its answers with status have header
// name set to value.
func setHeader(status int, name, value string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(headerWriter{w, status, name, value}, r)
		})
	}
}

type headerWriter struct {
	http.ResponseWriter
	status      int
	name, value string
}

func (w headerWriter) WriteHeader(code int) {
	if code == w.status {
		w.Header().Set(w.name, w.value)
	}
	w.ResponseWriter.WriteHeader(code)
}

func runDiff(t *testing.T, opts DiffOptions) (DiffSummary, string) {
	t.Helper()
	var out bytes.Buffer
	opts.Out = &out
	sum, err := DiffFlows(t.Context(), []string{flowDir}, opts)
	if err != nil {
		t.Fatalf("DiffFlows: %v\n%s", err, out.String())
	}
	return sum, out.String()
}

func TestDiffIdenticalServersSame(t *testing.T) {
	sum, out := runDiff(t, DiffOptions{A: DiffSide{Name: "A", Profile: server.Compat}, B: DiffSide{Name: "B", Profile: server.Compat}})
	names, _ := filepath.Glob(filepath.Join(flowDir, "*.txtar"))
	want := "A = A, B = B\n"
	for _, n := range names {
		want += "SAME  " + flowName(n) + "\n"
	}
	want += strconv.Itoa(len(names)) + " same, 0 with known differences, 0 with unknown differences, 0 skipped\n"
	if out != want || sum.Same != len(names) || len(names) < 12 {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	for _, f := range sum.Flows {
		if len(f.A) == 0 || len(f.A) != len(f.B) {
			t.Errorf("%s: %d and %d exchanges recorded", f.Name, len(f.A), len(f.B))
		}
	}
}

func TestDiffChangedMessage(t *testing.T) {
	sum, out := runDiff(t, DiffOptions{
		A:   DiffSide{Name: "A", Profile: server.Compat},
		B:   DiffSide{Name: "B", Profile: server.Compat, wrap: rewriteBody("/api/user/password/change/", "Invalid password.", "Wrong password.")},
		Run: regexp.MustCompile(`^(password-change|account)$`),
	})
	want := `A = A, B = B
SAME  account
DIFF  password-change
      exchange 4: POST /api/user/password/change/: A 400, B 400
      body:
        - {"current_password":["Invalid password."]}
        + {"current_password":["Wrong password."]}
      the flow failed on B: ../testdata/flows/password-change.txtar:7: no match for ` + "`Invalid password.`" + ` found in stderr
1 same, 0 with known differences, 1 with unknown differences, 0 skipped
`
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	if sum.Unknown != 1 || sum.Flows[1].Unknown.Index != 4 {
		t.Errorf("summary %+v", sum)
	}
}

func TestDiffChangedHeader(t *testing.T) {
	_, out := runDiff(t, DiffOptions{
		A:   DiffSide{Name: "A", Profile: server.Compat},
		B:   DiffSide{Name: "B", Profile: server.Compat, wrap: setHeader(401, "WWW-Authenticate", `Bearer realm="api"`)},
		Run: regexp.MustCompile(`^logout-all$`),
	})
	want := `A = A, B = B
DIFF  logout-all
      exchange 5: GET /api/user/view/: A 401, B 401
      Www-Authenticate: JWT realm="api" | Bearer realm="api"
0 same, 0 with known differences, 1 with unknown differences, 0 skipped
`
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	// The same header left out of the comparison.
	_, out = runDiff(t, DiffOptions{
		A:             DiffSide{Name: "A", Profile: server.Compat},
		B:             DiffSide{Name: "B", Profile: server.Compat, wrap: setHeader(401, "WWW-Authenticate", `Bearer realm="api"`)},
		Run:           regexp.MustCompile(`^logout-all$`),
		IgnoreHeaders: []string{"www-authenticate"},
	})
	if !strings.HasPrefix(out, "A = A, B = B\nSAME  logout-all\n") {
		t.Errorf("with --ignore-header:\n%s", out)
	}
}

// TestDiffCompatHardened: the table of what the hardened profile changes is
// the one in the README, and lists exactly the hardened-column defects of
// API.md §7.1 that the flows exercise.
func TestDiffCompatHardened(t *testing.T) {
	sum, out := runDiff(t, DiffOptions{A: DiffSide{Name: "compat", Profile: server.Compat}, B: DiffSide{Name: "hardened", Profile: server.Hardened}})
	hardenedColumn := map[string]bool{"D4": true, "D5": true, "D6": true, "D7": true, "D8": true, "D10": true, "D11": true, "D13": true, "D14": true}
	seen := map[string]bool{}
	for _, f := range sum.Flows {
		for _, k := range f.Known {
			if !hardenedColumn[k.Defect] {
				t.Errorf("%s: %s is not a hardened change", f.Name, k.Defect)
			}
			seen[k.Defect] = true
		}
	}
	// Every token the hardened profile mints carries orig_iat (D11); the
	// flows wait out its throttles and never hit the other fixes.
	if len(seen) != 1 || !seen["D11"] || sum.Unknown != 0 || sum.Same != 2 || sum.Known != 10 {
		t.Errorf("defects %v, summary %s\n%s", seen, DiffSummaryLine(sum), out)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```\n$ vsauth harness diff testdata/flows\n"+out+"```") {
		t.Errorf("README.md lacks the output of `vsauth harness diff testdata/flows`:\n%s", out)
	}
}

// teeCLI runs the CLI with a transport that also keeps every raw body and
// Authorization header, for the test to look for in the reports.
type teeCLI struct {
	mu  sync.Mutex
	raw []string
}

func (c *teeCLI) run(ctx context.Context, args []string, env CLIEnv) int {
	inner := env.HTTPClient.Transport
	env.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		var reqBody []byte
		if r.Body != nil {
			reqBody, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		res, err := inner.RoundTrip(r)
		if err != nil {
			return res, err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body = io.NopCloser(bytes.NewReader(body))
		c.mu.Lock()
		c.raw = append(c.raw, string(reqBody), string(body), r.Header.Get("Authorization"), r.URL.Path)
		c.mu.Unlock()
		return res, nil
	})}
	return inprocessCLI(ctx, args, env)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var (
	rawJWT    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+`)
	rawSecret = regexp.MustCompile(`secret=([A-Z2-7]{16,})`)
	rawCode   = regexp.MustCompile(`"([a-z2-7]{8})"`)
	rawOTP    = regexp.MustCompile(`/login/([0-9a-z]{6,8})/`)
	rawField  = regexp.MustCompile(`"(?:password|current_password|new_password|uid|token)":"([^"]+)"`)
)

// TestDiffReportsHoldNoSecret looks for every token, TOTP secret, code,
// password, reset uid and token the servers and the CLI exchanged in the
// text, JSON and JUnit reports of a diff that shows both known and unknown
// differences.
func TestDiffReportsHoldNoSecret(t *testing.T) {
	dir := t.TempDir()
	tee := &teeCLI{}
	_, out := runDiff(t, DiffOptions{
		A:   DiffSide{Name: "compat", Profile: server.Compat},
		B:   DiffSide{Name: "hardened", Profile: server.Hardened, wrap: rewriteBody("/api/totp/create/", "period=30", "period=31")},
		CLI: tee.run, JUnit: filepath.Join(dir, "diff.xml"), JSON: filepath.Join(dir, "diff.json"), Verbose: true,
		// Between them: tokens, TOTP secrets and codes, emergency codes,
		// passwords, reset uids and tokens.
		Run: regexp.MustCompile(`^(totp-enroll|recovery-codes|password-reset|password-change)$`),
	})
	var secrets []string
	for _, raw := range tee.raw {
		res := []*regexp.Regexp{rawSecret, rawOTP, rawField}
		if strings.HasPrefix(raw, "[") { // emergency codes
			res = append(res, rawCode)
		}
		for _, re := range res {
			for _, m := range re.FindAllStringSubmatch(raw, -1) {
				secrets = append(secrets, m[1])
			}
		}
		secrets = append(secrets, rawJWT.FindAllString(raw, -1)...)
	}
	if len(secrets) < 30 {
		t.Fatalf("only %d secrets exchanged: the tee saw nothing", len(secrets))
	}
	junit, _ := os.ReadFile(filepath.Join(dir, "diff.xml"))
	js, _ := os.ReadFile(filepath.Join(dir, "diff.json"))
	if !bytes.Contains(js, []byte(`"path": "/api/totp/login/<code>/"`)) || !bytes.Contains(junit, []byte("D11: hardened")) {
		t.Fatalf("reports lack the transcripts:\n%s\n%s", js, junit)
	}
	for name, report := range map[string]string{"text": out, "JUnit": string(junit), "JSON": string(js)} {
		for _, s := range secrets {
			if strings.Contains(report, s) {
				t.Errorf("the %s report holds the secret %q", name, s)
			}
		}
		if rawJWT.MatchString(report) {
			t.Errorf("the %s report holds a token", name)
		}
	}
}

func ex(method, path string, status int, body string) normExchange {
	return normExchange{Method: method, Path: path, Auth: "none", Status: status, Body: body}
}

// TestClassify: each known defect is recognized in either direction and
// named with the side that shows it; a look-alike that is not one stays
// unknown.
func TestClassify(t *testing.T) {
	tok := `{"token":"<token typ,alg | user_id,username,exp,otp_device_id | otp_device_id=null | exp-now=900s>"}`
	tokIat := `{"token":"<token typ,alg | user_id,username,exp,otp_device_id,orig_iat | otp_device_id=null | exp-now=900s>"}`
	changed := ex("POST", "/api/user/password/change/", 204, "")
	failedLogin := ex("POST", "/api/user/login/", 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
	tests := []struct {
		name      string
		orig, fix []normExchange
		id, what  string
		notDefect bool
	}{
		{name: "D1", orig: []normExchange{ex("GET", "/api/user/view/", 500, "Traceback")}, fix: []normExchange{ex("GET", "/api/user/view/", 401, `{"detail":"Error decoding signature."}`)},
			id: "D1", what: "orig answers 500 to GET /api/user/view/ with the token of a user that is gone, fix 401"},
		{name: "D2", orig: []normExchange{ex("POST", "/api/user/login/refresh/", 500, "")}, fix: []normExchange{ex("POST", "/api/user/login/refresh/", 400, `{"non_field_errors":["Error decoding signature."]}`)},
			id: "D2", what: "orig answers 500 to POST /api/user/login/refresh/ with a token it cannot decode, fix 400"},
		{name: "D3", orig: []normExchange{ex("PATCH", "/api/user/view/", 500, "<h1>Server Error (500)</h1>")}, fix: []normExchange{ex("PATCH", "/api/user/view/", 200, `{"id":"<id:1>"}`)},
			id: "D3", what: "orig answers 500 to PATCH /api/user/view/, fix updates the profile"},
		{name: "D16", orig: []normExchange{ex("POST", "/api/user/login", 500, "")}, fix: []normExchange{ex("POST", "/api/user/login", 301, "")}, id: "D16"},
		{name: "D4", orig: []normExchange{ex("GET", "/api/totp/create/", 201, `"otpauth://totp/x?secret=<secret>"`)}, fix: []normExchange{ex("GET", "/api/totp/create/", 409, `{"detail":"…"}`)}, id: "D4"},
		{name: "D5", orig: []normExchange{changed, ex("GET", "/api/user/view/", 200, `{}`)}, fix: []normExchange{changed, ex("GET", "/api/user/view/", 401, `{"detail":"Error decoding signature."}`)}, id: "D5"},
		{name: "401 without a password change", orig: []normExchange{ex("GET", "/api/user/view/", 200, `{}`)}, fix: []normExchange{ex("GET", "/api/user/view/", 401, `{"detail":"Error decoding signature."}`)}, notDefect: true},
		{name: "D6", orig: []normExchange{ex("POST", "/api/user/logout/all/", 204, "")}, fix: []normExchange{ex("POST", "/api/user/logout/all/", 403, `{"detail":"…"}`)}, id: "D6"},
		{name: "D7", orig: []normExchange{ex("POST", "/api/user/password/reset/confirm/", 204, "")}, fix: []normExchange{ex("POST", "/api/user/password/reset/confirm/", 400, `{"new_password":["The password is too similar to the email address."]}`)}, id: "D7"},
		{name: "D8", orig: []normExchange{failedLogin, ex("POST", "/api/user/login/", 200, tok)}, fix: []normExchange{failedLogin, failedLogin}, id: "D8"},
		{name: "400 without an earlier failure", orig: []normExchange{ex("POST", "/api/user/login/", 200, tok)}, fix: []normExchange{failedLogin}, notDefect: true},
		{name: "D11 claim", orig: []normExchange{ex("POST", "/api/user/login/", 200, tok)}, fix: []normExchange{ex("POST", "/api/user/login/", 200, tokIat)},
			id: "D11", what: "fix's tokens carry orig_iat (refresh works), orig's do not (POST /api/user/login/)"},
		{name: "orig_iat and another change", orig: []normExchange{ex("POST", "/api/user/login/", 200, tok)}, fix: []normExchange{ex("POST", "/api/user/login/", 201, tokIat)}, notDefect: true},
		{name: "D11 refresh", orig: []normExchange{ex("POST", "/api/user/login/refresh/", 400, `{"non_field_errors":["orig_iat field is required."]}`)}, fix: []normExchange{ex("POST", "/api/user/login/refresh/", 200, tokIat)}, id: "D11"},
		{name: "D13", orig: []normExchange{ex("GET", "/api/static/create/", 201, `["<code>"]`)}, fix: []normExchange{ex("GET", "/api/static/create/", 409, `{"detail":"…"}`)}, id: "D13"},
		{name: "D14", orig: []normExchange{ex("POST", "/api/user/create/", 400, `["Unable to create account."]`)}, fix: []normExchange{ex("POST", "/api/user/create/", 400, `{"email":["user with this email address already exists."]}`)}, id: "D14"},
		{name: "changed message", orig: []normExchange{ex("POST", "/api/user/login/", 400, `{"a":["x."]}`)}, fix: []normExchange{ex("POST", "/api/user/login/", 400, `{"a":["y."]}`)}, notDefect: true},
		{name: "500 elsewhere", orig: []normExchange{ex("POST", "/api/user/create/", 500, "")}, fix: []normExchange{ex("POST", "/api/user/create/", 201, "")}, notDefect: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, swap := range []bool{false, true} {
				a, b, na, nb := tt.orig, tt.fix, "orig", "fix"
				if swap {
					a, b, na, nb = b, a, nb, na
				}
				id, what, ok := classify(na, nb, a, b)
				if tt.notDefect {
					if ok {
						t.Errorf("classified as %s: %s", id, what)
					}
					continue
				}
				if !ok || id != tt.id || (tt.what != "" && what != tt.what) {
					t.Errorf("swap=%v: got %q %q %v, want %s %q", swap, id, what, ok, tt.id, tt.what)
				}
			}
		})
	}
}

// TestNormalize: what differs between servers is replaced, what tells
// them apart is kept.
func TestNormalize(t *testing.T) {
	const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxLCJ1c2VybmFtZSI6ImFsaWNlQGV4YW1wbGUuY29tIiwiZXhwIjoxNzAwMDAwMDAwLCJvdHBfZGV2aWNlX2lkIjoib3RwX3RvdHAudG90cGRldmljZS8xIn0.SfO8F0GEoGuIzP-iGozT-1cYKjqXZKHQrJPkF20Q85k"
	at := time.Unix(1700000000-899, 400e6) // the original's floor(now) + 900, answered 0.4 s later
	xs := []exchange{
		{method: "POST", path: "/api/user/create/", host: "127.0.0.1:8002", reqHeader: http.Header{},
			reqBody: []byte(`{"email":"a-0badcafe@example.com","password":"hunter2-hunter2"}`), status: 201,
			header: http.Header{"Content-Type": {"application/json"}, "Date": {"Tue, 01 Dec 2026 13:34:25 GMT"}, "Server": {"gunicorn/20.1.0"}},
			body:   []byte(`{"email":"a-0badcafe@example.com","id":17}`)},
		{method: "POST", path: "/api/totp/login/123456/", host: "127.0.0.1:8002", reqHeader: http.Header{"Authorization": {"JWT " + jwt}},
			status: 201, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"token":"` + jwt + `"}`), at: at},
		{method: "GET", path: "/api/static/create/", host: "127.0.0.1:8002", reqHeader: http.Header{}, status: 201,
			header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`["g5s65yen","2ljt2i5x"]`)},
		{method: "GET", path: "/api/totp/create/", host: "127.0.0.1:8002", reqHeader: http.Header{}, status: 201,
			header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`"otpauth://totp/a-0badcafe%40example.com?secret=H4EXRQMMWTCCG5CIJ7TANDBFPKH5W7ZM&algorithm=SHA1&digits=6&period=30"`)},
		{method: "GET", path: "/api/user/view/", host: "127.0.0.1:8002", reqHeader: http.Header{}, status: 200,
			header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"id":17,"profile":{"profile_image":"http://127.0.0.1:8002/media/x.png"}}`)},
		{method: "POST", path: "/api/user/delete/", host: "127.0.0.1:8002", reqHeader: http.Header{},
			reqBody: []byte(`{"current_password":" pass word "}`), status: 400, header: http.Header{"Content-Type": {"text/plain"}},
			body: []byte(`"hunter2-hunter2" and " pass word " and "pass word" were sent to 127.0.0.1:8002, that is 127.0.0.1`)},
	}
	n := newNormalizer("0badcafe", xs, nil)
	var got []string
	for _, x := range xs {
		e := n.exchange(x)
		got = append(got, fmt.Sprintf("%s %s %s %d %v %s %s", e.Method, e.Path, e.Auth, e.Status, e.Headers, e.Request, e.Body))
	}
	want := []string{
		`POST /api/user/create/ none 201 map[Content-Type:application/json] {"email":"a-$UNIQUE@example.com","password":"<password>"} {"email":"a-$UNIQUE@example.com","id":"<id:1>"}`,
		`POST /api/totp/login/<code>/ JWT <token typ,alg | user_id,username,exp,otp_device_id | otp_device_id=set> 201 map[Content-Type:application/json]  {"token":"<token typ,alg | user_id,username,exp,otp_device_id | otp_device_id=set | exp-now=900s>"}`,
		`GET /api/static/create/ none 201 map[Content-Type:application/json]  ["<code>","<code>"]`,
		`GET /api/totp/create/ none 201 map[Content-Type:application/json]  "otpauth://totp/a-$UNIQUE%40example.com?secret=<secret>&algorithm=SHA1&digits=6&period=30"`,
		`GET /api/user/view/ none 200 map[Content-Type:application/json]  {"id":"<id:1>","profile":{"profile_image":"http://$HOST/media/x.png"}}`,
		`POST /api/user/delete/ none 400 map[Content-Type:text/plain] {"current_password":"<current_password>"} "<secret>" and "<secret>" and "<secret>" were sent to $HOST, that is $HOST`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
