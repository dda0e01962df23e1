package harness_test

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/harness"
	"github.com/virtualspaces/vsauth/internal/cli"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/vsauthtest"
)

// TestDiffAgainstExternalServer is `vsauth harness diff testdata/flows
// --server URL --mail-dir DIR` against `vsauth server` on 127.0.0.1 (as
// the original would be checked): the external side's wall clock, ids,
// host and mail directory normalize away and every flow is SAME.
func TestDiffAgainstExternalServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every flow against a server")
	}
	base, mailDir := startVsauthServer(t, "--profile", "compat")
	var out strings.Builder
	sum, err := harness.DiffFlows(t.Context(), []string{"../testdata/flows"}, harness.DiffOptions{
		A:   harness.DiffSide{Name: base, ServerURL: base, MailDir: mailDir, Profile: server.Compat},
		B:   harness.DiffSide{Name: "compat", Profile: server.Compat},
		Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Same != len(sum.Flows) || len(sum.Flows) < 12 {
		t.Errorf("want every flow SAME:\n%s", out.String())
	}
	if !strings.HasPrefix(out.String(), "A = "+base+", B = compat\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestVsauthHarnessDiffExit runs `vsauth harness diff` through cli.Main
// against two servers, one of which words a refusal differently: exit 1,
// the exchange in the report; one server on both sides: exit 0.
func TestVsauthHarnessDiffExit(t *testing.T) {
	a := vsauthtest.NewServer(t)
	b := vsauthtest.NewServer(t)
	changed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		b.API.ServeHTTP(rec, r)
		body := strings.ReplaceAll(rec.Body.String(), "Unable to log in", "Cannot log in")
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		io.WriteString(w, body)
	}))
	t.Cleanup(changed.Close)
	for _, tt := range []struct {
		run, other string
		code       int
		want       string
	}{
		{"^login-wrong-password$", changed.URL, 1, "DIFF  login-wrong-password\n      exchange 2: POST /api/user/login/: A 400, B 400\n      body:\n" +
			"        - {\"non_field_errors\":[\"Unable to log in with provided credentials.\"]}\n" +
			"        + {\"non_field_errors\":[\"Cannot log in with provided credentials.\"]}\n"},
		{"^weak-password$", a.URL, 0, "A = A " + a.URL + ", B = B " + a.URL + "\nSAME  weak-password\n1 same, 0 with known differences, 0 with unknown differences, 0 skipped\n"},
	} {
		var out, errOut bytes.Buffer
		code := vsauthMain(t.Context(), []string{"harness", "diff", "../testdata/flows", "--run", tt.run, "--server", a.URL, "--server", tt.other}, cli.Deps{
			IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Getenv: func(string) string { return "" }, ConfigDir: t.TempDir(),
		})
		if code != tt.code || !strings.Contains(out.String(), tt.want) {
			t.Errorf("--run %s: exit %d, want %d\n%s%s", tt.run, code, tt.code, out.String(), errOut.String())
		}
		if tt.code == 1 && errOut.String() != "vsauth: 1 flow with unknown differences\n" {
			t.Errorf("stderr %q", errOut.String())
		}
	}
}
