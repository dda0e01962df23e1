package harness_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// consumerTest is the Go test of a module that depends on vsauth: a server
// in one call, a flow through harness.Run, and the reset mail.
const consumerTest = `package consumer_test

import (
	"context"
	"testing"

	"github.com/virtualspaces/vsauth/harness"
	"github.com/virtualspaces/vsauth/server/vsauthtest"
)

func TestFlows(t *testing.T) {
	sum := harness.Run(t, "testdata/flows")
	if harness.SummaryLine(sum) != "1 passed, 0 failed, 0 skipped" {
		t.Errorf("flows: %s", harness.SummaryLine(sum))
	}
}

func TestResetMail(t *testing.T) {
	srv := vsauthtest.NewServer(t)
	ctx := context.Background()
	srv.NewUser("ann@example.com", "correct-horse-battery-staple")
	if err := srv.Client.ResetPassword(ctx, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	link := srv.ResetMail("ann@example.com")
	if err := srv.Client.ConfirmReset(ctx, link.UID, link.Token, "purple-monkey-dishwasher-42"); err != nil {
		t.Fatal(err)
	}
	t.Log("reset confirmed for uid", link.UID)
}
`

const consumerFlow = `# The reset mail, read by the flow.
vsauth user create ann-$UNIQUE@example.com --password-stdin <pw
vsauth password reset ann-$UNIQUE@example.com
mail ann-$UNIQUE@example.com
stdout '^Subject: '
vsauth password reset-confirm $RESET_LINK --password-stdin <new
vsauth login --email ann-$UNIQUE@example.com --password-stdin <new
vsauth user view --json
json email == ann-$UNIQUE@example.com

-- pw --
correct-horse-battery-staple
-- new --
purple-monkey-dishwasher-42
`

// TestSeparateModule builds and tests a module of its own that requires
// vsauth through a replace directive, offline (GOPROXY=off: the module
// cache only), as another team's repository would.
func TestSeparateModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	// vsauth's own requirements pin every dependency, so nothing needs
	// resolving over the network.
	_, requires, ok := strings.Cut(string(gomod), "\nrequire")
	if !ok {
		t.Fatal("go.mod has no require block")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/consumer\n\ngo 1.26\n\nrequire" + requires +
			"\nrequire github.com/virtualspaces/vsauth v0.0.0\n\nreplace github.com/virtualspaces/vsauth => " + root + "\n",
		"go.sum":                          string(gosum),
		"consumer_test.go":                consumerTest,
		"testdata/flows/reset-mail.txtar": consumerFlow,
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), goBin, "test", "-count=1", "-v", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOSUMDB=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in the separate module: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestFlows/reset-mail", "--- PASS: TestResetMail", "reset confirmed for uid MQ"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
