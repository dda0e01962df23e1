package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/tokenstore"
)

// defaultServerURL is where `vsauth server` listens by default.
const defaultServerURL = "http://127.0.0.1:8000"

// app is what the API commands share: the global flags, the configuration
// and, built only when a command needs it, the token store. Commands that
// need no token never touch the keyring.
type app struct {
	d      Deps
	v      *viper.Viper
	server string // --server
	debug  bool
	// insecureStorage is the user's explicit consent to a plain token file.
	insecureStorage bool
	configPath      string

	store *tokenstore.Store
	// apiCmds are the top-level commands that talk to a server's API.
	apiCmds map[*cobra.Command]bool
}

func newApp(d Deps) *app { return &app{d: d, v: viper.New()} }

// apiFlags are the flags of the commands that talk to a server's API.
var apiFlags = []string{"server", "debug", "insecure-storage"}

func (a *app) addAPIFlags(f *pflag.FlagSet) {
	f.StringVar(&a.server, "server", "", "server name from the config file, or a URL (default: the config's default_server, else "+defaultServerURL+")")
	f.BoolVar(&a.debug, "debug", false, "trace HTTP requests to stderr (secrets redacted)")
	f.BoolVar(&a.insecureStorage, "insecure-storage", false, "keep tokens in a plain file when the OS keyring is unavailable")
}

// bindGlobalFlags adds --config to root, and the API flags hidden: root
// must know them so that `vsauth --debug login` finds its command (cobra
// reads flags before the command's name with root's set), but only the API
// commands show them (bindAPIFlags), and checkAPIFlags refuses them
// elsewhere.
func (a *app) bindGlobalFlags(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "config file (default: vsauth/config.yaml in the user config directory)")
	a.addAPIFlags(pf)
	for _, name := range apiFlags {
		_ = pf.MarkHidden(name)
	}
}

// bindAPIFlags gives each API command its own visible copy of the API
// flags, bound to the same settings; a command's own flag shadows root's.
func (a *app) bindAPIFlags(cmds ...*cobra.Command) {
	if a.apiCmds == nil {
		a.apiCmds = map[*cobra.Command]bool{}
	}
	for _, c := range cmds {
		a.addAPIFlags(c.PersistentFlags())
		a.apiCmds[c] = true
	}
}

// checkAPIFlags refuses an API flag given to a command that ignores it
// (admin, mail, server, harness, help topics).
func (a *app) checkAPIFlags(c *cobra.Command) error {
	for p := c; p != nil; p = p.Parent() {
		if a.apiCmds[p] {
			return nil
		}
	}
	for _, name := range apiFlags {
		if f := c.Flags().Lookup(name); f != nil && f.Changed && c.Root().PersistentFlags().Lookup(name) == f {
			return usageErrorf("--%s does nothing for 'vsauth %s'", name, strings.TrimPrefix(c.CommandPath(), "vsauth "))
		}
	}
	return nil
}

// configDir is the user's config directory for vsauth.
func (a *app) configDir() (string, error) {
	if a.d.ConfigDir != "" {
		return a.d.ConfigDir, nil
	}
	var base string
	switch runtime.GOOS {
	case "windows":
		base = a.d.Getenv("AppData")
	case "darwin":
		if home := a.d.Getenv("HOME"); home != "" {
			base = filepath.Join(home, "Library", "Application Support")
		}
	default:
		if base = a.d.Getenv("XDG_CONFIG_HOME"); base == "" {
			if home := a.d.Getenv("HOME"); home != "" {
				base = filepath.Join(home, ".config")
			}
		}
	}
	if base == "" {
		return "", errors.New("cannot find the user config directory: set HOME or --config")
	}
	return filepath.Join(base, "vsauth"), nil
}

// load reads the config file (if any) and binds the environment. It is run
// before every command.
func (a *app) load() error {
	v := a.v
	for key, env := range map[string]string{
		"server": "VSAUTH_SERVER", "insecure_storage": "VSAUTH_INSECURE_STORAGE", "debug": "VSAUTH_DEBUG", "qr": "VSAUTH_QR",
	} {
		if err := v.BindEnv(key, env); err != nil {
			return err
		}
	}
	path := a.configPath
	if path == "" {
		path = a.d.Getenv("VSAUTH_CONFIG")
	}
	if path == "" {
		dir, err := a.configDir()
		if err != nil {
			return nil // no config directory: run on flags and environment alone
		}
		path = filepath.Join(dir, "config.yaml")
		if _, err := os.Stat(path); err != nil {
			return nil
		}
	}
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("reading config %s: %w", path, err)
	}
	return nil
}

// serverURL resolves --server, VSAUTH_SERVER and the config's default to a
// base URL. Names come from the config's servers section.
func (a *app) serverURL() (string, error) {
	ref := a.server
	if ref == "" {
		// Through Deps, so that an in-process caller (the harness) can
		// name the server without a flag.
		ref = a.d.Getenv("VSAUTH_SERVER")
	}
	if ref == "" {
		ref = a.v.GetString("server")
	}
	if ref == "" {
		ref = a.v.GetString("default_server")
	}
	if ref == "" {
		return defaultServerURL, nil
	}
	if u := a.v.GetString("servers." + ref + ".url"); u != "" {
		return normalizeURL(u)
	}
	if strings.Contains(ref, "://") {
		return normalizeURL(ref)
	}
	names := a.serverNames()
	if len(names) == 0 {
		return "", usageErrorf("unknown server %q: give a URL such as %s, or name servers in the config file", ref, defaultServerURL)
	}
	return "", usageErrorf("unknown server %q (configured: %s)", ref, strings.Join(names, ", "))
}

func (a *app) serverNames() []string {
	var names []string
	for name := range a.v.GetStringMap("servers") {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func normalizeURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("server URL %q must look like http://host:port", s)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// tokens is the token store, opened on first use.
func (a *app) tokens() (*tokenstore.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	dir, err := a.configDir()
	if err != nil {
		return nil, err
	}
	st, err := tokenstore.New(tokenstore.Options{
		Keyring:      a.d.Keyring,
		FileFallback: a.insecureStorage || a.v.GetBool("insecure_storage"),
		Dir:          dir,
		Warn:         a.d.IO.ErrOut,
		Getenv:       a.d.Getenv,
	})
	if err != nil {
		return nil, err
	}
	a.store = st
	return st, nil
}

// client builds an SDK client for the selected server, without a token.
func (a *app) client() (*client.Client, string, error) {
	base, err := a.serverURL()
	if err != nil {
		return nil, "", err
	}
	return a.clientFor(base)
}

// serverChosen reports whether the user named a server for this command
// (--server or VSAUTH_SERVER), rather than leaving it to the config.
func (a *app) serverChosen() bool {
	return a.server != "" || a.d.Getenv("VSAUTH_SERVER") != ""
}

// clientFor builds an SDK client for base, without a token.
func (a *app) clientFor(base string) (*client.Client, string, error) {
	opts := []client.Option{client.WithVersion(version)}
	if a.d.HTTPClient != nil {
		opts = append(opts, client.WithHTTPClient(a.d.HTTPClient))
	}
	if a.debug || a.v.GetBool("debug") {
		opts = append(opts, client.WithTrace(a.d.IO.ErrOut))
	}
	if a.d.Now != nil {
		opts = append(opts, client.WithClock(a.d.Now))
	}
	c, err := client.New(base, opts...)
	if err != nil {
		return nil, "", err
	}
	return c, base, nil
}

// session is a client carrying the stored token of the active account.
type session struct {
	c        *client.Client
	server   string
	account  string
	token    client.Token
	location tokenstore.Location
}

// errNotLoggedIn maps to exit code 4.
type authError struct{ err error }

func (e authError) Error() string { return e.err.Error() }
func (e authError) Unwrap() error { return e.err }

// loggedIn loads the active account's token for the selected server.
func (a *app) loggedIn(ctx context.Context) (*session, error) {
	c, base, err := a.client()
	if err != nil {
		return nil, err
	}
	st, err := a.tokens()
	if err != nil {
		return nil, err
	}
	tok, loc, err := st.Load(ctx, base, "")
	if errors.Is(err, tokenstore.ErrNotLoggedIn) {
		return nil, authError{fmt.Errorf("not logged in to %s: run 'vsauth login'", base)}
	}
	if err != nil {
		return nil, err
	}
	account, _ := st.Active(base)
	c.SetToken(client.Token(tok))
	return &session{c: c, server: base, account: account, token: client.Token(tok), location: loc}, nil
}

// save stores a new token for the session's account and uses it from now on.
// When the session's token came from VSAUTH_TOKEN, the new one is printed on
// stdout instead.
func (a *app) save(ctx context.Context, s *session, tok client.Token) error {
	unstored, err := a.keep(ctx, s, tok)
	if unstored != "" {
		fmt.Fprintln(a.d.IO.Out, unstored)
	}
	return err
}

// keep is save for commands printing JSON: a token it could not store
// (VSAUTH_TOKEN is set) is returned for the caller's "token" field, not
// printed.
func (a *app) keep(ctx context.Context, s *session, tok client.Token) (unstored client.Token, err error) {
	st, err := a.tokens()
	if err != nil {
		return "", err
	}
	if s.location.Kind == tokenstore.InEnvironment {
		// The token came from VSAUTH_TOKEN: there is nothing to update.
		fmt.Fprintln(a.d.IO.ErrOut, "note: VSAUTH_TOKEN is set; the new token is printed, not stored")
		return tok, nil
	}
	// The new token goes where the old one was: a token the user agreed to
	// keep in the plain file stays there even without --insecure-storage.
	loc, err := st.Replace(ctx, s.server, s.account, string(tok), s.location)
	if err != nil {
		return "", err
	}
	s.token, s.location = tok, loc
	s.c.SetToken(tok)
	return "", nil
}

// afterChange is the error of a command that failed after the server had
// already changed state: it says what changed there, what went wrong here
// and how to go on, so the user does not retry what is done.
func afterChange(done string, err error, next string) error {
	return fmt.Errorf("%s, but %w\n%s", done, err, next)
}

// notStored is a token save's failure, for afterChange.
func notStored(err error) error {
	return fmt.Errorf("the new token could not be stored: %w", err)
}

// forget removes the stored token of the session's account.
func (a *app) forget(ctx context.Context, s *session) error {
	st, err := a.tokens()
	if err != nil {
		return err
	}
	return st.Delete(ctx, s.server, s.account)
}

// isConflict tells the server's 409: what was asked for is already there,
// or another state has to come first.
func isConflict(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.StatusCode == http.StatusConflict
}

// apiError turns an SDK error into the CLI's exit codes: a rejected token is
// exit 4, a missing second step exit 5.
func apiError(err error) error {
	switch {
	case err == nil:
		return nil
	case client.IsOTPRequired(err):
		return secondStepError{fmt.Errorf("%w\nfinish the second step: 'vsauth login' again with a code, or 'vsauth recovery use'", err)}
	case client.IsUnauthorized(err):
		return authError{fmt.Errorf("%w\nlog in again: 'vsauth login'", err)}
	}
	return err
}

// secondStepError maps to exit code 5.
type secondStepError struct{ err error }

func (e secondStepError) Error() string { return e.err.Error() }
func (e secondStepError) Unwrap() error { return e.err }

func (a *app) now() time.Time { return a.d.now() }
