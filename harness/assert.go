package harness

import (
	"errors"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdJSON asserts on a field of the last command's JSON output:
// json [-stderr] PATH == VALUE | PATH != VALUE | PATH exists. With !, exists
// asserts the field is absent.
func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "json [-stderr] PATH (== VALUE | != VALUE | exists)"
	fs := flag.NewFlagSet("json", flag.ContinueOnError)
	fromStderr := fs.Bool("stderr", false, "")
	args = parseFlags(ts, fs, args, usage)
	stream := "stdout"
	if *fromStderr {
		stream = "stderr"
	}
	ok := (len(args) == 2 && args[1] == "exists") || (len(args) == 3 && (args[1] == "==" || args[1] == "!="))
	if !ok {
		ts.Fatalf("usage: %s", usage)
	}
	if neg && args[1] != "exists" {
		ts.Fatalf("json: use != rather than ! with ==")
	}
	path := args[0]
	got, err := jsonPath([]byte(ts.ReadFile(stream)), path)
	var missing *missingFieldError
	switch {
	case errors.As(err, &missing) && args[1] == "exists" && neg:
		return
	case err != nil:
		ts.Fatalf("json %s: %s: %v", path, stream, err)
	}
	switch args[1] {
	case "exists":
		if neg {
			ts.Fatalf("json %s: the field exists in %s", path, stream)
		}
	case "==":
		if got != args[2] {
			ts.Fatalf("json %s: got %s, want %s", path, got, args[2])
		}
	case "!=":
		if got == args[2] {
			ts.Fatalf("json %s: got %s, want anything else", path, got)
		}
	}
}

// cmdVars compares two variables by name: vars A == B, vars A != B. The
// message names them and never shows their values.
func cmdVars(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "vars")
	if len(args) != 3 || (args[1] != "==" && args[1] != "!=") {
		ts.Fatalf("usage: vars NAME (==|!=) NAME")
	}
	a, b := ts.Getenv(args[0]), ts.Getenv(args[2])
	for _, name := range []string{args[0], args[2]} {
		if ts.Getenv(name) == "" {
			ts.Fatalf("vars: %s is not set", name)
		}
	}
	if args[1] == "==" && a != b {
		ts.Fatalf("vars: %s and %s differ", args[0], args[2])
	}
	if args[1] == "!=" && a == b {
		ts.Fatalf("vars: %s and %s are the same", args[0], args[2])
	}
}

// cmdWrite writes its arguments, joined by spaces, as one line to a file of
// the work directory: `write code.txt $CODE` then `vsauth … <code.txt`.
func cmdWrite(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "write")
	if len(args) < 1 {
		ts.Fatalf("usage: write FILE [WORDS…]")
	}
	if err := os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(args[1:], " ")+"\n"), 0o600); err != nil {
		ts.Fatalf("write: %v", err)
	}
}

// How often and how long eventually tries; maxEventually bounds -timeout
// so a flow cannot stall a CI run.
const (
	defaultEventually = 10 * time.Second
	maxEventually     = time.Minute
	eventuallyEvery   = 200 * time.Millisecond
)

// cmdEventually runs a vsauth or mail line until it succeeds or the time
// is up: for effects a server completes after answering.
func cmdEventually(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "eventually")
	const usage = "eventually [-timeout DURATION] [!] vsauth|mail ARGS…"
	fs := flag.NewFlagSet("eventually", flag.ContinueOnError)
	timeout := fs.Duration("timeout", defaultEventually, "")
	args = parseFlags(ts, fs, args, usage)
	if *timeout <= 0 || *timeout > maxEventually {
		ts.Fatalf("eventually: -timeout must be from 0 to %s, got %s", maxEventually, *timeout)
	}
	inner := false
	if len(args) > 0 && args[0] == "!" {
		inner, args = true, args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: %s", usage)
	}
	var run func(*testscript.TestScript, bool, []string)
	switch args[0] {
	case "vsauth":
		run = cmdVsauth
	case "mail":
		run = cmdMail
	default:
		ts.Fatalf("eventually runs vsauth or mail lines, not %s", args[0])
	}
	f := getFlow(ts)
	deadline := time.Now().Add(*timeout)
	for attempt := 1; ; attempt++ {
		last := f.attempt(ts, run, inner, args[1:])
		if last == "" {
			if attempt > 1 {
				ts.Logf("succeeded on attempt %d", attempt)
			}
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("eventually: still failing after %s (%d attempts): %s", *timeout, attempt, last)
		}
		select {
		case <-time.After(eventuallyEvery):
		case <-f.ctx.Done():
			ts.Fatalf("eventually: %v", f.ctx.Err())
		}
	}
}

// attempt runs one try of an eventually line and returns its failure, ""
// when it passed.
func (f *flow) attempt(ts *testscript.TestScript, run func(*testscript.TestScript, bool, []string), neg bool, args []string) (failure string) {
	f.retrying = true
	mark := 0
	if f.rec != nil {
		mark = f.rec.mark()
	}
	defer func() {
		f.retrying = false
		if r := recover(); r != nil {
			rf, ok := r.(retryFailure)
			if !ok {
				panic(r)
			}
			failure = string(rf)
			if f.rec != nil {
				f.rec.truncate(mark)
			}
		}
	}()
	run(ts, neg, args)
	return ""
}

// clockWait is what clock advance does against an external server, whose
// clock cannot be moved: wait on the wall clock, within Options.MaxWait.
func (f *flow) clockWait(ts *testscript.TestScript, d time.Duration) {
	limit := f.opts.MaxWait
	if limit <= 0 {
		limit = DefaultMaxWait
	}
	if d > limit {
		ts.Fatalf("clock advance %s: against an external server this is a real wait, at most %s (guard the line with [inprocess])", d, limit)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-f.ctx.Done():
		ts.Fatalf("clock advance: %v", f.ctx.Err())
	}
	ts.Logf("waited %s on the wall clock (external server)", d)
}

// missingFieldError is a JSON path that does not lead to a field.
type missingFieldError struct{ msg string }

func (e *missingFieldError) Error() string { return e.msg }
