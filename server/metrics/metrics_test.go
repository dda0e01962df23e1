package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/metrics"
	"github.com/virtualspaces/vsauth/server/store"
)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "vsauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "JWT "+token)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestMetrics scrapes /metrics after a known series of requests and checks
// the exact counts.
func TestMetrics(t *testing.T) {
	st := openStore(t)
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, st)
	e := servertest.Start(t, server.Hardened, servertest.WithStore(st), servertest.WithConfig(func(c *server.Config) { c.Metrics = m }))
	ops := httptest.NewServer(metrics.Handler(reg, st))
	defer ops.Close()

	expect := func(method, path, token, body string, status int) string {
		t.Helper()
		got, b := call(t, method, e.URL+path, token, body)
		if got != status {
			t.Fatalf("%s %s: %d %s, want %d", method, path, got, b, status)
		}
		return b
	}
	creds := func(pw string) string { return `{"email":"alice@example.com","password":"` + pw + `"}` }
	expect("POST", "/api/user/create/", "", creds("S3cure-pass-xyz"), 201)
	expect("POST", "/api/user/login/", "", creds("wrong-password"), 400)
	expect("POST", "/api/user/login/", "", creds("S3cure-pass-xyz"), 400) // throttled for a second
	e.Clock.Advance(time.Second)
	body := expect("POST", "/api/user/login/", "", creds("S3cure-pass-xyz"), 200)
	tok := strings.TrimSuffix(strings.TrimPrefix(body, `{"token":"`), `"}`)
	expect("GET", "/api/totp/create/", tok, "", 201)
	expect("POST", "/api/totp/login/000000/", tok, "", 400) // wrong
	expect("POST", "/api/totp/login/000001/", tok, "", 400) // throttled
	expect("GET", "/api/user/login/", "", "", 405)
	// The API's port knows nothing of the operators' paths.
	expect("GET", "/metrics", "", "", 404)
	expect("BREW", "/nowhere/123456/", "", "", 404)

	ctx := context.Background()
	for range 3 {
		if _, err := st.EnqueueMail(ctx, store.Mail{CreatedAt: servertest.StartTime, From: "a@example.com", To: "b@example.com", Subject: "s", Raw: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.MarkMailSent(ctx, 2, servertest.StartTime); err != nil {
		t.Fatal(err)
	}

	status, text := call(t, "GET", ops.URL+"/metrics", "", "")
	if status != 200 {
		t.Fatalf("/metrics: %d %s", status, text)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[l] = true
	}
	want := []string{
		`vsauth_http_requests_total{method="POST",route="/api/user/create/",status="201"} 1`,
		`vsauth_http_requests_total{method="POST",route="/api/user/login/",status="400"} 2`,
		`vsauth_http_requests_total{method="POST",route="/api/user/login/",status="200"} 1`,
		`vsauth_http_requests_total{method="GET",route="/api/totp/create/",status="201"} 1`,
		`vsauth_http_requests_total{method="POST",route="/api/totp/login/{code}/",status="400"} 2`,
		`vsauth_http_requests_total{method="GET",route="/api/user/login/",status="405"} 1`,
		`vsauth_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`vsauth_http_requests_total{method="other",route="unmatched",status="404"} 1`,
		`vsauth_http_request_duration_seconds_count{method="POST",route="/api/user/login/"} 3`,
		`vsauth_http_request_duration_seconds_bucket{method="POST",route="/api/user/login/",le="0.001"} 3`, // the clock stood still
		`vsauth_security_events_total{event="login_failed"} 1`,
		`vsauth_security_events_total{event="login_throttled"} 1`,
		`vsauth_security_events_total{event="login_ok"} 1`,
		`vsauth_security_events_total{event="second_step_failed"} 1`,
		`vsauth_security_events_total{event="second_step_throttled"} 1`,
		`vsauth_mail_outbox_backlog 2`,
		fmt.Sprintf(`vsauth_db_max_open_connections %d`, st.Stats().MaxOpenConnections),
	}
	for _, w := range want {
		if !lines[w] {
			t.Errorf("no line %s", w)
		}
	}
	if n := strings.Count(text, "\nvsauth_http_requests_total{"); n != 8 {
		t.Errorf("%d request series, want 8:\n%s", n, text)
	}
	if st.Stats().MaxOpenConnections < 1 {
		t.Errorf("pool stats: %+v", st.Stats())
	}
}

// TestHealth: /healthz answers while the process runs, /readyz only while
// the database does.
func TestHealth(t *testing.T) {
	st := openStore(t)
	reg := prometheus.NewRegistry()
	metrics.New(reg, st)
	ops := httptest.NewServer(metrics.Handler(reg, st))
	defer ops.Close()
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := call(t, "GET", ops.URL+path, "", ""); status != 200 || body != "ok\n" {
			t.Errorf("%s: %d %q", path, status, body)
		}
	}
	if status, _ := call(t, "POST", ops.URL+"/readyz", "", ""); status != 405 {
		t.Errorf("POST /readyz: %d", status)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if status, body := call(t, "GET", ops.URL+"/readyz", "", ""); status != 503 || body != "database unreachable\n" {
		t.Errorf("/readyz on a closed database: %d %q", status, body)
	}
	if status, body := call(t, "GET", ops.URL+"/healthz", "", ""); status != 200 || body != "ok\n" {
		t.Errorf("/healthz on a closed database: %d %q", status, body)
	}
	// The backlog reads NaN, the scrape still works.
	if status, text := call(t, "GET", ops.URL+"/metrics", "", ""); status != 200 || !strings.Contains(text, "\nvsauth_mail_outbox_backlog NaN\n") {
		t.Errorf("/metrics on a closed database: %d\n%s", status, text)
	}
}
