package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/virtualspaces/vsauth/internal/clock"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/store"
)

// passwordIterations keeps PBKDF2 cheap: flows hash many passwords and the
// in-process server's database is thrown away.
const passwordIterations = 2

// stateKey is the env.Values key of a flow's *flow.
type stateKey struct{}

// flow is the state of one running flow, shared by its commands.
type flow struct {
	ctx       context.Context
	opts      Options
	keyring   *memKeyring
	configDir string
	clock     *clock.Manual // nil against an external server; moves only forward
	srv       *inproc       // nil against an external server
	rec       *recorder     // the CLI's exchanges, with Options.record
	unique    string        // $UNIQUE
	lastExit  int           // of the last vsauth command
	ran       bool          // whether a vsauth command has run
	// retrying is set while eventually runs a command: its failures panic
	// with a retryFailure instead of failing the flow.
	retrying bool

	mu      sync.Mutex
	secrets []secret   // values to redact, guarded by mu
	last    lastOutput // guarded by mu
}

// lastOutput is what the last command that printed anything printed; a
// failure report always shows it, whichever phase the failing check is in.
type lastOutput struct{ cmd, stdout, stderr string }

func (f *flow) setLast(cmd, stdout, stderr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = lastOutput{cmd, stdout, stderr}
}

func (f *flow) lastOutput() lastOutput {
	if f == nil {
		return lastOutput{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// retryFailure is how a command run by eventually reports a failed attempt.
type retryFailure string

// fail fails the line, or only the attempt under eventually.
func (f *flow) fail(ts *testscript.TestScript, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if f.retrying {
		panic(retryFailure(msg))
	}
	ts.Fatalf("%s", msg)
}

// now is the flow's clock for the CLI and the totp command; nil means the
// wall clock, as for an external server.
func (f *flow) now() func() time.Time {
	if f.clock == nil {
		return nil
	}
	return f.clock.Now
}

func (f *flow) timeNow() time.Time {
	if f.clock == nil {
		return time.Now()
	}
	return f.clock.Now()
}

func getFlow(ts *testscript.TestScript) *flow {
	f, ok := ts.Value(stateKey{}).(*flow)
	if !ok {
		ts.Fatalf("harness: flow state missing (Setup did not run)")
	}
	return f
}

// newParams builds the testscript parameters of a run: the per-flow set-up,
// the flow commands and the conditions. Files are left to the caller.
func newParams(ctx context.Context, opts Options) testscript.Params {
	return testscript.Params{
		Setup: func(env *testscript.Env) error { return setupFlow(ctx, opts, env) },
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"vsauth":     cmdVsauth,
			"status":     cmdStatus,
			"capture":    cmdCapture,
			"totp":       cmdTOTP,
			"mail":       cmdMail,
			"clock":      cmdClock,
			"sleep":      cmdSleep,
			"server":     cmdServer,
			"json":       cmdJSON,
			"vars":       cmdVars,
			"write":      cmdWrite,
			"eventually": cmdEventually,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "inprocess":
				return opts.ServerURL == "", nil
			case "external":
				return opts.ServerURL != "", nil
			case "hardened":
				return opts.Profile == server.Hardened, nil
			case "mail":
				return opts.ServerURL == "" || opts.MailDir != "", nil
			}
			return false, fmt.Errorf("unknown condition %q (harness conditions: inprocess, external, hardened, mail)", cond)
		},
		RequireUniqueNames: true,
	}
}

// setupFlow gives a flow its server (fresh, in-process, unless the run uses
// an external one), keyring, config directory and variables.
func setupFlow(ctx context.Context, opts Options, env *testscript.Env) error {
	dir, err := os.MkdirTemp("", "vsauth-flow-")
	if err != nil {
		return fmt.Errorf("harness: create flow directory: %w", err)
	}
	env.Defer(func() { os.RemoveAll(dir) })
	f := &flow{ctx: ctx, opts: opts, keyring: newMemKeyring(), configDir: filepath.Join(dir, "config")}
	if ft, ok := env.T().(*flowT); ok {
		ft.mu.Lock()
		ft.flow = f
		ft.mu.Unlock()
	}
	env.Values[stateKey{}] = f
	if err := os.Mkdir(f.configDir, 0o700); err != nil {
		return fmt.Errorf("harness: create config directory: %w", err)
	}
	var u [4]byte
	if _, err := rand.Read(u[:]); err != nil {
		return fmt.Errorf("harness: read random bytes: %w", err)
	}
	f.unique = hex.EncodeToString(u[:])
	env.Setenv("UNIQUE", f.unique)
	if opts.record {
		f.rec = newRecorder(f.timeNow)
		env.Defer(f.rec.close)
	}
	if opts.ServerURL != "" {
		env.Setenv("SERVER", strings.TrimRight(opts.ServerURL, "/"))
		return nil
	}
	f.clock = clock.NewManual(time.Now().Truncate(time.Second))
	srv, err := newInproc(ctx, dir, opts.Profile, f.clock.Now, opts.wrap)
	if err != nil {
		return err
	}
	env.Defer(srv.close)
	f.srv = srv
	url, err := srv.start("127.0.0.1:0")
	if err != nil {
		return err
	}
	env.Setenv("SERVER", url)
	return nil
}

// inproc is a flow's own API server: a SQLite database in a temporary
// directory, mail kept in the database outbox, and an HTTP listener on
// 127.0.0.1 that can be stopped and started again.
type inproc struct {
	ctx context.Context
	st  *store.SQLite
	api *server.Server
	// handler is api, or what Options.wrap made of it.
	handler http.Handler
	addr    string // of the last listener

	http *http.Server // nil while stopped
	done chan struct{}
}

func newInproc(ctx context.Context, dir string, profile server.Profile, now func() time.Time, wrap func(http.Handler) http.Handler) (*inproc, error) {
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "vsauth.db"))
	if err != nil {
		return nil, fmt.Errorf("harness: open flow database: %w", err)
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		st.Close()
		return nil, fmt.Errorf("harness: read random bytes: %w", err)
	}
	api, err := server.New(server.Config{
		Store:              st,
		Mailer:             mail.NewOutbox(st, mail.OutboxOptions{Clock: now}),
		SecretKey:          hex.EncodeToString(key[:]),
		Profile:            profile,
		PasswordIterations: passwordIterations,
		Clock:              now,
		Rand:               rand.Reader,
	})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("harness: %w", err)
	}
	var h http.Handler = api
	if wrap != nil {
		h = wrap(api)
	}
	return &inproc{ctx: ctx, st: st, api: api, handler: h}, nil
}

// start listens on addr and serves; it returns the base URL.
func (s *inproc) start(addr string) (string, error) {
	if s.http != nil {
		return "", errors.New("the server is already running")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.addr = ln.Addr().String()
	s.http = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan struct{})
	go func(h *http.Server, done chan struct{}) {
		defer close(done)
		h.Serve(ln) // returns http.ErrServerClosed on stop
	}(s.http, s.done)
	return "http://" + s.addr, nil
}

// stop shuts the listener down and waits for requests and their background
// work (hardened reset mail) to finish. The database stays open.
func (s *inproc) stop() error {
	if s.http == nil {
		return errors.New("the server is not running")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	<-s.done
	s.http = nil
	s.api.Wait()
	if err != nil {
		return fmt.Errorf("stop the server: %w", err)
	}
	return nil
}

func (s *inproc) close() {
	if s.http != nil {
		s.stop()
	}
	s.st.Close()
}

// memKeyring is a flow's OS keyring: in memory, so flows never touch the
// real one and cannot see each other's tokens.
type memKeyring struct {
	mu    sync.Mutex
	items map[string]string
}

func newMemKeyring() *memKeyring { return &memKeyring{items: map[string]string{}} }

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.items[service+"\x00"+user]
	if !ok {
		return "", gokeyring.ErrNotFound
	}
	return v, nil
}

func (k *memKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.items[service+"\x00"+user] = password
	return nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.items[service+"\x00"+user]; !ok {
		return gokeyring.ErrNotFound
	}
	delete(k.items, service+"\x00"+user)
	return nil
}
