package client_test

import (
	"context"
	"fmt"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/server/vsauthtest"
)

// Sign up, sign in, and tell a wrong password from other errors. The server
// here is vsauthtest's in-process one; point client.New at any server.
func Example() {
	srv, err := vsauthtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()

	c, err := client.New(srv.URL)
	if err != nil {
		panic(err)
	}
	u, err := c.CreateUser(ctx, "ann@Example.COM", "correct-horse-battery-staple")
	fmt.Println(u.Email, err)

	_, err = c.Login(ctx, "ann@example.com", "not-the-password")
	fmt.Println("invalid credentials:", client.IsInvalidCredentials(err))

	res, err := c.SignIn(ctx, "ann@example.com", "correct-horse-battery-staple")
	fmt.Println("second step needed:", res.SecondStep, err)
	c.SetToken(res.Token)
	acct, err := c.User(ctx)
	fmt.Println(acct.Email, err)
	// Output:
	// ann@example.com <nil>
	// invalid credentials: true
	// second step needed: false <nil>
	// ann@example.com <nil>
}
