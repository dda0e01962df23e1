package server_test

import (
	"context"
	"encoding/base32"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server"
)

const forbiddenOTP = `{"detail":"You do not have permission to perform this action until you verify your OTP device."}`

var otpauthRE = regexp.MustCompile(`^"otpauth://totp/alice%40example\.com\?secret=([A-Z2-7]{32})&algorithm=SHA1&digits=6&period=30"$`)

// enrol creates the TOTP device and returns its key in hex.
func (f *fixture) enrol(tok string) string {
	f.t.Helper()
	got := f.do(req{Method: "GET", Path: "/api/totp/create/", Token: tok})
	m := otpauthRE.FindStringSubmatch(got.Body)
	if got.Status != 201 || m == nil {
		f.t.Fatalf("totp create: %d %s", got.Status, got.Body)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(m[1])
	if err != nil {
		f.t.Fatal(err)
	}
	return hex.EncodeToString(key)
}

func (f *fixture) code(keyHex string, offset time.Duration) string {
	f.t.Helper()
	c, err := totp.Code(keyHex, f.Clock.Now().Add(offset), 6, 30)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func TestTwoFactorWalkthrough(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	view := req{Method: "GET", Path: "/api/user/view/"}
	userBody := `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`

	f.expect(req{Method: "GET", Path: "/api/totp/create/"}, 401, `{"detail":"Authentication credentials were not provided."}`)
	f.expect(req{Method: "POST", Path: "/api/totp/create/", Token: first}, 405, `{"detail":"Method \"POST\" not allowed."}`)
	// HEAD shows the answer but creates nothing (D12).
	head := f.expect(req{Method: "HEAD", Path: "/api/totp/create/", Token: first}, 201, "")
	assertHeader(t, head.Header, "Content-Length", "110")
	if _, err := f.Store.FirstTOTPDevice(context.Background(), 1); err == nil {
		t.Fatal("HEAD created a device")
	}
	key := f.enrol(first)
	if again := f.enrol(first); again != key {
		t.Fatal("a second create gave another secret")
	}
	dev, err := f.Store.FirstTOTPDevice(context.Background(), 1)
	if err != nil || dev.Key != key || dev.Confirmed || dev.Name != "" || dev.LastT != -1 || dev.Tolerance != 1 {
		t.Fatalf("device = %+v, %v", dev, err)
	}
	// Unconfirmed device: the gate still lets first-factor tokens through.
	f.expect(req{Method: view.Method, Path: view.Path, Token: first}, 200, userBody)

	f.expect(req{Method: "GET", Path: "/api/totp/login/000000/", Token: first}, 405, `{"detail":"Method \"GET\" not allowed."}`)
	wrong := f.code(key, 90*time.Second)
	bad := f.expect(req{Method: "POST", Path: "/api/totp/login/" + wrong + "/", Token: first}, 400, "")
	assertHeader(t, bad.Header, "Content-Type", "")
	assertHeader(t, bad.Header, "Content-Length", "0")
	code := f.code(key, 0)
	got := f.do(req{Method: "POST", Path: "/api/totp/login/" + code + "/", Token: first, Body: "{ignored", Type: "application/json"})
	if got.Status != 201 {
		t.Fatalf("totp login: %d %s", got.Status, got.Body)
	}
	verified := tokenOf(t, got.Body)
	if id := f.claims(verified).OTPDeviceID(); id != "otp_totp.totpdevice/1" {
		t.Fatalf("otp_device_id = %q", id)
	}
	// Replay of the same code fails.
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + code + "/", Token: first}, 400, "")

	// Now the gate needs the verified token.
	f.expect(req{Method: view.Method, Path: view.Path, Token: first}, 403, forbiddenOTP)
	f.expect(req{Method: view.Method, Path: view.Path, Token: verified}, 200, userBody)
	f.expect(req{Method: "POST", Path: "/api/user/delete/", Token: first, Body: `{}`}, 403, forbiddenOTP)
	f.expect(req{Method: "GET", Path: "/api/static/create/", Token: first}, 403, forbiddenOTP)
	f.expect(req{Method: "POST", Path: "/api/totp/delete/", Token: first}, 403, forbiddenOTP)
	// Not gated in compat (D6): password change and logout-all.
	f.expect(req{Method: "POST", Path: "/api/user/password/change/", Token: first, Body: `{}`}, 400, `{"new_password":["This field is required."],"current_password":["This field is required."]}`)
	// Compat shows the confirmed secret again to a first-factor token (D4).
	if again := f.enrol(first); again != key {
		t.Fatal("compat re-shows the same secret")
	}

	// Emergency codes.
	codesResp := f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified})
	codes := staticCodes(t, codesResp)
	headCodes := f.expect(req{Method: "HEAD", Path: "/api/static/create/", Token: verified}, 201, "")
	assertHeader(t, headCodes.Header, "Content-Length", "67")
	stored, _ := f.Store.StaticTokens(context.Background(), 1)
	if strings.Join(stored, ",") != strings.Join(codes, ",") {
		t.Fatalf("HEAD replaced the codes: %v vs %v", stored, codes)
	}
	f.expect(req{Method: "GET", Path: "/api/static/login/" + codes[0] + "/", Token: first}, 405, `{"detail":"Method \"GET\" not allowed."}`)
	f.expect(req{Method: "POST", Path: "/api/static/login/" + strings.ToUpper(codes[0]) + "/", Token: first}, 404, `<h1>Not Found</h1><p>The requested resource was not found on this server.</p>`)
	got = f.do(req{Method: "POST", Path: "/api/static/login/" + codes[0] + "/", Token: first})
	if got.Status != 201 {
		t.Fatalf("static login: %d %s", got.Status, got.Body)
	}
	byCode := tokenOf(t, got.Body)
	if id := f.claims(byCode).OTPDeviceID(); id != "otp_static.staticdevice/1" {
		t.Fatalf("otp_device_id = %q", id)
	}
	f.expect(req{Method: "POST", Path: "/api/static/login/" + codes[0] + "/", Token: first}, 400, "")
	f.expect(req{Method: view.Method, Path: view.Path, Token: byCode}, 200, userBody)
	// Regenerating kills the old codes.
	fresh := staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: byCode}))
	f.expect(req{Method: "POST", Path: "/api/static/login/" + codes[1] + "/", Token: first}, 400, "")

	// TOTP delete: confirmed devices go, every old token dies.
	got = f.do(req{Method: "POST", Path: "/api/totp/delete/", Token: verified})
	if got.Status != 200 {
		t.Fatalf("totp delete: %d %s", got.Status, got.Body)
	}
	after := tokenOf(t, got.Body)
	if id := f.claims(after).OTPDeviceID(); id != "" {
		t.Fatalf("otp_device_id after delete = %q", id)
	}
	for _, old := range []string{first, verified, byCode} {
		f.expect(req{Method: view.Method, Path: view.Path, Token: old}, 401, `{"detail":"Error decoding signature."}`)
	}
	f.expect(req{Method: view.Method, Path: view.Path, Token: after}, 200, userBody)
	f.expect(req{Method: "POST", Path: "/api/static/login/" + fresh[0] + "/", Token: after}, 400, "")
	if again := f.enrol(after); again == key {
		t.Fatal("a deleted confirmed device's secret came back")
	}
}

func staticCodes(t *testing.T, r resp) []string {
	t.Helper()
	re := regexp.MustCompile(`^\["([a-z2-7]{8})","([a-z2-7]{8})","([a-z2-7]{8})","([a-z2-7]{8})","([a-z2-7]{8})","([a-z2-7]{8})"\]$`)
	m := re.FindStringSubmatch(r.Body)
	if r.Status != 201 || m == nil {
		t.Fatalf("static create: %d %s", r.Status, r.Body)
	}
	return m[1:]
}

func TestTOTPToleranceAndDrift(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	key := f.enrol(tok)
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 60*time.Second) + "/", Token: tok}, 400, "")
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, -60*time.Second) + "/", Token: tok}, 400, "")
	if got := f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 30*time.Second) + "/", Token: tok}); got.Status != 201 {
		t.Fatalf("+1 step: %d", got.Status)
	}
	dev, _ := f.Store.FirstTOTPDevice(context.Background(), 1)
	T := start.Unix() / 30
	if dev.Drift != 1 || dev.LastT != T+1 || !dev.Confirmed {
		t.Fatalf("after +1: drift %d last_t %d (T=%d)", dev.Drift, dev.LastT, T)
	}
	// The current step is now behind last_t: refused until time moves on.
	f.expect(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 0) + "/", Token: tok}, 400, "")
	f.Clock.Advance(30 * time.Second)
	// With drift 1 the window is T+1..T+3 (T now one step later); T+2 works.
	if got := f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 30*time.Second) + "/", Token: tok}); got.Status != 201 {
		t.Fatalf("drifted code: %d", got.Status)
	}
}

// TestConcurrentCodesSucceedOnce fires the same emergency code and the same
// TOTP code from many goroutines: exactly one request may win each.
func TestConcurrentCodesSucceedOnce(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	key := f.enrol(tok)
	code := f.code(key, 0)
	if n := f.race(16, "/api/totp/login/"+code+"/", tok); n != 1 {
		t.Fatalf("one TOTP code accepted %d times", n)
	}
	verified := tokenOf(t, f.do(req{Method: "POST", Path: "/api/totp/login/" + f.code(key, 30*time.Second) + "/", Token: tok}).Body)
	codes := staticCodes(t, f.do(req{Method: "GET", Path: "/api/static/create/", Token: verified}))
	if n := f.race(16, "/api/static/login/"+codes[2]+"/", tok); n != 1 {
		t.Fatalf("one emergency code accepted %d times", n)
	}
}

func (f *fixture) race(n int, path, tok string) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	startGun := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			if r := f.do(req{Method: "POST", Path: path, Token: tok}); r.Status == 201 {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	close(startGun)
	wg.Wait()
	return wins
}

func TestOTPAuthURLIsStandard(t *testing.T) {
	f := newFixture(t, server.Compat)
	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	body := f.do(req{Method: "GET", Path: "/api/totp/create/", Token: tok}).Body
	u, err := url.Parse(strings.Trim(body, `"`))
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("period") != "30" {
		t.Fatalf("otpauth URL %q: %v", body, err)
	}
}

// TestTOTPCodeRacedOnce: twenty requests at once with the same right code
// log in exactly once, in either profile on either store; the rest are the
// replay's bare 400.
func TestTOTPCodeRacedOnce(t *testing.T) {
	for _, profile := range []server.Profile{server.Compat, server.Hardened} {
		t.Run(string(profile), func(t *testing.T) { totpCodeRacedOnce(t, newFixture(t, profile)) })
		t.Run(string(profile)+"-postgres", func(t *testing.T) {
			st := servertest.OpenPostgres(t, servertest.PostgresSchema(t))
			totpCodeRacedOnce(t, &fixture{Env: servertest.Start(t, profile, servertest.WithStore(st)), t: t})
		})
	}
}

func totpCodeRacedOnce(t *testing.T, f *fixture) {
	f.createUser("alice@example.com", alicePW)
	first := f.login("alice@example.com", alicePW)
	key, _ := f.enrolAndVerify(first)
	got := f.burst(20, "/api/totp/login/"+f.code(key, 30*time.Second)+"/", "", first)
	created := 0
	for answer, n := range got {
		if strings.HasPrefix(answer, `Created {"token":"`) {
			created += n
		}
	}
	if created != 1 || got["Bad Request "] != 19 {
		t.Fatalf("answers to one code sent 20 times at once: %v", got)
	}
}
