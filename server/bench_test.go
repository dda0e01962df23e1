package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
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

// BenchmarkHostileBody is one request with a 2.5 MB body of 1.25 million
// values, the shape that cost ~270 bytes per body byte when every value was
// built, served in-process so that B/op counts the server's reading and
// parsing and no client. B/body-B is bytes allocated per byte of body.
//
//	go test -run '^$' -bench HostileBody -benchmem ./server/
func BenchmarkHostileBody(b *testing.B) {
	f := newFixture(b, server.Compat)
	for _, tt := range []struct{ name, path, body string }{
		{"array-login", "/api/user/login/", "[" + strings.Repeat("0,", 1_250_000) + "0]"},
		{"string-create", "/api/user/create/", `{"email":"` + strings.Repeat("a", 3<<20) + `","password":"x"}`},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				r := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
				r.Host = "127.0.0.1"
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				f.API.ServeHTTP(w, r)
				if w.Code != 400 {
					b.Fatalf("status %d %.200s", w.Code, w.Body)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(tt.body)), "B/body-B")
		})
	}
}
