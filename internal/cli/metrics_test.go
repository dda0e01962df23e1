package cli

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
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

// TestServerMetricsAddr: --metrics-addr serves the operators' endpoints on
// their own listener; the API's port still answers 404 there.
func TestServerMetricsAddr(t *testing.T) {
	base, logs := startServer(t, filepath.Join(t.TempDir(), "vsauth.db"), "", func(o *serverOptions) { o.MetricsAddr = "127.0.0.1:0" })
	// Read before the first request: the server logs nothing until then.
	m := regexp.MustCompile(`msg="metrics listening" url=(http://127\.0\.0\.1:\d+)/metrics`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no metrics line: %s", logs)
	}
	ops := m[1]
	if got := post(t, base+"/api/user/create/", `{"email":"alice@example.com","password":"S3cure-pass-xyz"}`); got != 201 {
		t.Fatalf("create: %d", got)
	}
	status, text := get(t, ops+"/metrics")
	if status != 200 || !strings.Contains(text, "\n"+`vsauth_http_requests_total{method="POST",route="/api/user/create/",status="201"} 1`+"\n") ||
		!strings.Contains(text, "\ngo_goroutines ") || !strings.Contains(text, "\nvsauth_mail_outbox_backlog 0\n") {
		t.Errorf("/metrics: %d\n%s", status, text)
	}
	if status, body := get(t, ops+"/readyz"); status != 200 || body != "ok\n" {
		t.Errorf("/readyz: %d %q", status, body)
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		if status, _ := get(t, base+path); status != 404 {
			t.Errorf("API port %s: %d, want 404", path, status)
		}
	}
}

func TestServerWithoutMetricsAddr(t *testing.T) {
	_, logs := startServer(t, filepath.Join(t.TempDir(), "vsauth.db"), "")
	if strings.Contains(logs.String(), "metrics listening") {
		t.Errorf("metrics listener without --metrics-addr: %s", logs)
	}
}
