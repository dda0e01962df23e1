package servertest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/mail"
)

func TestRandIsDeterministicAndSeeded(t *testing.T) {
	read := func(r io.Reader) []byte {
		b := make([]byte, 32)
		if _, err := io.ReadFull(r, b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := read(servertest.Rand(1)), read(servertest.Rand(1)), read(servertest.Rand(7))
	if !bytes.Equal(a, b) {
		t.Errorf("Rand(1) differs between calls: %x, %x", a, b)
	}
	if bytes.Equal(a, c) {
		t.Errorf("Rand(1) and Rand(7) agree: %x", a)
	}
}

func TestMailer(t *testing.T) {
	var m servertest.Mailer
	if got := m.Last(); got.To != "" || len(m.All()) != 0 {
		t.Fatalf("empty mailer: Last %+v, All %v", got, m.All())
	}
	for _, to := range []string{"a@example.com", "b@example.com"} {
		if err := m.Send(context.Background(), mail.Message{To: to}); err != nil {
			t.Fatal(err)
		}
	}
	all := m.All()
	if len(all) != 2 || all[0].To != "a@example.com" || all[1].To != "b@example.com" || m.Last().To != "b@example.com" {
		t.Fatalf("All %+v, Last %+v", all, m.Last())
	}
	all[0].To = "changed"
	if m.All()[0].To != "a@example.com" {
		t.Fatal("All shares its slice with the mailer")
	}
}

func TestStart(t *testing.T) {
	e := servertest.Start(t, server.Hardened)
	if got := e.Clock.Now(); !got.Equal(servertest.StartTime) {
		t.Fatalf("clock starts at %v, want %v", got, servertest.StartTime)
	}
	res, err := http.Post(e.URL+"/api/user/create/", "application/json", strings.NewReader(`{"email":"alice@example.com","password":"S3cure-pass-xyz"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("create user: %d", res.StatusCode)
	}
	u, err := e.Store.UserByEmail(context.Background(), "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if want := "pbkdf2_sha256$2$"; !strings.HasPrefix(u.Password, want) {
		t.Errorf("hash %.16s…, want prefix %s", u.Password, want)
	}
	if !u.DateJoined.Equal(servertest.StartTime) {
		t.Errorf("date_joined %v, want the clock's %v", u.DateJoined, servertest.StartTime)
	}
}
