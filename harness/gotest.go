package harness

import (
	"regexp"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server"
)

// Option changes the Options of Run.
type Option func(*Options)

// WithProfile runs the in-process servers with profile p (and makes the
// [hardened] condition report it, also with WithServer).
func WithProfile(p server.Profile) Option { return func(o *Options) { o.Profile = p } }

// WithServer runs every flow against the server at url instead of a fresh
// in-process one; mailDir, when not "", is where that server writes its mail.
func WithServer(url, mailDir string) Option {
	return func(o *Options) { o.ServerURL, o.MailDir = url, mailDir }
}

// WithRun runs only the flows whose name matches the regular expression
// pattern; a bad pattern fails the test.
func WithRun(pattern string) Option {
	return func(o *Options) { o.Run = regexp.MustCompile(pattern) }
}

// WithJUnit also writes the JUnit XML report to file.
func WithJUnit(file string) Option { return func(o *Options) { o.JUnit = file } }

// Run runs the flows in path (a .txtar file, or a directory of them) from a
// Go test: each flow against its own in-process server with an in-memory
// keyring, unless an Option says otherwise. Every flow becomes a subtest
// that fails with the flow's redacted log, or is skipped with its reason;
// a path without flows fails t. Run returns the summary for further checks.
//
// This is how another module tests against vsauth's flow language without
// the vsauth binary:
//
//	func TestFlows(t *testing.T) { harness.Run(t, "testdata/flows") }
func Run(t *testing.T, path string, opts ...Option) Summary {
	t.Helper()
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	var out strings.Builder
	o.Out = &out
	if testing.Verbose() {
		o.Verbose = true
	}
	sum, err := RunFlows(t.Context(), []string{path}, o)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, c := range sum.Cases {
		t.Run(c.Name, func(t *testing.T) {
			switch {
			case c.Failure != "":
				t.Errorf("flow %s failed: %s\n%s", c.File, c.Failure, c.Log)
			case c.Skipped:
				t.Skip(skipMessage(c))
			case o.Verbose:
				t.Log(c.Log)
			}
		})
	}
	return sum
}
