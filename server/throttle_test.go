package server_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/resettoken"
	"github.com/virtualspaces/vsauth/server/store"
)

const badLogin = `{"non_field_errors":["Unable to log in with provided credentials."]}`

// burst sends n copies of one POST at once and returns the statuses and
// bodies seen, counted.
func (f *fixture) burst(n int, path, body, token string) map[string]int {
	f.t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		seen  = map[string]int{}
		start = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			status, b, err := rawPost(f.URL, path, token, body)
			if err != nil {
				f.t.Error(err)
				return
			}
			mu.Lock()
			seen[http.StatusText(status)+" "+b]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return seen
}

// The hardened throttles hold under concurrency: 50 wrong answers at once
// are checked exactly once (one failure counted, so the lock is 1 s, not
// 2^49 s), for passwords, TOTP codes and emergency codes alike, on
// either store: each store's claim is its own conditional UPDATE.
func TestHardenedThrottleBurstsCheckOnce(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { throttleBurstsCheckOnce(t, newFixture(t, server.Hardened)) })
	t.Run("postgres", func(t *testing.T) {
		st := servertest.OpenPostgres(t, servertest.PostgresSchema(t))
		throttleBurstsCheckOnce(t, &fixture{Env: servertest.Start(t, server.Hardened, servertest.WithStore(st)), t: t})
	})
}

func throttleBurstsCheckOnce(t *testing.T, f *fixture) {
	ctx := context.Background()
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	key, _ := f.enrolAndVerify(first)
	verified := tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 30*time.Second) + "/", Token: first}).Body)
	staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified}))

	got := f.burst(50, "/api/user/login/", `{"email":"alice@example.com","password":"wrong"}`, "")
	if got["Bad Request "+badLogin] != 50 {
		t.Errorf("login burst answers: %v", got)
	}
	if th, _ := f.Store.LoginThrottle(ctx, 1); th.FailureCount != 1 {
		t.Errorf("login failures counted: %d, want 1", th.FailureCount)
	}

	wrong := f.code(key, 5*time.Minute)
	got = f.burst(50, "/api/totp/login/"+wrong+"/", "", first)
	if got["Bad Request "] != 50 {
		t.Errorf("TOTP burst answers: %v", got)
	}
	if dev, _ := f.Store.FirstTOTPDevice(ctx, 1); dev.Throttle.FailureCount != 1 {
		t.Errorf("TOTP failures counted: %d, want 1", dev.Throttle.FailureCount)
	}

	got = f.burst(50, "/api/static/login/aaaaaaaa/", "", first)
	if got["Bad Request "] != 50 {
		t.Errorf("emergency code burst answers: %v", got)
	}
	if dev, _ := f.Store.FirstStaticDevice(ctx, 1); dev.Throttle.FailureCount != 1 {
		t.Errorf("emergency code failures counted: %d, want 1", dev.Throttle.FailureCount)
	}

	// One second later each lock has passed, and right answers work.
	f.Clock.Advance(time.Second)
	f.login("alice@example.com", alicePW)
	if th, _ := f.Store.LoginThrottle(ctx, 1); th.FailureCount != 0 {
		t.Errorf("a right password left %d failures", th.FailureCount)
	}
}

// Compat has no throttle, as the original: every wrong password is checked,
// none is counted, and the right one works at once.
func TestCompatLoginNotThrottled(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	if got := f.burst(20, "/api/user/login/", `{"email":"alice@example.com","password":"wrong"}`, ""); got["Bad Request "+badLogin] != 20 {
		t.Errorf("answers: %v", got)
	}
	if th, _ := f.Store.LoginThrottle(context.Background(), 1); th.FailureCount != 0 {
		t.Errorf("compat counted %d failures", th.FailureCount)
	}
	f.login("alice@example.com", alicePW)
}

// lockOut records n failed logins of the user as if each had waited out the
// lock before it, the way a patient attacker builds up a long lock.
func (f *fixture) lockOut(userID int64, n int) {
	f.t.Helper()
	always := func(store.Throttle, time.Time) (bool, time.Time) { return true, time.Time{} }
	for range n {
		if _, err := f.Store.ClaimLoginAttempt(context.Background(), userID, f.Clock.Now(), always); err != nil {
			f.t.Fatal(err)
		}
	}
}

// However many failures an account has, the login lock lasts at most
// LoginLockMax (15 minutes by default) after the last one; a locked account
// answers exactly as a wrong password does.
func TestHardenedLoginLockIsCapped(t *testing.T) {
	f := newFixture(t, server.Hardened)
	f.createUser("alice@example.com", alicePW)
	f.lockOut(1, 40) // uncapped, 2^39 s
	login := req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"` + alicePW + `"}`}
	f.expect(login, 400, badLogin)
	f.Clock.Advance(server.DefaultLoginLockMax - time.Second)
	f.expect(login, 400, badLogin)
	f.Clock.Advance(time.Second)
	f.login("alice@example.com", alicePW)

	// The cap is the operator's: LoginLockMax.
	e := servertest.Start(t, server.Hardened, servertest.WithConfig(func(c *server.Config) { c.LoginLockMax = time.Minute }))
	g := &fixture{Env: e, t: t}
	g.createUser("alice@example.com", alicePW)
	g.lockOut(1, 40)
	g.expect(login, 400, badLogin)
	g.Clock.Advance(time.Minute)
	g.login("alice@example.com", alicePW)
}

// A password reset by mail unlocks the account at once: the owner who
// proves control of the address is not kept out by someone else's guesses.
func TestHardenedResetUnlocksLogin(t *testing.T) {
	f := newFixture(t, server.Hardened)
	f.createUser("alice@example.com", alicePW)
	f.lockOut(1, 8)
	f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"` + alicePW + `"}`}, 400, badLogin)
	u := f.user("alice@example.com")
	token := resettoken.Generator{SecretKey: servertest.SecretKey}.Make(u.ID, u.Password, u.LastLogin, f.Clock.Now())
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/confirm/", Body: `{"uid":"MQ","token":"` + token + `","new_password":"` + newPW + `"}`}, 204, "")
	f.login("alice@example.com", newPW)
}
