package tokenstore

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplaceKeepsFileToken: a token saved to the file with the user's
// consent is replaced in the file by a later Store without FileFallback (a
// command run without --insecure-storage), with no keyring call.
func TestReplaceKeepsFileToken(t *testing.T) {
	kr := newFakeKeyring()
	kr.setError(errors.New(noSecretService))
	dir := filepath.Join(t.TempDir(), "vsauth")
	ctx := context.Background()
	var loginWarn bytes.Buffer
	login, err := New(Options{Keyring: kr, Dir: dir, Getenv: noEnv, FileFallback: true, Warn: &loginWarn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := login.Save(ctx, server, alice, tokA); err != nil {
		t.Fatal(err)
	}

	var warn bytes.Buffer
	later, err := New(Options{Keyring: kr, Dir: dir, Getenv: noEnv, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	tok, from, err := later.Load(ctx, server, "")
	if err != nil || tok != tokA || from.Kind != InFile {
		t.Fatalf("Load = %q, %v, %v; want alice's token from the file", tok, from, err)
	}
	before := kr.calls()
	loc, err := later.Replace(ctx, server, alice, tokB, from)
	tokensPath := filepath.Join(dir, "tokens.json")
	if err != nil || loc != (Location{Kind: InFile, Path: tokensPath}) {
		t.Fatalf("Replace = %v, %v; want the file", loc, err)
	}
	if n := kr.calls() - before; n != 0 {
		t.Errorf("Replace made %d keyring calls, want 0", n)
	}
	if got, want := warn.String(), "warning: storing the token in plain text at "+tokensPath+"\n"; got != want {
		t.Errorf("warning = %q, want %q", got, want)
	}
	if got := readFile(t, tokensPath); !strings.Contains(got, tokB) || strings.Contains(got, tokA) {
		t.Errorf("tokens.json = %s; want only the new token", got)
	}
	if tok, _, err := later.Load(ctx, server, ""); err != nil || tok != tokB {
		t.Errorf("Load after Replace = %q, %v; want %q", tok, err, tokB)
	}

	// A second write by the same Store (a two-step login) warns no more.
	if _, err := later.Replace(ctx, server, alice, tokA, loc); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(warn.String(), "warning:"); n != 1 {
		t.Errorf("%d warnings from one Store, want 1:\n%s", n, warn.String())
	}

	// A keyring token is replaced as Save does: without consent and
	// without a keyring, nothing is written.
	_, err = later.Replace(ctx, server, bob, tokB, Location{Kind: InKeyring})
	if want := "the OS keyring is unavailable (" + noSecretService + ")" + hint; err == nil || err.Error() != want {
		t.Errorf("Replace of a keyring token = %v, want %q", err, want)
	}
	if got := readFile(t, tokensPath); strings.Contains(got, bob) {
		t.Errorf("bob's token went to the file: %s", got)
	}
}

// TestReplaceFileNeedsWarn: the file is never written silently.
func TestReplaceFileNeedsWarn(t *testing.T) {
	s, dir := newStore(t, newFakeKeyring(), nil)
	_, err := s.Replace(context.Background(), server, alice, tokA, Location{Kind: InFile})
	if err == nil || err.Error() != "tokenstore: writing the plain token file needs a Warn writer" {
		t.Errorf("Replace without Warn = %v", err)
	}
	assertNotExist(t, filepath.Join(dir, "tokens.json"))
	assertNotExist(t, filepath.Join(dir, "state.json"))
}

func TestTarget(t *testing.T) {
	ctx := context.Background()
	kr := newFakeKeyring()
	s, dir := newStore(t, kr, nil)
	if loc, err := s.Target(ctx, server); err != nil || loc != (Location{Kind: InKeyring}) {
		t.Errorf("Target with a keyring = %v, %v", loc, err)
	}
	if len(kr.snapshot()) != 0 {
		t.Errorf("Target wrote to the keyring: %v", kr.snapshot())
	}

	kr.setError(errors.New(noSecretService))
	_, err := s.Target(ctx, server)
	if want := "the OS keyring is unavailable (" + noSecretService + ")" + hint; err == nil || err.Error() != want || !errors.Is(err, ErrKeyringUnavailable) {
		t.Errorf("Target without keyring = %v, want %q", err, want)
	}
	opted, _ := newStore(t, kr, func(o *Options) { o.FileFallback = true; o.Warn = &bytes.Buffer{} })
	loc, err := opted.Target(ctx, server)
	if err != nil || loc.Kind != InFile || filepath.Base(loc.Path) != "tokens.json" {
		t.Errorf("Target with --insecure-storage = %v, %v; want the file", loc, err)
	}
	if _, err := s.Target(ctx, "ftp://x"); err == nil {
		t.Error("Target accepted a bad server URL")
	}
	assertNotExist(t, filepath.Join(dir, "state.json"))
}
