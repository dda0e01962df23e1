package server_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/store"
)

// brokenStore fails every user lookup, like a database gone away.
type brokenStore struct{ server.Store }

func (brokenStore) UserByEmail(context.Context, string) (store.User, error) {
	return store.User{}, errors.New("store: reading user: disk I/O error")
}

func TestStoreFailureIs500WithoutSecrets(t *testing.T) {
	env := servertest.Start(t, server.Compat)
	var logs bytes.Buffer
	srv, err := server.New(server.Config{Store: brokenStore{env.Store}, Mailer: env.Mail, SecretKey: "k", Clock: env.Clock.Now,
		Rand: servertest.Rand(1), PasswordIterations: 2, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f := &fixture{Env: &servertest.Env{URL: ts.URL, Store: env.Store, Clock: env.Clock}, t: t}
	got := f.expect(req{Method: "POST", Path: "/api/user/login/", Body: `{"email":"alice@example.com","password":"hunter2-secret"}`}, 500, `<h1>Server Error (500)</h1>`)
	assertHeader(t, got.Header, "Content-Type", "text/html")
	line := logs.String()
	if !strings.Contains(line, `msg="handler panic" method=POST path=/api/user/login/ err="store: reading user: disk I/O error"`) {
		t.Errorf("log = %q", line)
	}
	if strings.Contains(line, "hunter2") || strings.Contains(line, "alice") {
		t.Errorf("secret in log: %q", line)
	}
}
