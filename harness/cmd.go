package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/server"
)

// CmdDeps are what the harness command needs from the CLI that hosts it.
type CmdDeps struct {
	Out, ErrOut io.Writer
	// CLI runs one vsauth command line in-process; nil means the vsauth CLI.
	CLI CLIFunc
	// Usage marks an error as a usage error (exit 2) for the host's Main;
	// nil leaves errors as they are.
	Usage func(error) error
}

// RunOptions are the flags and arguments of `vsauth harness run`.
type RunOptions struct {
	Paths     []string
	JUnit     string
	Run       *regexp.Regexp
	ServerURL string
	MailDir   string
	Profile   server.Profile
	Parallel  int
	Verbose   bool
}

// DefaultFlowDir is what `vsauth harness run` runs when given no path.
const DefaultFlowDir = "testdata/flows"

// NewCmd returns the `harness` command with its `run` subcommand.
func NewCmd(d CmdDeps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "harness",
		Short: "Run scripted end-to-end flows against a server (QA, CI)",
	}
	cmd.AddCommand(NewCmdRun(d, nil), NewCmdDiff(d, nil))
	return cmd
}

// NewCmdRun returns `harness run`. runF, when set, replaces the run
// function (tests of the flag parsing).
func NewCmdRun(d CmdDeps, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{Profile: server.Compat}
	usage := d.Usage
	if usage == nil {
		usage = func(err error) error { return err }
	}
	cmd := &cobra.Command{
		Use:   "run [FILE|DIR...]",
		Short: "Run flow scripts (.txtar) and report each flow",
		Long: `Run flow scripts, each against a fresh in-process server (or --server), in
parallel, and print one line per flow, the redacted log of failed flows and
finally "N passed, N failed, N skipped". The exit status is 1 when a flow
failed.

Against --server, the flows' mail steps read the server's mail from
--mail-dir: vsauth's .eml files ('vsauth server --mail-dir DIR') or the .log
files of Django's file e-mail backend (EMAIL_FILE_PATH). Without it, flows that
need mail are skipped.

Directories contribute their *.txtar files; the default is ` + DefaultFlowDir + `.
The flow language is documented in the harness package (go doc
github.com/virtualspaces/vsauth/harness).`,
		Example: `  vsauth harness run
  vsauth harness run testdata/flows --junit out.xml
  vsauth harness run --run 'totp|recovery' -v
  vsauth harness run --server https://staging.example.com --profile hardened
  vsauth harness run --server http://127.0.0.1:8000 --mail-dir /tmp/vsauth-mail`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Paths = args
			if len(opts.Paths) == 0 {
				opts.Paths = []string{DefaultFlowDir}
			}
			if opts.MailDir != "" && opts.ServerURL == "" {
				return usage(errMailDirWithoutServer)
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			err := harnessRun(c.Context(), d, opts)
			if errors.Is(err, ErrNoFlows) || errors.Is(err, errBadPath) {
				return usage(err)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to `FILE`")
	f.Var(regexpValue{&opts.Run}, "run", "run only the flows whose name (file name without .txtar) matches `PATTERN`")
	f.StringVar(&opts.ServerURL, "server", "", "run against this server `URL` instead of a fresh in-process server per flow")
	f.StringVar(&opts.MailDir, "mail-dir", "", "with --server: read the server's mail from `DIR` (.eml files, or Django file-backend .log files)")
	f.Var(profileValue{&opts.Profile}, "profile", "server profile: compat or hardened (in-process server; with --server, what [hardened] reports)")
	f.Var(parallelValue{&opts.Parallel}, "parallel", "run at most `N` flows at once (default GOMAXPROCS)")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "print the log of every flow, not only of failed ones")
	return cmd
}

func harnessRun(ctx context.Context, d CmdDeps, opts *RunOptions) error {
	sum, err := RunFlows(ctx, opts.Paths, Options{
		ServerURL: opts.ServerURL,
		MailDir:   opts.MailDir,
		Profile:   opts.Profile,
		JUnit:     opts.JUnit,
		Run:       opts.Run,
		Parallel:  opts.Parallel,
		Out:       d.Out,
		Verbose:   opts.Verbose,
		CLI:       d.CLI,
	})
	switch {
	case err != nil:
		return err
	case sum.Failed == 1:
		return errors.New("1 flow failed")
	case sum.Failed > 1:
		return fmt.Errorf("%d flows failed", sum.Failed)
	}
	return nil
}

// profileValue is the --profile flag; a bad value is a flag (usage) error.
type profileValue struct{ p *server.Profile }

func (v profileValue) String() string {
	if v.p == nil {
		return ""
	}
	return string(*v.p)
}
func (v profileValue) Set(s string) error {
	p, ok := server.ParseProfile(s)
	if !ok {
		return errors.New("want compat or hardened")
	}
	*v.p = p
	return nil
}
func (profileValue) Type() string { return "profile" }

// regexpValue is the --run flag.
type regexpValue struct{ re **regexp.Regexp }

func (v regexpValue) String() string {
	if v.re == nil || *v.re == nil {
		return ""
	}
	return (*v.re).String()
}
func (v regexpValue) Set(s string) error {
	re, err := regexp.Compile(s)
	if err != nil {
		return err
	}
	*v.re = re
	return nil
}
func (regexpValue) Type() string { return "pattern" }

// parallelValue is the --parallel flag: a positive number.
type parallelValue struct{ n *int }

func (v parallelValue) String() string {
	if v.n == nil || *v.n == 0 {
		return ""
	}
	return strconv.Itoa(*v.n)
}
func (v parallelValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return errors.New("want a positive number")
	}
	*v.n = n
	return nil
}
func (parallelValue) Type() string { return "int" }

// DiffCmdOptions are the flags and arguments of `vsauth harness diff`.
type DiffCmdOptions struct {
	Paths         []string
	Servers       []string
	MailDirs      [2]string
	JUnit, JSON   string
	Run           *regexp.Regexp
	Parallel      int
	Verbose       bool
	IgnoreHeaders []string
}

// errTooManyServers: diff compares two sides.
var errTooManyServers = errors.New("--server is given at most twice: diff compares two servers")

// NewCmdDiff returns `harness diff`. runF, when set, replaces the run
// function (tests of the flag parsing).
func NewCmdDiff(d CmdDeps, runF func(context.Context, *DiffCmdOptions) error) *cobra.Command {
	opts := &DiffCmdOptions{}
	usage := d.Usage
	if usage == nil {
		usage = func(err error) error { return err }
	}
	cmd := &cobra.Command{
		Use:   "diff [FILE|DIR...] [--server URL [--server URL2]]",
		Short: "Run flows against two servers and compare every answer",
		Long: `Run each flow against two servers, record every HTTP exchange the CLI makes
(in memory only), and compare them pairwise once what must differ is
normalized: tokens (their header and claim names, whether otp_device_id is
set, exp − now), ids, e-mail addresses ($UNIQUE), TOTP secrets and codes,
emergency codes, reset uids and tokens, host names and dates. Response headers
are compared except Date, Server, Connection, Keep-Alive, Content-Length and
Transfer-Encoding (--ignore-header adds more).

With two --server flags the flows run against both; with one, the other side
is a fresh in-process compat server per flow; with none, in-process compat
against in-process hardened: the report is then what the hardened profile
changes. --mail-dir is the first --server's mail directory, --mail-dir2 the
second's (.eml files, or Django file-backend .log files), as for harness run.

Each flow is reported SAME, KNOWN (every difference is a defect of the
original that API.md §7 lists, labelled with its D-number: "D3: A answers 500
to PATCH /api/user/view/, B updates the profile"), DIFF (the first exchange
no known defect explains: method, path, both statuses, the headers that
differ and a body diff) or SKIP. Secrets never appear in any report. The
exit status is 1 only when a flow shows an unknown difference.`,
		Example: `  vsauth harness diff testdata/flows
  vsauth harness diff testdata/flows --server http://127.0.0.1:8000 --mail-dir /tmp/django-mail
  vsauth harness diff flows/ --server https://staging.example.com --server https://prod.example.com --json diff.json
  vsauth harness diff --run 'totp' --junit diff.xml -v`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Paths = args
			if len(opts.Paths) == 0 {
				opts.Paths = []string{DefaultFlowDir}
			}
			switch {
			case len(opts.Servers) > 2:
				return usage(errTooManyServers)
			case opts.MailDirs[0] != "" && len(opts.Servers) == 0:
				return usage(errMailDirWithoutServer)
			case opts.MailDirs[1] != "" && len(opts.Servers) < 2:
				return usage(errors.New("--mail-dir2 is the mail directory of a second --server"))
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			err := harnessDiff(c.Context(), d, opts)
			if errors.Is(err, ErrNoFlows) || errors.Is(err, errBadPath) {
				return usage(err)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.Servers, "server", nil, "a server `URL` to compare (at most twice; none: compat against hardened in-process)")
	f.StringVar(&opts.MailDirs[0], "mail-dir", "", "the first --server's mail `DIR` (.eml files, or Django file-backend .log files)")
	f.StringVar(&opts.MailDirs[1], "mail-dir2", "", "the second --server's mail `DIR`")
	f.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to `FILE`")
	f.StringVar(&opts.JSON, "json", "", "write a JSON report with both normalized transcripts of every flow to `FILE`")
	f.Var(regexpValue{&opts.Run}, "run", "run only the flows whose name (file name without .txtar) matches `PATTERN`")
	f.Var(parallelValue{&opts.Parallel}, "parallel", "run at most `N` flows of each side at once (default GOMAXPROCS)")
	f.StringArrayVar(&opts.IgnoreHeaders, "ignore-header", nil, "leave the response header `NAME` out of the comparison (repeatable)")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "show the exchange of every known difference too")
	return cmd
}

// diffSides turns the --server and --mail-dir flags into the two sides.
func diffSides(servers []string, mailDirs [2]string) (DiffSide, DiffSide) {
	switch len(servers) {
	case 0:
		return DiffSide{Name: "compat", Profile: server.Compat}, DiffSide{Name: "hardened", Profile: server.Hardened}
	case 1:
		return DiffSide{Name: servers[0], ServerURL: servers[0], MailDir: mailDirs[0], Profile: server.Compat},
			DiffSide{Name: "compat", Profile: server.Compat}
	}
	a := DiffSide{Name: servers[0], ServerURL: servers[0], MailDir: mailDirs[0], Profile: server.Compat}
	b := DiffSide{Name: servers[1], ServerURL: servers[1], MailDir: mailDirs[1], Profile: server.Compat}
	if a.Name == b.Name {
		a.Name, b.Name = "A "+a.Name, "B "+b.Name
	}
	return a, b
}

func harnessDiff(ctx context.Context, d CmdDeps, opts *DiffCmdOptions) error {
	a, b := diffSides(opts.Servers, opts.MailDirs)
	sum, err := DiffFlows(ctx, opts.Paths, DiffOptions{
		A: a, B: b, Run: opts.Run, Parallel: opts.Parallel, Out: d.Out, Verbose: opts.Verbose,
		JUnit: opts.JUnit, JSON: opts.JSON, IgnoreHeaders: opts.IgnoreHeaders, CLI: d.CLI,
	})
	switch {
	case err != nil:
		return err
	case sum.Unknown == 1:
		return errors.New("1 flow with unknown differences")
	case sum.Unknown > 1:
		return fmt.Errorf("%d flows with unknown differences", sum.Unknown)
	}
	return nil
}
