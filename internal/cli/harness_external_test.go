package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHarnessExternalMailDir runs the project's flows with `vsauth harness
// run --server URL --mail-dir DIR` against `vsauth server --mail-dir DIR` on
// 127.0.0.1: password-reset reads the server's .eml files, totp-replay takes
// its [external] branch, and nothing is skipped. Without --mail-dir,
// password-reset is skipped and counted as such.
func TestHarnessExternalMailDir(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every flow against a server")
	}
	dir := t.TempDir()
	mailDir := filepath.Join(dir, "mail")
	base, _ := startServer(t, filepath.Join(dir, "vsauth.db"), mailDir)
	flows := filepath.Join("..", "..", "testdata", "flows")
	junit := filepath.Join(dir, "flows.xml")

	code, out, errOut := run(t, "", nil, "harness", "run", flows, "--server", base, "--mail-dir", mailDir, "--junit", junit)
	if code != 0 || !strings.HasSuffix(out, "\n12 passed, 0 failed, 0 skipped\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`(?m)^PASS password-reset \(`).MatchString(out) || !regexp.MustCompile(`(?m)^PASS totp-replay \(`).MatchString(out) {
		t.Errorf("output:\n%s", out)
	}
	emls, _ := filepath.Glob(filepath.Join(mailDir, "*.eml"))
	if len(emls) == 0 {
		t.Error("the server wrote no .eml file: the reset flow read its mail elsewhere")
	}

	code, out, errOut = run(t, "", nil, "harness", "run", flows, "--server", base, "--run", "^password-reset$", "--junit", junit)
	if code != 0 || !strings.HasSuffix(out, "\n0 passed, 0 failed, 1 skipped\n") || !strings.HasPrefix(out, "SKIP password-reset (") {
		t.Fatalf("without --mail-dir: exit %d\n%s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<skipped message="skipped: needs the reset mail: run in-process, or give --mail-dir with --server">`; !strings.Contains(string(raw), want) {
		t.Errorf("JUnit report lacks %s:\n%s", want, raw)
	}

	// --mail-dir is for an external server only.
	code, _, errOut = run(t, "", nil, "harness", "run", flows, "--mail-dir", mailDir)
	if want := "vsauth: --mail-dir is for an external server (--server); the in-process server's mail is read from its outbox\n"; code != ExitUsage || errOut != want {
		t.Errorf("--mail-dir without --server: exit %d, stderr %q, want %d %q", code, errOut, ExitUsage, want)
	}
}
