package harness_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/harness"
	"github.com/virtualspaces/vsauth/internal/cli"
)

var readyURL = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)

// startVsauthServer runs `vsauth server` in-process on a free loopback port
// with a fresh database and a mail directory, until the test ends.
func startVsauthServer(t *testing.T, args ...string) (base, mailDir string) {
	t.Helper()
	dir := t.TempDir()
	mailDir = filepath.Join(dir, "mail")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	argv := append([]string{"server", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "vsauth.db"),
		"--mail-dir", mailDir, "--password-iterations", "2"}, args...)
	go func() {
		done <- cli.Main(ctx, argv, cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: pw},
			Getenv: func(string) string { return "" }, ConfigDir: dir})
		pw.Close()
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := readyURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case base = <-found:
	case code := <-done:
		t.Fatalf("vsauth server exited with %d", code)
	case <-time.After(10 * time.Second):
		t.Fatal("vsauth server not ready after 10s")
	}
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("vsauth server exited with %d", code)
		}
	})
	return base, mailDir
}

// TestFlowsAgainstExternalServer runs the project's flows against `vsauth
// server` on 127.0.0.1, compat and hardened, without telling the harness
// the profile: the hardened throttle is waited out by clock advance, the
// reset mail read from the server's .eml files, and nothing is skipped.
// Without --mail-dir, password-reset is skipped with its reason.
func TestFlowsAgainstExternalServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every flow against a server")
	}
	for _, profile := range []string{"compat", "hardened"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			base, mailDir := startVsauthServer(t, "--profile", profile)
			sum := harness.Run(t, "../testdata/flows", harness.WithServer(base, mailDir))
			if sum.Passed != len(sum.Cases) || len(sum.Cases) < 12 {
				t.Errorf("%s, want every flow passed", harness.SummaryLine(sum))
			}
			emls, _ := filepath.Glob(filepath.Join(mailDir, "*.eml"))
			if len(emls) == 0 {
				t.Error("the server wrote no .eml file: the reset flow read its mail elsewhere")
			}
			if profile != "hardened" {
				return
			}
			junit := filepath.Join(t.TempDir(), "flows.xml")
			sum, err := harness.RunFlows(t.Context(), []string{"../testdata/flows"}, harness.Options{
				ServerURL: base, Run: regexp.MustCompile(`^password-reset$`), JUnit: junit})
			if err != nil || harness.SummaryLine(sum) != "0 passed, 0 failed, 1 skipped" {
				t.Fatalf("without a mail directory: %v %+v", err, sum)
			}
			raw, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			if want := `<skipped message="skipped: needs the reset mail: run in-process, or give --mail-dir with --server">`; !strings.Contains(string(raw), want) {
				t.Errorf("JUnit report lacks %s:\n%s", want, raw)
			}
		})
	}
}
