package server_test

import (
	"context"
	"sync"
	"testing"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/mail"
)

// gateMailer holds every Send until open is closed, counting what it was
// given, so that reset lookups stay in flight while a test floods.
type gateMailer struct {
	open chan struct{}
	mu   sync.Mutex
	sent int
}

func (g *gateMailer) Send(ctx context.Context, m mail.Message) error {
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent++
	return nil
}

// In the hardened profile the lookups that run after the 204 are bounded:
// past MaxPendingResets a request is answered the same and its lookup is
// dropped, instead of a flood piling up goroutines.
func TestHardenedResetLookupsAreBounded(t *testing.T) {
	gate := &gateMailer{open: make(chan struct{})}
	e := servertest.Start(t, server.Hardened, servertest.WithConfig(func(c *server.Config) {
		c.Mailer = gate
		c.MaxPendingResets = 2
		c.ResetMailLimit = -1
	}))
	f := &fixture{Env: e, t: t}
	f.createUser("alice@example.com", alicePW)
	reset := req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"alice@example.com"}`}
	for range 5 {
		f.expect(reset, 204, "") // the first two wait at the mailer; the rest are dropped
	}
	close(gate.open)
	e.API.Wait()
	if gate.sent != 2 {
		t.Fatalf("%d mails sent, want the 2 lookups that had a slot", gate.sent)
	}
	// Slots come back: the next request is looked up and mailed.
	f.expect(reset, 204, "")
	e.API.Wait()
	if gate.sent != 3 {
		t.Fatalf("%d mails sent after the flood, want 3", gate.sent)
	}
}
