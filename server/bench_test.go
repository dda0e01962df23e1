package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
)

// The benchmarks run side by side so they read as ratios: the intro page
// (routing and headers only) is the baseline for an authenticated view
// (token check, user and device lookups, profile read) and a login (one
// PBKDF2 at the test iteration count, so the HTTP and store work shows).
//
//	go test -run '^$' -bench . -benchmem ./server/

func benchmarkRequest(b *testing.B, build func(f *fixture) func() *http.Request) {
	f := newFixture(b, server.Compat)
	f.createUser("alice@example.com", alicePW)
	next := build(f)
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := client.Do(next())
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body) // drain so the connection is reused
		res.Body.Close()
		if res.StatusCode >= 400 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

func BenchmarkBaselineIntroPage(b *testing.B) {
	benchmarkRequest(b, func(f *fixture) func() *http.Request {
		return func() *http.Request { r, _ := http.NewRequest("GET", f.URL+"/", nil); return r }
	})
}

func BenchmarkUserView(b *testing.B) {
	benchmarkRequest(b, func(f *fixture) func() *http.Request {
		tok := f.login("alice@example.com", alicePW)
		return func() *http.Request {
			r, _ := http.NewRequest("GET", f.URL+"/api/user/view/", nil)
			r.Header.Set("Authorization", "JWT "+tok)
			return r
		}
	})
}

func BenchmarkLogin(b *testing.B) {
	benchmarkRequest(b, func(f *fixture) func() *http.Request {
		return func() *http.Request {
			r, _ := http.NewRequest("POST", f.URL+"/api/user/login/", strings.NewReader(`{"email":"alice@example.com","password":"`+alicePW+`"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}
	})
}

// BenchmarkHardenedLoginRefusal compares, at the production PBKDF2 count,
// the refusals an attacker can time in the hardened profile: an unknown
// e-mail (the dummy hash), a wrong password for a known account, and a known
// account whose login is locked. The three should read as ratios near 1: a
// lock must not be told apart from an unknown address by its speed.
//
//	go test -run '^$' -bench HardenedLoginRefusal ./server/
func BenchmarkHardenedLoginRefusal(b *testing.B) {
	for _, tc := range []struct{ name, email, password string }{
		{"unknown", "nobody@example.com", alicePW},
		{"wrong-password", "alice@example.com", "wrong"},
		{"locked", "bob@example.com", alicePW},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := &fixture{Env: servertest.Start(b, server.Hardened, servertest.WithPasswordIterations(0)), t: b}
			f.createUser("alice@example.com", alicePW)
			f.createUser("bob@example.com", alicePW)
			f.lockOut(2, 40) // locked for the whole run: the clock stands still
			body := `{"email":"` + tc.email + `","password":"` + tc.password + `"}`
			client := &http.Client{}
			b.ResetTimer()
			for b.Loop() {
				r, _ := http.NewRequest("POST", f.URL+"/api/user/login/", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				res, err := client.Do(r)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusBadRequest {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
