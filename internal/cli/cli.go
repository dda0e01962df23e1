// Package cli is the vsauth command tree. Every command is an options struct,
// a constructor that parses flags into it, and a run function that does the
// work with injected streams, so tests drive commands in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/virtualspaces/vsauth/internal/tokenstore"
)

// Exit codes, documented in `vsauth help exit-codes`.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitAuth        = 4
	ExitSecondStep  = 5
	exitInterrupted = 130
)

// IOStreams are a command's standard streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY tells whether In is an interactive terminal; only then do
	// commands prompt.
	InTTY bool
	// ReadSecret reads one line from the terminal without echoing it.
	ReadSecret func() (string, error)
}

// Deps are what commands reach outside the process through.
type Deps struct {
	IO     IOStreams
	Getenv func(string) string
	// Keyring is the OS keyring; nil means the real one (zalando/go-keyring).
	Keyring tokenstore.Keyring
	// Now is the clock for token expiry, TOTP codes, reset links and the
	// audit trail; nil means time.Now.
	Now func() time.Time
	// ConfigDir overrides the user config directory (tests).
	ConfigDir string
	// HTTPClient sends the API requests; nil means the SDK's own client,
	// with its timeout. The SDK copies it, replaces its redirect policy and
	// gives it the SDK's timeout when it has none (client.WithHTTPClient).
	HTTPClient *http.Client
	// Commands add commands to the tree: the harness, which runs this
	// package's Main for every line of a flow and so cannot be imported here.
	Commands []func(Deps) *cobra.Command
}

// usageError marks errors in how a command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// UsageError marks err as a mistake in how a command was called: Main exits
// with ExitUsage for it.
func UsageError(err error) error { return usageError{err} }

func usageErrorf(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// NewRootCmd builds the whole command tree.
func NewRootCmd(d Deps) *cobra.Command {
	root := &cobra.Command{
		Use:           "vsauth",
		Short:         "Client, local server and test harness for the Virtual Spaces auth API",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version,
	}
	root.SetIn(d.IO.In)
	root.SetOut(d.IO.Out)
	root.SetErr(d.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	a := newApp(d)
	a.bindGlobalFlags(root)
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if err := a.checkAPIFlags(c); err != nil {
			return err
		}
		return a.load()
	}
	root.AddCommand(newCmdServer(d, nil))
	root.AddCommand(newCmdMail(d))
	root.AddCommand(newCmdAdmin(d))
	root.AddCommand(newHelpTopicExitCodes(), newCmdMan(root, d))
	api := []*cobra.Command{newCmdLogin(a, nil), newCmdLogout(a), newCmdAuth(a), newCmdToken(a),
		newCmdUser(a), newCmdPassword(a), newCmdTOTP(a), newCmdRecovery(a)}
	a.bindAPIFlags(api...)
	root.AddCommand(api...)
	for _, cmd := range d.Commands {
		root.AddCommand(cmd(d))
	}
	return root
}

// version is set at link time by the release build.
var version = "dev"

// Main runs vsauth with args and turns the outcome into an exit code; it is
// the only place that does.
func Main(ctx context.Context, args []string, d Deps) int {
	root := NewRootCmd(d)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var quiet silentExit
	if errors.As(err, &quiet) {
		return quiet.code
	}
	fmt.Fprintln(d.IO.ErrOut, "vsauth:", err)
	var ue usageError
	var ae authError
	var se secondStepError
	switch {
	case errors.As(err, &ue), isCobraUsage(err):
		return ExitUsage
	case errors.As(err, &ae):
		return ExitAuth
	case errors.As(err, &se):
		return ExitSecondStep
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return ExitError
}

// isCobraUsage recognises the errors cobra returns for a mistyped command
// line, which do not pass through the flag error hook.
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "accepts ") || strings.HasPrefix(msg, "requires at least") || strings.HasPrefix(msg, "unknown shorthand flag")
}

// DefaultDeps are the real process streams and environment.
func DefaultDeps() Deps {
	fd := int(os.Stdin.Fd())
	return Deps{
		IO: IOStreams{
			In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
			InTTY: term.IsTerminal(fd),
			ReadSecret: func() (string, error) {
				b, err := term.ReadPassword(fd)
				return string(b), err
			},
		},
		Getenv: os.Getenv,
	}
}

// now reads d.Now, else the system clock.
func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
