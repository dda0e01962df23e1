package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/store"
)

// replicas starts two API servers on one fresh PostgreSQL database, each
// with its own connection pool and random source, as two `vsauth server`
// processes behind a load balancer would be. Without VSAUTH_TEST_POSTGRES
// the test is skipped, saying so.
func replicas(t *testing.T, profile server.Profile) [2]*fixture {
	t.Helper()
	dbURL := servertest.PostgresSchema(t)
	var out [2]*fixture
	for i := range out {
		st := servertest.OpenPostgres(t, dbURL)
		out[i] = &fixture{Env: servertest.Start(t, profile, servertest.WithStore(st), servertest.WithRandSeed(byte(i+1))), t: t}
	}
	return out
}

// rawPost sends one POST and returns the status and body; unlike
// fixture.do it may run in any goroutine.
func rawPost(base, path, token, body string) (int, string, error) {
	r, err := http.NewRequest("POST", base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "JWT "+token)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

var viewReq = req{Method: "GET", Path: "/api/user/view/"}

func viewWith(tok string) req { r := viewReq; r.Token = tok; return r }

// TestReplicasShareAccounts: what one replica writes, the other reads on
// its very next request, with no cache in between.
func TestReplicasShareAccounts(t *testing.T) {
	t.Parallel()
	r := replicas(t, server.Hardened)
	a, b := r[0], r[1]
	aliceView := `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`

	// A sign-up on one logs in on the other, and either replica takes the
	// other's token.
	a.createUser("alice@example.com", alicePW)
	tokB := b.login("alice@example.com", alicePW)
	a.expect(viewWith(tokB), 200, aliceView)
	tokA := a.login("alice@example.com", alicePW)
	b.expect(viewWith(tokA), 200, aliceView)

	// Logout-all on one kills every token on the other at once.
	a.expect(req{Method: "POST", Path: "/api/user/logout/all/", Token: tokA}, 204, "")
	b.expect(viewWith(tokA), 401, decodeError)
	b.expect(viewWith(tokB), 401, decodeError)

	// A password change on one: the other refuses the old password and the
	// old token (hardened ends sessions, D5) and takes the new password.
	tokA = a.login("alice@example.com", alicePW)
	tokB = b.login("alice@example.com", alicePW)
	b.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: tokB, Body: `{"new_password":"` + newPW + `","current_password":"` + alicePW + `"}`}, 204, "")
	a.expect(viewWith(tokA), 401, decodeError)
	a.expect(req{Method: "POST", Path: "/api/user/login/", Body: credentials("alice@example.com", alicePW)}, 400, badCredentials)
	// That failure throttles the account on both replicas (factor 1: one
	// second), even for the right password, until the clocks pass it.
	b.expect(req{Method: "POST", Path: "/api/user/login/", Body: credentials("alice@example.com", newPW)}, 400, badCredentials)
	a.Clock.Advance(time.Second)
	b.Clock.Advance(time.Second)
	tokA = a.login("alice@example.com", newPW)
	b.expect(viewWith(tokA), 200, aliceView)

	// Account deletion on one: the other refuses its token and its login,
	// and the address is free again on both.
	tokB = b.login("alice@example.com", newPW)
	a.expect(req{Method: "POST", Path: "/api/user/delete/", Token: tokA, Body: `{"current_password":"` + newPW + `"}`}, 204, "")
	b.expect(viewWith(tokB), 401, decodeError)
	b.expect(req{Method: "POST", Path: "/api/user/login/", Body: credentials("alice@example.com", newPW)}, 400, badCredentials)
	b.expect(req{Method: "POST", Path: "/api/user/create/", Body: credentials("alice@example.com", alicePW)}, 201, `{"email":"alice@example.com","id":2}`)
}

// TestReplicasUseAnEmergencyCodeOnce fires one of bob's unused emergency
// codes 15 times at each replica at once: exactly one request succeeds,
// and every other code still works once.
func TestReplicasUseAnEmergencyCodeOnce(t *testing.T) {
	t.Parallel()
	r := replicas(t, server.Compat)
	a, b := r[0], r[1]
	a.createUser("bob@example.com", alicePW)
	first := b.login("bob@example.com", alicePW)
	_, verified := a.enrolAndVerify(first)
	codes := staticCodes(t, b.do(req{Method: "GET", Path: "/api/static/create/", Token: verified}))

	const perReplica = 15
	var wg sync.WaitGroup
	var ok, refused atomic.Int32
	var errs sync.Map
	release := make(chan struct{})
	for i := range 2 * perReplica {
		wg.Go(func() {
			<-release
			status, body, err := rawPost(r[i%2].URL, "/api/static/login/"+codes[0]+"/", first, "")
			switch {
			case err != nil:
				errs.Store(i, err.Error())
			case status == 201 && strings.HasPrefix(body, `{"token":"`):
				ok.Add(1)
			case status == 400 && body == "":
				refused.Add(1)
			default:
				errs.Store(i, fmt.Sprintf("%d %s", status, body))
			}
		})
	}
	close(release)
	wg.Wait()
	errs.Range(func(k, v any) bool { t.Errorf("request %v: %v", k, v); return true })
	if ok.Load() != 1 || refused.Load() != 2*perReplica-1 {
		t.Fatalf("%d accepted, %d refused; want 1 and %d", ok.Load(), refused.Load(), 2*perReplica-1)
	}
	tokens, err := a.Store.StaticTokens(context.Background(), 1)
	if err != nil || len(tokens) != len(codes)-1 {
		t.Fatalf("codes left: %d, %v; want %d", len(tokens), err, len(codes)-1)
	}
	for i, c := range codes[1:] {
		if got := r[i%2].do(req{Method: "POST", Path: "/api/static/login/" + c + "/", Token: first}); got.Status != 201 {
			t.Errorf("code %d: %d %s", i+1, got.Status, got.Body)
		}
	}
}

// TestReplicasOneAccountPerEmail: 20 concurrent sign-ups of one address,
// split across the replicas and spelt with the domain in varying case
// (hardened normalizes it, D14), make exactly one account.
func TestReplicasOneAccountPerEmail(t *testing.T) {
	t.Parallel()
	r := replicas(t, server.Hardened)
	const n = 20
	var wg sync.WaitGroup
	var created atomic.Int32
	var errs sync.Map
	release := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-release
			domain := "example.com"
			if i%4 >= 2 {
				domain = "EXAMPLE.com"
			}
			status, body, err := rawPost(r[i%2].URL, "/api/user/create/", "", credentials("carol@"+domain, alicePW))
			switch {
			case err != nil:
				errs.Store(i, err.Error())
			case status == 201 && body == `{"email":"carol@example.com","id":1}`:
				created.Add(1)
			// The check before the insert, or the insert's unique
			// constraint when both passed the check at once.
			case status == 400 && (body == `{"email":["user with this email address already exists."]}` || body == `["Unable to create account."]`):
			default:
				errs.Store(i, fmt.Sprintf("%d %s", status, body))
			}
		})
	}
	close(release)
	wg.Wait()
	errs.Range(func(k, v any) bool { t.Errorf("sign-up %v: %v", k, v); return true })
	if created.Load() != 1 {
		t.Fatalf("%d sign-ups succeeded, want 1", created.Load())
	}
	users, err := r[1].Store.ListUsers(context.Background())
	if err != nil || len(users) != 1 || users[0].Email != "carol@example.com" {
		t.Fatalf("users = %+v, %v", users, err)
	}
}

// TestReplicasDeliverEachMailOnce runs one Deliverer per replica on one
// outbox: each message reaches the SMTP server exactly once.
func TestReplicasDeliverEachMailOnce(t *testing.T) {
	t.Parallel()
	dbURL := servertest.PostgresSchema(t)
	stores := [2]*store.DB{servertest.OpenPostgres(t, dbURL), servertest.OpenPostgres(t, dbURL)}
	ctx := context.Background()
	const n = 60
	for i := range n {
		if _, err := stores[i%2].EnqueueMail(ctx, store.Mail{CreatedAt: time.Now(), From: "vsauth@example.com", To: "u@example.com",
			Subject: "reset", Raw: fmt.Appendf(nil, "Subject: reset\r\n\r\nmessage %d\r\n", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	delivered := map[string]int{}
	perReplica := [2]int{}
	var wg sync.WaitGroup
	for i, st := range stores {
		send := func(_ context.Context, _ string, _ []string, raw []byte) error {
			mu.Lock()
			delivered[string(raw)]++
			perReplica[i]++
			mu.Unlock()
			// A pause per message, as an SMTP round trip has, so that the
			// two deliverers' claims overlap.
			time.Sleep(time.Millisecond)
			return nil
		}
		d := mail.NewDeliverer(st, send, mail.DelivererOptions{Batch: 4})
		wg.Go(func() {
			for {
				k, err := d.DeliverPending(ctx)
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
					return
				}
				if k == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(delivered) != n {
		t.Errorf("%d distinct messages delivered, want %d", len(delivered), n)
	}
	for raw, k := range delivered {
		if k != 1 {
			t.Errorf("delivered %d times: %q", k, raw)
		}
	}
	mails, err := stores[0].ListMail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if m.SentAt == nil || m.Attempts != 0 {
			t.Errorf("mail %d: sent_at %v, attempts %d", m.ID, m.SentAt, m.Attempts)
		}
	}
	t.Logf("deliveries per replica: %v", perReplica)
}
