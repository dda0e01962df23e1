package harness_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/harness"
	"github.com/virtualspaces/vsauth/internal/cli"
	"github.com/virtualspaces/vsauth/server"
)

func TestCmdRunFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    harness.RunOptions
		wantErr string
	}{
		{args: nil, want: harness.RunOptions{Paths: []string{"testdata/flows"}, Profile: server.Compat}},
		{
			args: []string{"a.txtar", "dir", "--junit", "out.xml", "--run", "^totp", "--server", "http://x:1", "--mail-dir", "mail", "--profile", "hardened", "--parallel", "3", "-v"},
			want: harness.RunOptions{Paths: []string{"a.txtar", "dir"}, JUnit: "out.xml", ServerURL: "http://x:1", MailDir: "mail", Profile: server.Hardened, Parallel: 3, Verbose: true},
		},
		{args: []string{"--profile", "lax"}, wantErr: `invalid argument "lax" for "--profile" flag: want compat or hardened`},
		{args: []string{"--parallel", "0"}, wantErr: `invalid argument "0" for "--parallel" flag: want a positive number`},
		{args: []string{"--run", "("}, wantErr: "invalid argument \"(\" for \"--run\" flag: error parsing regexp: missing closing ): `(`"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *harness.RunOptions
			cmd := harness.NewCmdRun(harness.CmdDeps{}, func(_ context.Context, o *harness.RunOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			re := ""
			if got.Run != nil {
				re = got.Run.String()
				got.Run = nil
			}
			if want := map[bool]string{true: "^totp", false: ""}[tt.want.JUnit != ""]; re != want {
				t.Errorf("Run = %q, want %q", re, want)
			}
			if strings.Join(got.Paths, ",") != strings.Join(tt.want.Paths, ",") || got.JUnit != tt.want.JUnit ||
				got.ServerURL != tt.want.ServerURL || got.MailDir != tt.want.MailDir || got.Profile != tt.want.Profile || got.Parallel != tt.want.Parallel || got.Verbose != tt.want.Verbose {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// vsauthMain is cli.Main with the harness command, as cmd/vsauth builds it.
func vsauthMain(ctx context.Context, args []string, d cli.Deps) int {
	d.Commands = append(d.Commands, func(d cli.Deps) *cobra.Command {
		return harness.NewCmd(harness.CmdDeps{Out: d.IO.Out, ErrOut: d.IO.ErrOut, Usage: cli.UsageError})
	})
	return cli.Main(ctx, args, d)
}

// TestVsauthHarnessRun runs the command through cli.Main, as the binary
// does: exit codes, the summary line, the message for failed flows.
func TestVsauthHarnessRun(t *testing.T) {
	dir := writeFlows(t, map[string]string{
		"ok":     "vsauth help exit-codes\nstdout 'Scripts can branch'\n",
		"broken": "vsauth user create x-$UNIQUE@example.com --password-stdin <pw\ncapture -stderr EMAIL 'Created (\\S+) '\nvsauth help\nstdout 'no such text'\n-- pw --\ncorrect-horse-battery-staple\n",
	})
	junit := filepath.Join(t.TempDir(), "out.xml")
	tests := []struct {
		name       string
		args       []string
		code       int
		lastLine   string
		stderr     string
		wantReport bool
	}{
		{name: "failed flow", args: []string{dir, "--junit", junit}, code: 1, lastLine: "1 passed, 1 failed, 0 skipped", stderr: "vsauth: 1 flow failed\n", wantReport: true},
		{name: "selected", args: []string{dir, "--run", "^ok$"}, code: 0, lastLine: "1 passed, 0 failed, 0 skipped"},
		{name: "nothing selected", args: []string{dir, "--run", "^none$"}, code: 2, stderr: "vsauth: harness: no flows to run: no flow in " + dir + " matches --run \"^none$\"\n"},
		{name: "missing path", args: []string{filepath.Join(dir, "nope")}, code: 2, stderr: "vsauth: harness: bad flow path: stat " + filepath.Join(dir, "nope") + ": no such file or directory\n"},
		{name: "bad flag", args: []string{dir, "--parallel", "-1"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := vsauthMain(context.Background(), append([]string{"harness", "run"}, tt.args...), cli.Deps{
				IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Getenv: func(string) string { return "" }, ConfigDir: t.TempDir(),
			})
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errOut.String())
			}
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			if tt.lastLine != "" && lines[len(lines)-1] != tt.lastLine {
				t.Errorf("last line = %q, want %q", lines[len(lines)-1], tt.lastLine)
			}
			if tt.stderr != "" && errOut.String() != tt.stderr {
				t.Errorf("stderr = %q, want %q", errOut.String(), tt.stderr)
			}
			if !tt.wantReport {
				return
			}
			if !strings.Contains(out.String(), "FAIL broken (") || !strings.Contains(out.String(), "FAIL: "+filepath.Join(dir, "broken.txtar")+":4: no match for `no such text` found in stdout") {
				t.Errorf("output lacks the failure:\n%s", out.String())
			}
			raw, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), `<testcase name="broken" classname="flows"`) || !regexp.MustCompile(`Created x-[0-9a-f]{8}@example.com \(id 1\)`).Match(raw) || !strings.Contains(string(raw), "captured EMAIL = x-") {
				t.Errorf("JUnit report:\n%s", raw)
			}
		})
	}
}

func TestCmdDiffFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    string
		wantErr string
	}{
		{args: nil, want: "[testdata/flows] [] [ ]"},
		{args: []string{"f", "--server", "http://a", "--mail-dir", "m1", "--server", "http://b", "--mail-dir2", "m2", "--ignore-header", "Via"},
			want: "[f] [http://a http://b] [m1 m2]"},
		{args: []string{"--server", "a", "--server", "b", "--server", "c"}, wantErr: "--server is given at most twice: diff compares two servers"},
		{args: []string{"--mail-dir", "m"}, wantErr: "--mail-dir is for an external server (--server); the in-process server's mail is read from its outbox"},
		{args: []string{"--server", "a", "--mail-dir2", "m"}, wantErr: "--mail-dir2 is the mail directory of a second --server"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *harness.DiffCmdOptions
			cmd := harness.NewCmdDiff(harness.CmdDeps{}, func(_ context.Context, o *harness.DiffCmdOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || got != nil {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprint(got.Paths, " ", got.Servers, " ", got.MailDirs); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
}
