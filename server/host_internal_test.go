package server

import (
	"regexp"
	"testing"
)

// djangoHostPattern is Django 2.1's host_validation_re as a Go regexp, the
// reference validHost is checked against.
var djangoHostPattern = regexp.MustCompile(`^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9\.:]+\])(:[0-9]+)?\n?\z`)

var hostSeeds = []string{
	"", "a", "127.0.0.1", "127.0.0.1:8000", "localhost:", "localhost:80:80", ":80", "a..b-", "a_b", "a b", "ü.example",
	"[::1]", "[::1]:8000", "[::1]:", "[::1]x", "[]", "[:]", "[::]", "[a:b.c:d]", "[.:1]", "[1.2:3]", "[abc:1]:1:2", "[::1",
	"::1", "[::1]]", "[[::1]]", "[g::1]", "a\n", "a\n\n", "\n", "[::1]\n", "[::1]:80\n", "a:80\n", "a:\n", "a\nb", "A", "[::1]:8a",
}

func TestValidHostIsDjangosPattern(t *testing.T) {
	for _, h := range hostSeeds {
		if got, want := validHost(h), djangoHostPattern.MatchString(h); got != want {
			t.Errorf("validHost(%q) = %v, want %v", h, got, want)
		}
	}
}

func FuzzValidHost(f *testing.F) {
	for _, h := range hostSeeds {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got, want := validHost(h), djangoHostPattern.MatchString(h); got != want {
			t.Errorf("validHost(%q) = %v, want %v", h, got, want)
		}
	})
}
