// Package tokenstore keeps the login tokens of the vsauth CLI.
//
// A token lives in the OS keyring, one entry per server and account: the
// service is "vsauth:<normalized server URL>" and the user is the account
// email. Only when the user opted in (--insecure-storage or the config) and
// the keyring is unavailable does a token go to the plain file
// <Dir>/tokens.json, and a warning is printed before it is written (once
// per Store). A token read from that file is replaced there (Replace). Which
// accounts are logged in, where each token lives and which account is
// active is kept in <Dir>/state.json, which never holds a token.
//
// VSAUTH_TOKEN, when set, is the token for every Load and the keyring is
// not consulted. Every keyring call is bounded by a timeout, because a
// Secret Service that is not running can leave a D-Bus call waiting.
package tokenstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// EnvToken is the environment variable whose value overrides any stored token.
const EnvToken = "VSAUTH_TOKEN"

// DefaultTimeout bounds each keyring call when Options.Timeout is zero.
const DefaultTimeout = 3 * time.Second

// ErrNotLoggedIn matches (errors.Is) the error of Load and Delete when no
// token is stored for the server and account.
var ErrNotLoggedIn = errors.New("not logged in")

// Options configures a Store. Zero fields take the defaults given.
type Options struct {
	// Keyring defaults to SystemKeyring.
	Keyring Keyring
	// Timeout bounds each keyring call; default DefaultTimeout.
	Timeout time.Duration
	// FileFallback is the user's opt-in (--insecure-storage or the config)
	// to keep a token in a plain file when the keyring is unavailable.
	FileFallback bool
	// Dir holds state.json and tokens.json; default <user config dir>/vsauth.
	// It is created with mode 0700.
	Dir string
	// Warn receives the warning printed before a token is first written to
	// the plain file by this Store. Required when FileFallback is set, so
	// the fallback is never silent; without it, Replace cannot write the
	// file either.
	Warn io.Writer
	// Getenv reads EnvToken; default os.Getenv.
	Getenv func(string) string
}

// Store saves, loads and deletes login tokens. Its methods are safe for
// concurrent use within one process; two processes writing at once cannot
// corrupt the files (each write is an atomic rename) but the later write
// wins.
type Store struct {
	keyring      Keyring
	timeout      time.Duration
	fileFallback bool
	dir          string
	warn         io.Writer
	getenv       func(string) string

	// mu serialises the read-modify-write of state.json and tokens.json.
	mu sync.Mutex
	// warned is set once the plain-text warning is printed: a Store lives
	// for one command, which is warned once however many tokens it writes
	// (a two-step login writes two).
	warned bool
}

// New returns a Store for opts.
func New(opts Options) (*Store, error) {
	s := &Store{
		keyring:      opts.Keyring,
		timeout:      opts.Timeout,
		fileFallback: opts.FileFallback,
		dir:          opts.Dir,
		warn:         opts.Warn,
		getenv:       opts.Getenv,
	}
	if s.keyring == nil {
		s.keyring = SystemKeyring{}
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.getenv == nil {
		s.getenv = os.Getenv
	}
	if s.dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("finding the directory for login state: %w", err)
		}
		s.dir = filepath.Join(base, "vsauth")
	}
	if s.fileFallback && s.warn == nil {
		return nil, errors.New("tokenstore: FileFallback needs a Warn writer")
	}
	return s, nil
}

// LocationKind tells where a token lives.
type LocationKind int

// The places a token can come from.
const (
	InKeyring LocationKind = iota + 1
	InFile
	InEnvironment
)

// Location says where a token lives, for `vsauth auth status`.
type Location struct {
	Kind LocationKind
	// Path is the file, when Kind is InFile.
	Path string
}

// String reads "keyring", "file <path>" or "environment VSAUTH_TOKEN".
func (l Location) String() string {
	switch l.Kind {
	case InKeyring:
		return "keyring"
	case InFile:
		return "file " + l.Path
	case InEnvironment:
		return "environment " + EnvToken
	}
	return "nowhere"
}

// unavailableHint adds the ways out to a keyring failure.
func unavailableHint(err error) error {
	return fmt.Errorf("%w: run a Secret Service (e.g. gnome-keyring) and retry, set %s, or pass --insecure-storage to keep the token in a plain file", err, EnvToken)
}

func notLoggedIn(srv, account string) error {
	if account == "" {
		return fmt.Errorf("%w to %s", ErrNotLoggedIn, srv)
	}
	return fmt.Errorf("%w to %s as %s", ErrNotLoggedIn, srv, account)
}

// Save stores token for account on server and makes account the active one
// there. It uses the keyring; when the keyring is unavailable it writes the
// plain file if the user opted in, after printing a warning to Warn, and
// fails with the ways out otherwise.
func (s *Store) Save(ctx context.Context, server, account, token string) (Location, error) {
	return s.save(ctx, server, account, token, false)
}

// Replace stores token for account on server in place of the one Load
// returned from where. A token that came from the plain file is replaced in
// the file, without asking the keyring or needing FileFallback: the user
// agreed to the file when that token went there, and a command that got a
// new token after a change on the server (a confirmed TOTP device, a used
// emergency code) must not then fail for want of the flag. Any other token
// is saved as by Save.
func (s *Store) Replace(ctx context.Context, server, account, token string, where Location) (Location, error) {
	return s.save(ctx, server, account, token, where.Kind == InFile)
}

// save is Save, or with toFile a write straight to the plain file.
func (s *Store) save(ctx context.Context, server, account, token string, toFile bool) (Location, error) {
	srv, err := NormalizeServer(server)
	if err != nil {
		return Location{}, err
	}
	if account == "" {
		return Location{}, errors.New("saving a token: the account is empty")
	}
	if token == "" {
		return Location{}, errors.New("saving a token: the token is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Read the state first: a corrupt state file should stop us before any
	// secret is written anywhere.
	st, err := s.readState()
	if err != nil {
		return Location{}, err
	}

	var loc Location
	if toFile {
		if loc, err = s.writeFileToken(srv, account, token); err != nil {
			return Location{}, err
		}
	} else {
		err = s.keyringSet(ctx, serviceName(srv), account, token)
		switch {
		case err == nil:
			loc = Location{Kind: InKeyring}
			// A plain copy from an earlier fallback must not outlive this login.
			if err := s.removeFileToken(srv, account); err != nil {
				return Location{}, err
			}
		case errors.Is(err, ErrKeyringUnavailable):
			if !s.fileFallback {
				return Location{}, unavailableHint(err)
			}
			if loc, err = s.writeFileToken(srv, account, token); err != nil {
				return Location{}, err
			}
		default:
			return Location{}, fmt.Errorf("saving the token in the OS keyring: %w", err)
		}
	}

	ss := st.server(srv)
	ss.Accounts[account] = locKeyring
	if loc.Kind == InFile {
		ss.Accounts[account] = locFile
	}
	ss.Active = account
	if err := s.writeState(st); err != nil {
		return Location{}, err
	}
	return loc, nil
}

// writeFileToken puts token in the plain file, printing the warning first
// unless this Store already did. s.mu is held.
func (s *Store) writeFileToken(srv, account, token string) (Location, error) {
	path := s.tokensPath()
	if s.warn == nil {
		return Location{}, errors.New("tokenstore: writing the plain token file needs a Warn writer")
	}
	if !s.warned {
		if _, err := fmt.Fprintf(s.warn, "warning: storing the token in plain text at %s\n", path); err != nil {
			return Location{}, fmt.Errorf("printing the plain-text warning: %w", err)
		}
		s.warned = true
	}
	tokens, err := s.readTokens()
	if err != nil {
		return Location{}, err
	}
	if tokens[srv] == nil {
		tokens[srv] = map[string]string{}
	}
	tokens[srv][account] = token
	if err := s.writeTokens(tokens); err != nil {
		return Location{}, err
	}
	return Location{Kind: InFile, Path: path}, nil
}

// probeAccount is the keyring user Target asks for; no token is stored
// under it, so the answer is "not found" from a working keyring.
const probeAccount = "vsauth-keyring-probe"

// Target tells where Save would put a token on server now, writing
// nothing: the keyring when it answers, else the plain file when the user
// opted in; otherwise the error is Save's, with the ways out. A login asks
// before prompting for a password, so that a machine without a keyring is
// found out before anything is typed or sent.
func (s *Store) Target(ctx context.Context, server string) (Location, error) {
	srv, err := NormalizeServer(server)
	if err != nil {
		return Location{}, err
	}
	_, err = s.keyringGet(ctx, serviceName(srv), probeAccount)
	switch {
	case err == nil, errors.Is(err, gokeyring.ErrNotFound):
		return Location{Kind: InKeyring}, nil
	case !errors.Is(err, ErrKeyringUnavailable):
		return Location{}, fmt.Errorf("reaching the OS keyring: %w", err)
	case s.fileFallback:
		return Location{Kind: InFile, Path: s.tokensPath()}, nil
	}
	return Location{}, unavailableHint(err)
}

// Load returns the token for account on server, or for the active account
// when account is "". VSAUTH_TOKEN, when set, wins without any keyring call.
// The token is looked for where the last Save put it first (the keyring
// unless state.json says the file), then in the other place; the file is
// consulted only when the user opted in or state.json says the token is
// there. A missing token is ErrNotLoggedIn.
func (s *Store) Load(ctx context.Context, server, account string) (string, Location, error) {
	if t := s.getenv(EnvToken); t != "" {
		return t, Location{Kind: InEnvironment}, nil
	}
	srv, err := NormalizeServer(server)
	if err != nil {
		return "", Location{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.readState()
	if err != nil {
		return "", Location{}, err
	}
	if account == "" {
		if account = st.active(srv); account == "" {
			return "", Location{}, notLoggedIn(srv, "")
		}
	}
	inFile := st.location(srv, account) == locFile
	useFile := s.fileFallback || inFile

	fromFile := func() (string, bool, error) {
		if !useFile {
			return "", false, nil
		}
		tokens, err := s.readTokens()
		if err != nil {
			return "", false, err
		}
		t, ok := tokens[srv][account]
		return t, ok && t != "", nil
	}

	// After a fallback save the keyring may still hold an older token of
	// the same account, so the state's record decides which place wins.
	if inFile {
		if t, ok, err := fromFile(); err != nil {
			return "", Location{}, err
		} else if ok {
			return t, Location{Kind: InFile, Path: s.tokensPath()}, nil
		}
	}
	token, kerr := s.keyringGet(ctx, serviceName(srv), account)
	switch {
	case kerr == nil:
		return token, Location{Kind: InKeyring}, nil
	case errors.Is(kerr, gokeyring.ErrNotFound):
		kerr = nil
	case errors.Is(kerr, ErrKeyringUnavailable):
	default:
		return "", Location{}, fmt.Errorf("reading the token from the OS keyring: %w", kerr)
	}
	if !inFile {
		if t, ok, err := fromFile(); err != nil {
			return "", Location{}, err
		} else if ok {
			return t, Location{Kind: InFile, Path: s.tokensPath()}, nil
		}
	}
	if kerr != nil {
		if s.fileFallback {
			return "", Location{}, fmt.Errorf("%w, and %s has no token for %s on %s", kerr, s.tokensPath(), account, srv)
		}
		return "", Location{}, unavailableHint(kerr)
	}
	return "", Location{}, notLoggedIn(srv, account)
}

// Delete removes the token of account on server (the active account when
// account is "") from the keyring and the plain file, and forgets the
// account. When it was the active one, another account of that server, if
// any, becomes active. An unknown account is ErrNotLoggedIn. When the
// keyring is unavailable and may hold the token, nothing is forgotten and
// the error says so, so the logout can be retried.
func (s *Store) Delete(ctx context.Context, server, account string) error {
	srv, err := NormalizeServer(server)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.readState()
	if err != nil {
		return err
	}
	if account == "" {
		if account = st.active(srv); account == "" {
			return notLoggedIn(srv, "")
		}
	}
	found := false
	switch kerr := s.keyringDelete(ctx, serviceName(srv), account); {
	case kerr == nil:
		found = true
	case errors.Is(kerr, gokeyring.ErrNotFound):
	case errors.Is(kerr, ErrKeyringUnavailable) && st.location(srv, account) == locFile:
		// The token was saved to the file because the keyring was down; it
		// is the copy that matters.
	default:
		return fmt.Errorf("removing the token of %s on %s: %w", account, srv, kerr)
	}
	tokens, err := s.readTokens()
	if err != nil {
		return err
	}
	if _, ok := tokens[srv][account]; ok {
		found = true
		delete(tokens[srv], account)
		if err := s.writeTokens(tokens); err != nil {
			return err
		}
	}
	if st.remove(srv, account) {
		found = true
		if err := s.writeState(st); err != nil {
			return err
		}
	}
	if !found {
		return notLoggedIn(srv, account)
	}
	return nil
}

// removeFileToken drops account on srv from the plain file, if it is there.
func (s *Store) removeFileToken(srv, account string) error {
	tokens, err := s.readTokens()
	if err != nil {
		return err
	}
	if _, ok := tokens[srv][account]; !ok {
		return nil
	}
	delete(tokens[srv], account)
	return s.writeTokens(tokens)
}

// Accounts returns the accounts logged in to server, sorted; nil when there
// are none or the server URL or the state file cannot be read.
func (s *Store) Accounts(server string) []string {
	srv, err := NormalizeServer(server)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.readState()
	if err != nil {
		return nil
	}
	return st.accounts(srv)
}

// Active returns the active account on server; false when there is none.
func (s *Store) Active(server string) (string, bool) {
	srv, err := NormalizeServer(server)
	if err != nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.readState()
	if err != nil {
		return "", false
	}
	a := st.active(srv)
	return a, a != ""
}
