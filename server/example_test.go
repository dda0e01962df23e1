package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/store"
)

// A complete server needs only a Store: the clock, randomness, SECRET_KEY
// and mailer have defaults, and mail stays in the store's outbox.
// PasswordIterations is lowered here only because the database is thrown
// away; for tests, the vsauthtest package does all of this in one call.
func Example() {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	api, err := server.New(server.Config{Store: st, PasswordIterations: 2})
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(api)
	defer hs.Close()

	c, _ := client.New(hs.URL)
	if _, err := c.CreateUser(ctx, "ann@example.com", "correct-horse-battery-staple"); err != nil {
		panic(err)
	}
	if err := c.ResetPassword(ctx, "ann@example.com"); err != nil {
		panic(err)
	}
	msgs, _ := st.ListMail(ctx)
	fmt.Println(len(msgs), msgs[0].To)
	// Output:
	// 1 ann@example.com
}
