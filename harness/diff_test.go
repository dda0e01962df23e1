package harness

import (
	"bytes"
	"context"
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
	if len(secrets) < 50 {
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
