package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/virtualspaces/vsauth/internal/cli"
	"github.com/virtualspaces/vsauth/internal/tokenstore"
	"github.com/virtualspaces/vsauth/server"
)

// CLIEnv is what one in-process vsauth invocation runs with: its streams,
// environment, keyring, clock and config directory.
type CLIEnv struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Keyring        tokenstore.Keyring
	// Now is the flow's clock; nil means the wall clock.
	Now       func() time.Time
	ConfigDir string
	// HTTPClient sends the CLI's API requests; nil means the SDK's own.
	// `harness diff` records the exchanges through it.
	HTTPClient *http.Client
}

// CLIFunc runs vsauth with args in-process and returns its exit code. The
// default is the vsauth CLI itself; tests may put a fake or a wrapper in
// Options.CLI.
type CLIFunc func(ctx context.Context, args []string, env CLIEnv) int

// Options configure a run of flows.
type Options struct {
	// ServerURL is an external server to run every flow against; "" starts a
	// fresh in-process server per flow.
	ServerURL string
	// MailDir is where the external server writes its mail (vsauth's
	// --mail-dir, or the directory of Django's file backend); only with
	// ServerURL. With it, the mail command and the [mail] condition work
	// against the external server.
	MailDir string
	// Profile is the in-process server's profile, and what the [hardened]
	// condition reports (also with ServerURL).
	Profile server.Profile
	// JUnit, when set, is the file the JUnit XML report is written to.
	JUnit string
	// Run selects flows by name (the file's base name without .txtar).
	Run *regexp.Regexp
	// Parallel bounds how many flows run at once; 0 means GOMAXPROCS.
	Parallel int
	// Out receives one line per flow, the redacted log of failed flows (of
	// every flow with Verbose) and the final summary line.
	Out     io.Writer
	Verbose bool
	// CLI runs the vsauth commands of a flow; nil means the vsauth CLI
	// in-process, as `vsauth harness run` does.
	CLI CLIFunc
	// MaxWait caps how long `clock advance` waits on the wall clock against
	// an external server (ServerURL); 0 means DefaultMaxWait.
	MaxWait time.Duration

	// record keeps every HTTP exchange of each flow's CLI (harness diff).
	record bool
	// wrap, when set, wraps the in-process server's handler (tests of
	// harness diff: a server that differs on purpose).
	wrap func(http.Handler) http.Handler
}

// DefaultMaxWait is Options.MaxWait unless set: long enough for the hardened
// profile's throttle after a failure or two (1 s, 2 s), short enough that a
// flow meant for the in-process clock (`clock advance 48h`) fails at once
// rather than stalling CI.
const DefaultMaxWait = 10 * time.Second

// inprocessCLI runs the vsauth CLI in-process with a flow's environment.
func inprocessCLI(ctx context.Context, args []string, e CLIEnv) int {
	return cli.Main(ctx, args, cli.Deps{IO: cli.IOStreams{In: e.Stdin, Out: e.Stdout, ErrOut: e.Stderr},
		Getenv: e.Getenv, Keyring: e.Keyring, Now: e.Now, ConfigDir: e.ConfigDir, HTTPClient: e.HTTPClient})
}

// Case is the outcome of one flow.
type Case struct {
	Name     string
	File     string
	Duration time.Duration
	// Failure is the redacted failure message, "" when the flow passed.
	Failure string
	// Skipped is set when the flow ran the skip command; it is counted
	// apart from the passed and failed flows.
	Skipped bool
	// SkipReason is the skip command's message, redacted; "" when it gave none.
	SkipReason string
	// Log is the flow's redacted log: complete when it failed or with
	// Verbose, else only its last phase.
	Log string
}

// Summary is the outcome of a run; Cases are in file order.
type Summary struct {
	Passed, Failed, Skipped int
	Cases                   []Case
}

// ErrNoFlows is returned when the paths and the Run filter leave no flow.
var ErrNoFlows = errors.New("no flows to run")

// errBadPath marks a path that cannot be read.
var errBadPath = errors.New("bad flow path")

// errMailDirWithoutServer: the in-process server's mail is read from its
// outbox, so a mail directory only makes sense with an external server.
var errMailDirWithoutServer = errors.New("--mail-dir is for an external server (--server); the in-process server's mail is read from its outbox")

// RunFlows runs the flows found in paths (.txtar files, or directories
// whose *.txtar files are taken in name order), writes the report and
// returns the summary. The error is about the run itself (bad path, no
// flows, report not written); failed flows are in the Summary. The zero
// Options run every flow against its own in-process compat server with the
// vsauth CLI in-process; Run is the same for go test.
func RunFlows(ctx context.Context, paths []string, opts Options) (Summary, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	sum, _, err := runFlows(ctx, paths, opts)
	if err != nil {
		return sum, err
	}
	writeText(opts.Out, sum, opts.Verbose)
	if opts.JUnit != "" {
		if err := writeJUnitFile(opts.JUnit, sum); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// runFlows runs the flows and returns their outcomes and states (nil for a
// flow that did not run), in file order, without writing any report.
func runFlows(ctx context.Context, paths []string, opts Options) (Summary, []*flow, error) {
	if opts.CLI == nil {
		opts.CLI = inprocessCLI
	}
	if opts.Profile == "" {
		opts.Profile = server.Compat
	}
	if _, ok := server.ParseProfile(string(opts.Profile)); !ok {
		return Summary{}, nil, fmt.Errorf("harness: unknown profile %q", opts.Profile)
	}
	if opts.MailDir != "" && opts.ServerURL == "" {
		return Summary{}, nil, fmt.Errorf("harness: %w", errMailDirWithoutServer)
	}
	files, err := findFlows(paths, opts.Run)
	if err != nil {
		return Summary{}, nil, err
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	r := &runner{opts: opts, files: files, sem: make(chan struct{}, parallel), cases: make([]*flowT, len(files))}
	p := newParams(ctx, opts)
	p.Files = files
	if d, ok := ctx.Deadline(); ok {
		p.Deadline = d
	}
	r.run(p)

	sum := Summary{}
	flows := make([]*flow, len(files))
	for i, ft := range r.cases {
		c := Case{Name: flowName(files[i]), File: files[i], Failure: "flow did not run"}
		if ft != nil {
			c = ft.result(files[i])
			flows[i] = ft.state()
		}
		switch {
		case c.Failure != "":
			sum.Failed++
		case c.Skipped:
			sum.Skipped++
		default:
			sum.Passed++
		}
		sum.Cases = append(sum.Cases, c)
	}
	if r.fatal != "" {
		return sum, flows, fmt.Errorf("harness: %s", r.fatal)
	}
	return sum, flows, nil
}

// flowName is the name testscript gives a flow file.
func flowName(file string) string {
	return strings.TrimSuffix(filepath.Base(file), ".txtar")
}

// findFlows expands paths into flow files, keeping those Run selects.
func findFlows(paths []string, run *regexp.Regexp) ([]string, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("harness: %w: %w", errBadPath, err)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*.txtar"))
		if err != nil {
			return nil, fmt.Errorf("harness: list %s: %w", p, err)
		}
		slices.Sort(matches)
		files = append(files, matches...)
	}
	var selected []string
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f] || (run != nil && !run.MatchString(flowName(f))) {
			continue
		}
		seen[f] = true
		selected = append(selected, f)
	}
	if len(selected) == 0 {
		if run != nil {
			return nil, fmt.Errorf("harness: %w: no flow in %s matches --run %q", ErrNoFlows, strings.Join(paths, ", "), run)
		}
		return nil, fmt.Errorf("harness: %w in %s", ErrNoFlows, strings.Join(paths, ", "))
	}
	return selected, nil
}

// runner implements testscript.T for the whole run: Run starts each flow in
// its own goroutine, and Parallel, which testscript calls first thing in
// every flow, waits for one of the bounded slots.
type runner struct {
	opts  Options
	files []string
	sem   chan struct{}

	mu    sync.Mutex
	next  int
	cases []*flowT
	fatal string
	wg    sync.WaitGroup
}

// run calls testscript.RunT in a goroutine of its own, so that a Fatal from
// RunT (which ends the goroutine like testing.T's) cannot stop the caller.
func (r *runner) run(p testscript.Params) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		testscript.RunT(r, p)
	}()
	<-done
	r.wg.Wait()
}

func (r *runner) Skip(args ...any) { r.Fatal(args...) }
func (r *runner) Fatal(args ...any) {
	r.mu.Lock()
	r.fatal = strings.TrimSpace(fmt.Sprintln(args...))
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *runner) Parallel()     {}
func (r *runner) Log(...any)    {}
func (r *runner) FailNow()      { r.Fatal("run failed") }
func (r *runner) Verbose() bool { return r.opts.Verbose }

// Run starts one flow. testscript calls it once per file, in file order.
func (r *runner) Run(name string, f func(testscript.T)) {
	r.mu.Lock()
	ft := &flowT{r: r, name: name}
	if r.next < len(r.cases) {
		r.cases[r.next] = ft
	}
	r.next++
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			ft.mu.Lock()
			ft.duration = time.Since(ft.start)
			holds := ft.holdsSlot
			ft.mu.Unlock()
			if holds {
				<-r.sem
			}
		}()
		ft.start = time.Now()
		f(ft)
	}()
}

// flowT is the testscript.T of one flow. FailNow and Skip end the flow's
// goroutine with runtime.Goexit, as testing.T does, so the deferred
// clean-up of testscript and of the flow still runs.
type flowT struct {
	r    *runner
	name string

	mu        sync.Mutex
	start     time.Time
	duration  time.Duration
	holdsSlot bool
	log       strings.Builder
	failed    bool
	skipped   bool
	skipMsg   string
	flow      *flow // set by Setup; holds the values to redact
}

func (t *flowT) Parallel() {
	t.r.sem <- struct{}{}
	t.mu.Lock()
	t.holdsSlot = true
	t.start = time.Now() // waiting for a slot is not the flow's time
	t.mu.Unlock()
}

func (t *flowT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.log.WriteString(fmt.Sprintln(args...))
}

func (t *flowT) Fatal(args ...any) {
	t.Log(args...)
	t.FailNow()
}

func (t *flowT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *flowT) Skip(args ...any) {
	t.mu.Lock()
	t.skipped = true
	t.skipMsg = strings.TrimSpace(fmt.Sprintln(args...))
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *flowT) Run(name string, f func(testscript.T)) {
	// testscript never nests runs.
	t.Fatal("harness: nested runs are not supported")
}

func (t *flowT) Verbose() bool { return t.r.opts.Verbose }

func (t *flowT) state() *flow {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.flow
}

// result turns what the flow recorded into a redacted Case.
func (t *flowT) result(file string) Case {
	t.mu.Lock()
	defer t.mu.Unlock()
	red := t.flow.redactor()
	c := Case{Name: t.name, File: file, Duration: t.duration, Skipped: t.skipped && !t.failed}
	c.Log = red.Replace(strings.TrimRight(t.log.String(), "\n"))
	if t.skipped && t.skipMsg != "" {
		c.SkipReason = red.Replace(t.skipMsg)
		c.Log = strings.TrimLeft(c.Log+"\nSKIP: "+c.SkipReason, "\n")
	}
	if t.failed {
		c.Failure = failureMessage(c.Log)
		if last := t.flow.lastOutput(); last.cmd != "" {
			c.Log += strings.TrimRight(red.Replace(fmt.Sprintf("\n--- output of the last command: %s\n[stdout]\n%s[stderr]\n%s",
				last.cmd, withNewline(last.stdout), withNewline(last.stderr))), "\n")
		}
	}
	return c
}

func withNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

// failureMessage picks the FAIL lines testscript wrote from a log, or its
// last line when a flow failed without one (e.g. in set-up).
func failureMessage(log string) string {
	var fails []string
	lines := strings.Split(log, "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "FAIL: ") {
			fails = append(fails, strings.TrimPrefix(l, "FAIL: "))
		}
	}
	if len(fails) > 0 {
		return strings.Join(fails, "\n")
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(lines[i]); s != "" {
			return s
		}
	}
	return "flow failed"
}
