// Command vsauth is the Virtual Spaces auth client, local server and test
// harness. Run `vsauth help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/harness"
	"github.com/virtualspaces/vsauth/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], deps())
	stop()
	os.Exit(code)
}

// deps are the real process's, with the harness command added: the harness
// runs cli.Main for each flow line, so the CLI cannot import it itself.
func deps() cli.Deps {
	d := cli.DefaultDeps()
	d.Commands = append(d.Commands, func(d cli.Deps) *cobra.Command {
		return harness.NewCmd(harness.CmdDeps{Out: d.IO.Out, ErrOut: d.IO.ErrOut, Usage: cli.UsageError})
	})
	return d
}
