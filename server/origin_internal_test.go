package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestForwardedRightmostUntrustedHop(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
	}}}
	for _, tc := range []struct {
		name, peer string
		header     map[string]string
		want       origin
	}{
		{"no headers", "127.0.0.1:5000", nil, origin{"http", "h", netip.MustParseAddr("127.0.0.1")}},
		{"untrusted peer", "203.0.113.1:5000", map[string]string{"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
			origin{"http", "h", netip.MustParseAddr("203.0.113.1")}},
		{"one proxy", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
			origin{"https", "h", netip.MustParseAddr("198.51.100.7")}},
		{"spoofed left entry", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "1.2.3.4, 198.51.100.7"},
			origin{"http", "h", netip.MustParseAddr("198.51.100.7")}},
		{"two trusted proxies", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "1.2.3.4, 198.51.100.7, 10.1.2.3", "X-Forwarded-Proto": "https"},
			origin{"https", "h", netip.MustParseAddr("198.51.100.7")}},
		{"all hops trusted", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "10.0.0.9, 10.1.2.3"},
			origin{"http", "h", netip.MustParseAddr("10.0.0.9")}},
		{"per-hop proto list", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "198.51.100.7, 10.1.2.3", "X-Forwarded-Proto": "https, http"},
			origin{"https", "h", netip.MustParseAddr("198.51.100.7")}},
		{"Forwarded with port and IPv6", "[::ffff:127.0.0.1]:5000", map[string]string{"Forwarded": `for="[2001:db8::7]:4711";proto=https, for=10.0.0.5`},
			origin{"https", "h", netip.MustParseAddr("2001:db8::7")}},
		{"Forwarded wins over X-Forwarded", "127.0.0.1:5000", map[string]string{"Forwarded": "for=198.51.100.7", "X-Forwarded-Proto": "https"},
			origin{"http", "h", netip.MustParseAddr("198.51.100.7")}},
		{"unknown hop stops the walk", "127.0.0.1:5000", map[string]string{"Forwarded": "for=198.51.100.7;proto=https, for=unknown;proto=http"},
			origin{"http", "h", netip.Addr{}}},
		{"proto without for", "127.0.0.1:5000", map[string]string{"X-Forwarded-Proto": "HTTPS"},
			origin{"https", "h", netip.Addr{}}},
		{"bad proto ignored", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "gopher"},
			origin{"http", "h", netip.MustParseAddr("198.51.100.7")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://h/", nil)
			r.RemoteAddr = tc.peer
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			if got := s.forwarded(r); got != tc.want {
				t.Errorf("forwarded = %+v, want %+v", got, tc.want)
			}
		})
	}
	// Without trusted proxies nothing is read, not even from loopback.
	none := &Server{}
	r := httptest.NewRequest("GET", "http://h/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-Proto", "https")
	if got := none.forwarded(r); got.scheme != "http" {
		t.Errorf("no trusted proxies: scheme %q", got.scheme)
	}
}
