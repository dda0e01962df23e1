package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/virtualspaces/vsauth/client"
)

func newCmdRecovery(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recovery",
		Short: "Emergency codes: one-time codes that stand in for a TOTP code",
	}
	cmd.AddCommand(newCmdRecoveryCreate(a, nil), newCmdRecoveryUse(a, nil))
	return cmd
}

type recoveryCreateOptions struct {
	a    *app
	Yes  bool
	JSON bool
}

// recoveryCodes is the stable JSON shape of `vsauth recovery create --json`.
type recoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

func newCmdRecoveryCreate(a *app, runF func(context.Context, *recoveryCreateOptions) error) *cobra.Command {
	opts := &recoveryCreateOptions{a: a}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Replace the emergency codes with six new ones (the earlier codes stop working)",
		Long: `Replace the account's emergency codes with six new ones, printed one per line on
standard output. Earlier codes stop working. Needs a verified session.

With --json, standard output is one object instead of the lines:
  {"recovery_codes": ["abcd2345", ...]}`,
		Example: `  vsauth recovery create --yes > codes.txt
  vsauth recovery create --yes --json | jq -r '.recovery_codes[]'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return recoveryCreateRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"recovery_codes": [...]} instead of one code per line`)
	return cmd
}

func recoveryCreateRun(ctx context.Context, opts *recoveryCreateOptions) error {
	a, io := opts.a, opts.a.d.IO
	s, err := a.loggedIn(ctx)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("Replace the emergency codes of %s? The earlier codes stop working.", sessionAccount(s))
	firstFactorOnly := !s.token.OTPVerified()
	if firstFactorOnly {
		// The original backend counts emergency codes as a second factor
		// even without an app (API.md D13): creating them turns two-step
		// login on for a password-only session.
		q = fmt.Sprintf("Create emergency codes for %s? Without a verified TOTP device this turns two-step login on: "+
			"every later login needs an emergency code.", sessionAccount(s))
	}
	if err := confirm(io, q, opts.Yes); err != nil {
		return err
	}
	codes, err := s.c.StaticCreate(ctx)
	if isConflict(err) {
		// Hardened servers refuse codes without a confirmed TOTP device
		// (API.md D13).
		return fmt.Errorf("%w\nturn two-step login on first: 'vsauth totp enroll'", err)
	}
	if err != nil {
		return apiError(err)
	}
	if opts.JSON {
		if err := writeJSON(io.Out, recoveryCodes{codes}); err != nil {
			return err
		}
		recoveryCodesAdvice(io, len(codes))
	} else {
		printRecoveryCodes(io, codes)
	}
	if firstFactorOnly {
		fmt.Fprintln(io.ErrOut, "Two-step login is now on: this session's token no longer opens protected endpoints; finish with 'vsauth recovery use'.")
	}
	return nil
}

// printRecoveryCodes puts the codes, one per line, on stdout for a file or
// a password manager, and the advice on stderr.
func printRecoveryCodes(io IOStreams, codes []string) {
	for _, c := range codes {
		fmt.Fprintln(io.Out, c)
	}
	recoveryCodesAdvice(io, len(codes))
}

// recoveryCodesAdvice tells on stderr what to do with n new codes.
func recoveryCodesAdvice(io IOStreams, n int) {
	fmt.Fprintf(io.ErrOut, "Store these %d emergency codes somewhere safe (a password manager, or on paper): "+
		"each one logs you in once without the app ('vsauth recovery use'). They are not shown again, and earlier codes no longer work.\n", n)
}

type recoveryUseOptions struct {
	a         *app
	CodeStdin bool
}

func newCmdRecoveryUse(a *app, runF func(context.Context, *recoveryUseOptions) error) *cobra.Command {
	opts := &recoveryUseOptions{a: a}
	cmd := &cobra.Command{
		Use:   "use",
		Short: "Finish a login's second step with an emergency code (the code is used up)",
		Long: `Finish the second step of a login with an emergency code instead of a TOTP code.
It continues from the password step of 'vsauth login', which keeps its token
when the second step is missing (exit 5). The code is asked at a hidden prompt,
or read from the first line of standard input with --code-stdin.`,
		Example: `  vsauth login --email alice@example.com    # exits 5 without a code
  vsauth recovery use`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return recoveryUseRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.CodeStdin, "code-stdin", false, "read the code from the first line of standard input")
	return cmd
}

func recoveryUseRun(ctx context.Context, opts *recoveryUseOptions) error {
	a, io := opts.a, opts.a.d.IO
	s, err := a.loggedIn(ctx)
	if err != nil {
		return err
	}
	if !opts.CodeStdin && !io.InTTY {
		return usageErrorf("not a terminal: pass the emergency code on standard input with --code-stdin")
	}
	code, err := readSecret(io, "Emergency code: ", opts.CodeStdin)
	if err != nil {
		return err
	}
	code = strings.ToLower(strings.TrimSpace(code))
	if !staticCodeRE.MatchString(code) {
		return usageErrorf("an emergency code is 8 letters and digits")
	}
	tok, err := s.c.StaticLogin(ctx, code)
	if errors.Is(err, client.ErrCodeRejected) {
		return secondStepError{errors.New("the emergency code was not accepted (wrong or already used)")}
	}
	if err != nil {
		return apiError(err)
	}
	if err := a.save(ctx, s, tok); err != nil {
		return afterChange("the emergency code was accepted and is used up", notStored(err),
			"the password step's token is kept: finish with another emergency code ('vsauth recovery use') or a code from the app ('vsauth login')")
	}
	fmt.Fprintf(io.ErrOut, "Two-step verification done with an emergency code for %s on %s; that code is used up now. "+
		"When few are left, make new ones with 'vsauth recovery create'.\n", sessionAccount(s), s.server)
	return nil
}
