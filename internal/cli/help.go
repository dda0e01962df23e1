package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

const exitCodesHelp = `vsauth exits with:

  0  success
  1  an error (the message on stderr says what failed)
  2  usage: a mistyped command, flag or argument
  4  not logged in, or the server rejected the token (log in again)
  5  the password was accepted but the account needs its second step:
     a TOTP code ('vsauth login --otp-code') or an emergency code
     ('vsauth recovery use')

Scripts can branch on these without parsing messages.`

func newHelpTopicExitCodes() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "What vsauth's exit codes mean",
		Long:  exitCodesHelp,
	}
}

func newCmdMan(root *cobra.Command, d Deps) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "man",
		Short: "Write man pages for every command into a directory",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			header := &doc.GenManHeader{Title: "VSAUTH", Section: "1", Source: "vsauth " + version}
			root.DisableAutoGenTag = true
			if err := doc.GenManTree(root, header, dir); err != nil {
				return fmt.Errorf("writing man pages: %w", err)
			}
			fmt.Fprintf(d.IO.ErrOut, "man pages written to %s\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "man", "directory for the pages")
	return cmd
}
