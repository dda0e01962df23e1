// Package vsauthtest runs a vsauth API server inside a Go test, in one
// call, for programs that use the client SDK or speak the API themselves:
//
//	srv := vsauthtest.NewServer(t)             // compat; vsauthtest.Hardened() for hardened
//	c := srv.NewUser("ann@example.com", "correct-horse-battery-staple")
//	acct, err := c.User(ctx)                   // c is a *client.Client, logged in
//	srv.Advance(time.Minute)                   // the server's clock, e.g. past a throttle
//	link := srv.ResetMail("ann@example.com")   // the newest reset mail, link parsed
//
// The server listens on 127.0.0.1 with a fresh SQLite database in
// t.TempDir(), keeps its mail in the database outbox (nothing is sent),
// hashes passwords with 2 PBKDF2 iterations instead of 120000 so tests stay
// fast, and has a manual clock that starts at the current time, truncated
// to the second, and moves only with Advance. Everything is closed by
// t.Cleanup.
//
// It lives beside the server, as net/http/httptest beside net/http: it is
// the server's own test double, usable by any module without the harness.
package vsauthtest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/clock"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/store"
)

// PasswordIterations is the PBKDF2 count of NewServer's new password
// hashes unless WithConfig changes it: cheap, since the database is thrown
// away.
const PasswordIterations = 2

// Server is a running in-process API server.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT without a trailing slash.
	URL string
	// Client is a client.Client for URL, not logged in.
	Client *client.Client
	// API is the server's handler; Store its database.
	API   *server.Server
	Store *store.SQLite

	t         testing.TB // nil for Start's servers
	clock     *clock.Manual
	http      *httptest.Server
	closeOnce sync.Once
}

// Option changes how NewServer configures the server.
type Option func(*server.Config)

// Hardened runs the hardened profile (API.md §7.1) instead of compat.
func Hardened() Option { return func(c *server.Config) { c.Profile = server.Hardened } }

// WithConfig lets fn change the server's Config after NewServer filled it
// in: for settings no other Option names. Store, Clock and the mail outbox
// are what the Server's methods read; replacing them breaks those methods.
func WithConfig(fn func(*server.Config)) Option { return Option(fn) }

// NewServer starts a server for the rest of the test; see the package
// documentation for what it is made of. A failure to start fails t, and so
// does a failure in any of the Server's methods.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("vsauthtest: %v", err)
	}
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// Start is NewServer outside a test (TestMain, examples, a local tool):
// its database is in memory, Close stops it, and a failure in one of the
// Server's methods panics.
func Start(opts ...Option) (*Server, error) { return start("", opts) }

// Close stops the server, waits for its background work and closes the
// database. NewServer's servers are closed by t.Cleanup.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.http.Close()
		s.API.Wait()
		s.Store.Close()
	})
}

func start(dir string, opts []Option) (*Server, error) {
	ctx := context.Background()
	path := ":memory:"
	if dir != "" {
		path = filepath.Join(dir, "vsauth.db")
	}
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return nil, err
	}
	s := &Server{Store: st, clock: clock.NewManual(time.Now().Truncate(time.Second))}
	cfg := server.Config{
		Store:              st,
		Mailer:             mail.NewOutbox(st, mail.OutboxOptions{Clock: s.clock.Now}),
		PasswordIterations: PasswordIterations,
		Clock:              s.clock.Now,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if s.API, err = server.New(cfg); err != nil {
		st.Close()
		return nil, err
	}
	s.http = httptest.NewServer(s.API)
	s.URL = s.http.URL
	if s.Client, err = client.New(s.URL); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) helper() {
	if s.t != nil {
		s.t.Helper()
	}
}

// fatalf fails the test, or panics for a Server made by Start.
func (s *Server) fatalf(format string, args ...any) {
	if s.t == nil {
		panic(fmt.Sprintf("vsauthtest: "+format, args...))
	}
	s.t.Helper()
	s.t.Fatalf("vsauthtest: "+format, args...)
}

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Advance moves the server's clock forward by d (tokens expire, throttles
// pass, TOTP steps change); a negative d fails the test.
func (s *Server) Advance(d time.Duration) {
	s.helper()
	if d < 0 {
		s.fatalf("Advance(%s): the clock only moves forward", d)
	}
	s.clock.Advance(d)
}

// NewUser creates an account and returns a new Client logged in to it
// (the password step only: an account has no second step until it enrols).
// A failure fails the test.
func (s *Server) NewUser(email, password string) *client.Client {
	s.helper()
	ctx := context.Background()
	if _, err := s.Client.CreateUser(ctx, email, password); err != nil {
		s.fatalf("create %s: %v", email, err)
	}
	tok, err := s.Client.Login(ctx, email, password)
	if err != nil {
		s.fatalf("log in %s: %v", email, err)
	}
	c, err := client.New(s.URL, client.WithToken(tok))
	if err != nil {
		s.fatalf("%v", err)
	}
	return c
}

// Mail is one message the server sent.
type Mail struct {
	To, Subject string
	// Text is the plain-text part.
	Text string
	// Raw is the whole message as sent.
	Raw []byte
}

// Mail returns every message the server has sent, oldest first, once the
// mail of earlier requests is written (the hardened profile sends reset
// mail after answering).
func (s *Server) Mail() []Mail {
	s.helper()
	s.API.Wait()
	stored, err := s.Store.ListMail(context.Background())
	if err != nil {
		s.fatalf("read the outbox: %v", err)
	}
	msgs := make([]Mail, 0, len(stored))
	for _, m := range stored {
		text, err := mail.TextPart(m.Raw)
		if err != nil {
			s.fatalf("message %d: %v", m.ID, err)
		}
		msgs = append(msgs, Mail{To: m.To, Subject: m.Subject, Text: text, Raw: m.Raw})
	}
	return msgs
}

// ResetLink is the password-reset link of a mail, with its parts for
// client.ConfirmReset.
type ResetLink struct {
	Link, UID, Token string
}

// ResetMail returns the link of the newest message to addr (compared
// case-insensitively); no message, or none with a link, fails the test.
func (s *Server) ResetMail(addr string) ResetLink {
	s.helper()
	msgs := s.Mail()
	for i := len(msgs) - 1; i >= 0; i-- {
		if !strings.EqualFold(msgs[i].To, addr) {
			continue
		}
		link, uid, token, err := mail.ResetLink(msgs[i].Raw)
		if err != nil {
			s.fatalf("the newest message to %s has no reset link: %v", addr, err)
		}
		return ResetLink{Link: link, UID: uid, Token: token}
	}
	s.fatalf("no message to %s (%d in the outbox)", addr, len(msgs))
	return ResetLink{}
}
