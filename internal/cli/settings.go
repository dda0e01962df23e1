package cli

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/store"
)

// Support commands (admin, mail) read some of the server's settings: its
// database, its secret key, its profile (the default of --notify), its
// login lock (to say until when an account is locked) and what its mail
// says (site name, From). They read them as 'vsauth server' does, flag over
// VSAUTH_<FLAG> over default, from the server's own flag definitions, so a
// default or a help text is written once. The environment is what the
// server and support share: the server reads no config file, and the
// --config file is each user's client configuration, which a service user
// and support staff do not share, whereas a systemd EnvironmentFile is the
// one place a host keeps the server's settings.

// serverSettings are the server's settings a support command reads.
type serverSettings struct {
	flags  map[string]*pflag.Flag
	getenv func(string) string
}

// envName is the variable of a server flag: --login-lock-max is
// VSAUTH_LOGIN_LOCK_MAX.
func envName(flag string) string {
	return "VSAUTH_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// addServerSettings gives cmd (and its subcommands) the server's flags of
// the named settings, with their help and defaults, bound to the same
// environment variables.
func addServerSettings(cmd *cobra.Command, d Deps, names ...string) *serverSettings {
	s := &serverSettings{flags: map[string]*pflag.Flag{}, getenv: d.Getenv}
	srv := newCmdServer(d, nil).Flags()
	for _, name := range names {
		f := srv.Lookup(name)
		cmd.PersistentFlags().AddFlag(f)
		s.flags[name] = f
	}
	return s
}

// get is the setting's flag, else its variable (read through Deps, so that
// in-process callers and tests set it), else its default.
func (s *serverSettings) get(name string) string {
	f := s.flags[name]
	if f.Changed {
		return f.Value.String()
	}
	if v := s.getenv(envName(name)); v != "" {
		return v
	}
	return f.DefValue
}

func (s *serverSettings) db() string { return s.get("db") }

// hardened reports whether the server runs the hardened profile.
func (s *serverSettings) hardened() (bool, error) {
	p, err := parseProfile(s.get("profile"))
	return p == server.Hardened, err
}

// loginLockMax is the server's cap on a login lock.
func (s *serverSettings) loginLockMax() (time.Duration, error) {
	return parseLoginLockMax(s.get("login-lock-max"))
}

// passwordIterations is the server's PBKDF2 iteration count for new hashes.
func (s *serverSettings) passwordIterations() (int, error) {
	return parsePasswordIterations(s.get("password-iterations"))
}

// parseProfile, parseLoginLockMax and parsePasswordIterations read their
// flags for the server and for the support commands alike, so that both
// refuse the same values with the same words.
func parseProfile(raw string) (server.Profile, error) {
	p, ok := server.ParseProfile(raw)
	if !ok {
		return "", usageErrorf("--profile must be compat or hardened, not %q", raw)
	}
	return p, nil
}

func parsePasswordIterations(raw string) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, usageErrorf("--password-iterations must be a positive number, not %q", raw)
	}
	return n, nil
}

func parseLoginLockMax(raw string) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, usageErrorf("--login-lock-max must be a positive duration such as 15m, not %q", raw)
	}
	return d, nil
}

// siteName is what the server's mail signs with; a notice has no link
// whose host could stand in, so it falls back to the product's name.
func (s *serverSettings) siteName() string {
	if n := s.get("site-name"); n != "" {
		return n
	}
	return "Virtual Spaces"
}

func (s *serverSettings) mailFrom() string { return s.get("mail-from") }

// errNoSecretKey stops SecretKey from creating a key: a support command
// must not invent the key the server will use.
var errNoSecretKey = errors.New("no secret key")

// secretKey is the key the server signs reset links with: VSAUTH_SECRET_KEY
// (never a flag here: a command line is visible to other users), else the
// one the server generated and keeps in the database. ok is false when
// neither exists.
func (s *serverSettings) secretKey(ctx context.Context, st *store.DB) (key string, ok bool, err error) {
	if key = s.getenv(envName("secret-key")); key != "" {
		return key, true, nil
	}
	key, err = st.SecretKey(ctx, func() (string, error) { return "", errNoSecretKey })
	if errors.Is(err, errNoSecretKey) {
		return "", false, nil
	}
	return key, err == nil, err
}
