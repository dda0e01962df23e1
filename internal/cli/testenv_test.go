package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/virtualspaces/vsauth/internal/clock"
	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/store"
)

// memKeyring is an in-memory OS keyring.
type memKeyring struct {
	mu      sync.Mutex
	items   map[string]string
	calls   int
	failing error // when set, every call fails with it
	// fail, when set, is asked before each call ("get", "set", "delete");
	// an error it returns is the call's answer, as from a keyring that
	// reads but cannot write.
	fail func(op string) error
}

// err is the failure the test wants for op, if any. k.mu is held.
func (k *memKeyring) err(op string) error {
	k.calls++
	if k.failing != nil {
		return k.failing
	}
	if k.fail != nil {
		return k.fail(op)
	}
	return nil
}

func newMemKeyring() *memKeyring { return &memKeyring{items: map[string]string{}} }

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.err("get"); err != nil {
		return "", err
	}
	v, ok := k.items[service+"\x00"+user]
	if !ok {
		return "", errKeyNotFound
	}
	return v, nil
}

func (k *memKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.err("set"); err != nil {
		return err
	}
	k.items[service+"\x00"+user] = password
	return nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.err("delete"); err != nil {
		return err
	}
	if _, ok := k.items[service+"\x00"+user]; !ok {
		return errKeyNotFound
	}
	delete(k.items, service+"\x00"+user)
	return nil
}

// errKeyNotFound is what go-keyring answers for a missing entry; any other
// error means the keyring is unavailable.
var errKeyNotFound = gokeyring.ErrNotFound

// cliEnv is an in-process API server plus everything a vsauth command
// needs around it: keyring, config directory, clock.
type cliEnv struct {
	t       *testing.T
	URL     string
	Store   *store.SQLite
	Mail    *servertest.Mailer
	Clock   *clock.Manual // shared by the server and the CLI, so TOTP codes line up
	Keyring *memKeyring
	Config  string
	Env     map[string]string
	// HTTPClient, when set, is the client commands send API requests with.
	HTTPClient *http.Client
}

func newCLIEnv(t *testing.T, profile server.Profile) *cliEnv {
	t.Helper()
	srv := servertest.Start(t, profile, servertest.WithRandSeed(7))
	return &cliEnv{t: t, URL: srv.URL, Store: srv.Store, Mail: srv.Mail, Clock: srv.Clock,
		Keyring: newMemKeyring(), Config: t.TempDir(), Env: map[string]string{}}
}

type result struct {
	Code        int
	Out, ErrOut string
}

// run executes vsauth against the env's server. stdin is what the command
// reads; tty makes it look like a terminal, answering hidden prompts from
// secrets in order.
func (e *cliEnv) run(stdin string, tty bool, secrets []string, args ...string) result {
	e.t.Helper()
	var out, errOut bytes.Buffer
	i := 0
	d := Deps{
		IO: IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, InTTY: tty,
			ReadSecret: func() (string, error) {
				if i >= len(secrets) {
					return "", errors.New("no more test input")
				}
				i++
				return secrets[i-1], nil
			}},
		Getenv:     func(k string) string { return e.Env[k] },
		Keyring:    e.Keyring,
		Now:        e.Clock.Now,
		ConfigDir:  e.Config,
		HTTPClient: e.HTTPClient,
	}
	code := Main(context.Background(), append([]string{"--server", e.URL}, args...), d)
	return result{code, out.String(), errOut.String()}
}

func (e *cliEnv) expect(r result, code int, out, errOut string) {
	e.t.Helper()
	if r.Code != code || r.Out != out || r.ErrOut != errOut {
		e.t.Fatalf("got exit %d\nstdout %q\nstderr %q\nwant exit %d\nstdout %q\nstderr %q", r.Code, r.Out, r.ErrOut, code, out, errOut)
	}
}
