package vsauthtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/server/vsauthtest"
)

// A password reset end to end: the account, the mail with its link, the
// new password. In a test, vsauthtest.NewServer(t) does what Start does
// and closes the server when the test ends.
func Example() {
	srv, err := vsauthtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()

	c := srv.NewUser("ann@example.com", "correct-horse-battery-staple")
	acct, err := c.User(ctx)
	fmt.Println(acct.Email, err)

	if err := srv.Client.ResetPassword(ctx, "ann@example.com"); err != nil {
		panic(err)
	}
	link := srv.ResetMail("ann@example.com")
	fmt.Println("uid", link.UID)
	err = srv.Client.ConfirmReset(ctx, link.UID, link.Token, "purple-monkey-dishwasher-42")
	fmt.Println("reset:", err)

	_, err = srv.Client.Login(ctx, "ann@example.com", "correct-horse-battery-staple")
	fmt.Println("old password refused:", client.IsInvalidCredentials(err))
	// Output:
	// ann@example.com <nil>
	// uid MQ
	// reset: <nil>
	// old password refused: true
}

// The hardened profile throttles an account after a failed login; the
// server's clock moves past the delay without the test waiting.
func ExampleServer_Advance() {
	srv, err := vsauthtest.Start(vsauthtest.Hardened())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	srv.NewUser("bob@example.com", "correct-horse-battery-staple")

	_, err = srv.Client.Login(ctx, "bob@example.com", "wrong-password")
	fmt.Println("wrong:", client.IsInvalidCredentials(err))
	_, err = srv.Client.Login(ctx, "bob@example.com", "correct-horse-battery-staple")
	fmt.Println("right, at once:", client.IsInvalidCredentials(err))
	srv.Advance(2 * time.Second)
	_, err = srv.Client.Login(ctx, "bob@example.com", "correct-horse-battery-staple")
	fmt.Println("right, 2 s later:", err)
	// Output:
	// wrong: true
	// right, at once: true
	// right, 2 s later: <nil>
}

func TestNewServer(t *testing.T) {
	srv := vsauthtest.NewServer(t, vsauthtest.Hardened())
	ctx := context.Background()
	c := srv.NewUser("Carol@Example.COM", "correct-horse-battery-staple")
	if _, err := c.User(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Mail()); n != 0 {
		t.Fatalf("%d messages before any reset", n)
	}
	// Hardened reset mail is sent after the answer; Mail waits for it.
	if err := srv.Client.ResetPassword(ctx, "Carol@example.com"); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Mail()
	if len(msgs) != 1 || msgs[0].To != "Carol@example.com" || msgs[0].Text == "" {
		t.Fatalf("mail = %+v", msgs)
	}
	link := srv.ResetMail("carol@example.com")
	if link.UID != "MQ" || link.Token == "" || link.Link == "" {
		t.Fatalf("link = %+v", link)
	}
	t0 := srv.Now()
	srv.Advance(time.Hour)
	if got := srv.Now().Sub(t0); got != time.Hour {
		t.Errorf("Advance(1h) moved the clock by %s", got)
	}
}
