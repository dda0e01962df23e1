// Package servertest runs the real API server in-process for tests: a fresh
// SQLite database in a temporary directory, a mailer that keeps what it is
// given, a manual clock and a deterministic random source. It is a normal
// package so that the tests of several packages can share it; nothing but
// tests should import it.
package servertest

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/clock"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/store"
)

// SecretKey is the server's SECRET_KEY, for tests that make reset tokens.
const SecretKey = "test-secret-key"

// PasswordIterations is the PBKDF2 count Start uses unless told otherwise:
// cheap, since the database is thrown away.
const PasswordIterations = 2

// StartTime is where every Env's clock starts: 2026-11-25 12:00:00 UTC.
var StartTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Rand returns a deterministic random source, ChaCha8 keyed by seed, safe
// for concurrent use.
func Rand(seed byte) io.Reader {
	return &lockedRand{r: rand.NewChaCha8([32]byte{seed})}
}

type lockedRand struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func (l *lockedRand) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// Mailer records every message it is asked to send, like PocketBase's test
// mailer. It is safe for concurrent use; the zero value is ready.
type Mailer struct {
	mu   sync.Mutex
	msgs []mail.Message
}

// Send records msg; it never fails.
func (m *Mailer) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

// All returns a copy of the messages sent so far, oldest first.
func (m *Mailer) All() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail.Message(nil), m.msgs...)
}

// Last returns the newest message, or the zero Message if none was sent.
func (m *Mailer) Last() mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.msgs) == 0 {
		return mail.Message{}
	}
	return m.msgs[len(m.msgs)-1]
}

// Env is a running in-process API server and what it was built from.
type Env struct {
	URL   string // base URL, without a trailing slash
	Store *store.SQLite
	API   *server.Server
	Mail  *Mailer
	Clock *clock.Manual // the server's clock, at StartTime until advanced
}

// Option changes how Start configures the server.
type Option func(*options)

type options struct {
	seed         byte
	iterations   int
	configure    []func(*server.Config)
	database     string
	secretKey    string
	maxBodyBytes int64
	store        *store.DB
}

// WithRandSeed keys the server's random source with seed instead of 1.
func WithRandSeed(seed byte) Option { return func(o *options) { o.seed = seed } }

// WithPasswordIterations sets the PBKDF2 count for new hashes instead of
// PasswordIterations; n <= 0 leaves the server's production default.
func WithPasswordIterations(n int) Option { return func(o *options) { o.iterations = n } }

// WithConfig lets fn change the server's Config last, after Start filled it
// in: for the settings no other Option names.
func WithConfig(fn func(*server.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, fn) }
}

// WithDatabase serves the SQLite database at path instead of a fresh one,
// for tests that run the server on a database another implementation
// made. The file is used in place: pass a copy.
func WithDatabase(path string) Option { return func(o *options) { o.database = path } }

// WithStore serves st instead of a SQLite database of Start's own: a
// PostgreSQL store, or one store shared by two servers. The caller closes
// it.
func WithStore(st *store.DB) Option { return func(o *options) { o.store = st } }

// WithSecretKey sets the server's SECRET_KEY instead of SecretKey.
func WithSecretKey(key string) Option { return func(o *options) { o.secretKey = key } }

// WithMaxBodyBytes sets the server's Config.MaxBodyBytes.
func WithMaxBodyBytes(n int64) Option { return func(o *options) { o.maxBodyBytes = n } }

// Start runs the API server with profile until the test ends: the listener
// is closed, the server's background work waited for and the database closed
// by t.Cleanup.
func Start(t testing.TB, profile server.Profile, opts ...Option) *Env {
	t.Helper()
	o := options{seed: 1, iterations: PasswordIterations, secretKey: SecretKey}
	for _, opt := range opts {
		opt(&o)
	}
	st := o.store
	if st == nil {
		if o.database == "" {
			o.database = filepath.Join(t.TempDir(), "vsauth.db")
		}
		var err error
		if st, err = store.OpenSQLite(context.Background(), o.database); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	e := &Env{Store: st, Mail: &Mailer{}, Clock: clock.NewManual(StartTime)}
	cfg := server.Config{
		Store:              st,
		Mailer:             e.Mail,
		SecretKey:          o.secretKey,
		Profile:            profile,
		PasswordIterations: o.iterations,
		MaxBodyBytes:       o.maxBodyBytes,
		Clock:              e.Clock.Now,
		Rand:               Rand(o.seed),
	}
	for _, fn := range o.configure {
		fn(&cfg)
	}
	var err error
	if e.API, err = server.New(cfg); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e.API)
	t.Cleanup(func() {
		ts.Close()
		e.API.Wait()
	})
	e.URL = ts.URL
	return e
}
