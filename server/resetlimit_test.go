package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"net/http/httputil"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/clock"
	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/store"
)

// outboxEnv is a server whose reset mail goes to the real outbox of its
// database, as under `vsauth server`, so that what was queued can be counted.
type outboxEnv struct {
	api   *server.Server
	st    *store.SQLite
	clock *clock.Manual
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newOutboxEnv(t *testing.T, profile server.Profile, limit int) *outboxEnv {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "vsauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newOutboxEnvOn(t, st, profile, limit)
}

// newOutboxEnvOn is newOutboxEnv on st, which the caller closes after the
// test's own cleanups.
func newOutboxEnvOn(t *testing.T, st *store.DB, profile server.Profile, limit int) *outboxEnv {
	t.Helper()
	e := &outboxEnv{st: st, clock: clock.NewManual(servertest.StartTime), logs: &syncBuffer{}}
	var err error
	e.api, err = server.New(server.Config{
		Store:              st,
		Mailer:             mail.NewOutbox(st, mail.OutboxOptions{Clock: e.clock.Now, Rand: servertest.Rand(2)}),
		SecretKey:          servertest.SecretKey,
		Profile:            profile,
		PasswordIterations: servertest.PasswordIterations,
		Clock:              e.clock.Now,
		Rand:               servertest.Rand(1),
		// Warnings and errors only: access lines are not what these tests count.
		Logger:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		ResetMailLimit: limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.api.Wait)
	return e
}

// post runs one JSON POST through the handler and returns the whole answer
// as it would go on the wire (the recorder adds no Date header).
func (e *outboxEnv) post(t *testing.T, path, body string) []byte {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1:8000"+path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.api.ServeHTTP(w, r)
	dump, err := httputil.DumpResponse(w.Result(), true)
	if err != nil {
		t.Fatal(err)
	}
	return dump
}

func (e *outboxEnv) createUser(t *testing.T, email string) {
	t.Helper()
	if got := e.post(t, "/api/user/create/", `{"email":"`+email+`","password":"`+alicePW+`"}`); !bytes.HasPrefix(got, []byte("HTTP/1.1 201 ")) {
		t.Fatalf("create %s: %s", email, got)
	}
}

// outbox returns the recipients of the queued messages, once the work the
// requests left behind is done.
func (e *outboxEnv) outbox(t *testing.T) []string {
	t.Helper()
	e.api.Wait()
	all, err := e.st.ListMail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, m := range all {
		to = append(to, m.To)
	}
	return to
}

func resetBody(email string) string { return `{"email":"` + email + `"}` }

// TestHardenedResetMailLimit: the cap holds under a burst on either store,
// each counting in one conditional statement of its own.
func TestHardenedResetMailLimit(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { hardenedResetMailLimit(t, newOutboxEnv(t, server.Hardened, 3)) })
	t.Run("postgres", func(t *testing.T) {
		st := servertest.OpenPostgres(t, servertest.PostgresSchema(t))
		hardenedResetMailLimit(t, newOutboxEnvOn(t, st, server.Hardened, 3))
	})
}

func hardenedResetMailLimit(t *testing.T, e *outboxEnv) {
	e.createUser(t, "alice@example.com")
	e.createUser(t, "bob@example.com")
	unknown := e.post(t, "/api/user/password/reset/", resetBody("nobody@example.com"))
	if !bytes.HasPrefix(unknown, []byte("HTTP/1.1 204 No Content\r\n")) {
		t.Fatalf("unknown address: %s", unknown)
	}

	// 50 at once for one account: exactly 3 mails, every answer the unknown one.
	answers := make([][]byte, 50)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i] = e.post(t, "/api/user/password/reset/", resetBody("Alice@Example.com"))
		}()
	}
	close(start)
	wg.Wait()
	for i, a := range answers {
		if !bytes.Equal(a, unknown) {
			t.Fatalf("answer %d differs from an unknown address's:\n%q\n%q", i, a, unknown)
		}
	}
	if got := e.outbox(t); strings.Join(got, ",") != "alice@example.com,alice@example.com,alice@example.com" {
		t.Fatalf("outbox after 50 requests = %q, want 3 mails to alice", got)
	}
	// One more, after the burst: still the unknown address's answer, no mail.
	if got := e.post(t, "/api/user/password/reset/", resetBody("alice@example.com")); !bytes.Equal(got, unknown) {
		t.Fatalf("4th+ answer:\n%q\nwant\n%q", got, unknown)
	}
	if got := e.outbox(t); len(got) != 3 {
		t.Fatalf("outbox = %q, want still 3", got)
	}
	// The cap is per account: bob still gets his.
	e.post(t, "/api/user/password/reset/", resetBody("bob@example.com"))
	if got := e.outbox(t); len(got) != 4 || got[3] != "bob@example.com" {
		t.Fatalf("outbox = %q, want bob's mail added", got)
	}
	// The refusals were logged once, without the address.
	logs := e.logs.String()
	if n := strings.Count(logs, "password reset mail limit reached"); n != 1 || !strings.Contains(logs, "user_id=1 limit=3 window=1h0m0s") || strings.Contains(logs, "alice") {
		t.Fatalf("logs (want one limit line naming user 1 only):\n%s", logs)
	}

	// A minute before the window ends: nothing; at its end, one goes through.
	e.clock.Advance(59 * time.Minute)
	e.post(t, "/api/user/password/reset/", resetBody("alice@example.com"))
	if got := e.outbox(t); len(got) != 4 {
		t.Fatalf("outbox inside the window = %q", got)
	}
	e.clock.Advance(time.Minute)
	e.post(t, "/api/user/password/reset/", resetBody("alice@example.com"))
	if got := e.outbox(t); len(got) != 5 || got[4] != "alice@example.com" {
		t.Fatalf("outbox after the window = %q, want a 5th to alice", got)
	}
}

func TestResetMailUnlimited(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile server.Profile
		limit   int
	}{
		{"compat ignores the cap, as the original", server.Compat, 3},
		{"hardened with the cap off", server.Hardened, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newOutboxEnv(t, tc.profile, tc.limit)
			e.createUser(t, "alice@example.com")
			var wg sync.WaitGroup
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if got := e.post(t, "/api/user/password/reset/", resetBody("alice@example.com")); !bytes.HasPrefix(got, []byte("HTTP/1.1 204 ")) {
						t.Errorf("reset: %s", got)
					}
				}()
			}
			wg.Wait()
			if got := e.outbox(t); len(got) != 10 {
				t.Fatalf("outbox = %q, want 10 mails", got)
			}
			// Nothing was counted: the next count opens a window.
			if n, err := e.st.CountResetMail(context.Background(), 1, e.clock.Now(), time.Hour, 3); n != 1 || err != nil {
				t.Errorf("CountResetMail after the requests = %d, %v; want 1", n, err)
			}
		})
	}
}

// TestResetLongAddress: an address past SQLite's LIKE pattern limit (50,000
// bytes) got a 500 from the original's lookup when any account existed.
func TestResetLongAddress(t *testing.T) {
	long := strings.Repeat("a", 60_000-len("@example.com")) + "@example.com"
	for _, profile := range []server.Profile{server.Compat, server.Hardened} {
		t.Run(string(profile), func(t *testing.T) { resetLongAddress(t, long, newOutboxEnv(t, profile, 0)) })
		t.Run(string(profile)+"-postgres", func(t *testing.T) {
			st := servertest.OpenPostgres(t, servertest.PostgresSchema(t))
			resetLongAddress(t, long, newOutboxEnvOn(t, st, profile, 0))
		})
	}
}

func resetLongAddress(t *testing.T, long string, e *outboxEnv) {
	e.createUser(t, "alice@example.com")
	got := e.post(t, "/api/user/password/reset/", resetBody(long))
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 204 No Content\r\n")) {
		t.Fatalf("reset with a 60,000-byte address: %.200s", got)
	}
	if got := e.outbox(t); len(got) != 0 {
		t.Fatalf("outbox = %q", got)
	}
	if logs := e.logs.String(); logs != "" {
		t.Fatalf("logs: %s", logs)
	}

}
