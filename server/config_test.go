package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/store"
)

// noOutbox is a Store without EnqueueMail: the default Mailer has nowhere
// to put mail.
type noOutbox struct{ server.Store }

func TestNewDefaults(t *testing.T) {
	if _, err := server.New(server.Config{}); err == nil || err.Error() != "server: Config.Store is required" {
		t.Errorf("New(Config{}) = %v", err)
	}
	st, err := store.OpenSQLite(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = server.New(server.Config{Store: noOutbox{st}})
	if err == nil || !strings.Contains(err.Error(), "Config.Mailer is required when the Store has no mail outbox") {
		t.Errorf("New without an outbox = %v", err)
	}
	if _, err := server.New(server.Config{Store: st, Profile: "lax"}); err == nil || err.Error() != "server: unknown profile lax" {
		t.Errorf("bad profile = %v", err)
	}
}
