package server

import (
	"slices"
	"testing"

	"github.com/virtualspaces/vsauth/server/store"
)

// TestRouteLiteralsMatchTheirPatterns checks the string comparison that
// routes most requests against the route's regexp, on every route.
func TestRouteLiteralsMatchTheirPatterns(t *testing.T) {
	s, err := New(Config{Store: &store.DB{}})
	if err != nil {
		t.Fatal(err)
	}
	literals := 0
	for _, rt := range s.routes {
		if rt.literal != "" {
			literals++
		}
		name := rt.name
		for _, p := range []string{name, name + "\n", name + "\n\n", "\n" + name, name[:len(name)-1], name + "/", name + "x", name + "\r",
			"/" + name, name + "%0A", "/API" + name[min(len(name), 4):], name + "123456/", "/api/totp/login/123456/\n", "/api/static/login/abcdefg/"} {
			args, ok := rt.match(p)
			m := rt.pattern.FindStringSubmatch(p)
			if ok != (m != nil) || (m != nil && !slices.Equal(args, m[1:]) && !(len(args) == 0 && len(m) == 1)) {
				t.Errorf("route %s on %q: match = %q, %v; pattern: %q", rt.name, p, args, ok, m)
			}
		}
	}
	if literals != len(s.routes)-2 {
		t.Errorf("%d routes are literals, want all but the two with a code", literals)
	}
}
