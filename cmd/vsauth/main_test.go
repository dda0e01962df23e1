package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/server/store"
)

// TestMain lets the tests start this test binary as the real vsauth process.
func TestMain(m *testing.M) {
	if os.Getenv("VSAUTH_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

var readyRE = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)

// startServer runs `vsauth server` as a child process on a free loopback
// port and returns its base URL.
func startServer(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"server", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "VSAUTH_TEST_RUN_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := readyRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return cmd, u
	case <-time.After(20 * time.Second):
		t.Fatal("server did not log its URL within 20s")
	}
	return nil, ""
}

func createUser(c *http.Client, base, email string) (int, error) {
	res, err := c.Post(base+"/api/user/create/", "application/json",
		strings.NewReader(`{"email":"`+email+`","password":"S3cure-pass-xyz"}`))
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// TestKilledServerKeepsAcknowledgedWrites kills the server with SIGKILL in
// the middle of a stream of sign-ups: every sign-up it answered 201 to must
// be in the database afterwards, whole (user and profile row).
func TestKilledServerKeepsAcknowledgedWrites(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vsauth.db")
	cmd, base := startServer(t, "--db", db, "--password-iterations", "1")
	c := &http.Client{Timeout: 5 * time.Second}
	var acked []string
	done := make(chan struct{})
	first := make(chan struct{}) // closed at the first acknowledgement
	go func() {
		defer close(done)
		for i := 0; i < 400; i++ {
			email := fmt.Sprintf("user%d@example.com", i)
			status, err := createUser(c, base, email)
			if err != nil {
				return // the server is gone
			}
			if status == http.StatusCreated {
				acked = append(acked, email)
				if len(acked) == 1 {
					close(first)
				}
			}
		}
	}()
	// Kill in the middle of the stream, however slow the machine is.
	select {
	case <-first:
	case <-time.After(10 * time.Second):
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	if len(acked) == 0 {
		t.Fatal("no sign-up was acknowledged before the kill")
	}
	st, err := store.OpenSQLite(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, email := range acked {
		u, err := st.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatalf("acknowledged %s is lost: %v", email, err)
		}
		if p, err := st.Profile(context.Background(), u.ID); err != nil || p == nil {
			t.Fatalf("%s has no profile row: %v", email, err)
		}
	}
	users, err := st.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// At most the one request in flight may have landed unacknowledged.
	if len(users) < len(acked) || len(users) > len(acked)+1 {
		t.Fatalf("%d users in the database, %d acknowledged", len(users), len(acked))
	}
	t.Logf("%d sign-ups acknowledged before SIGKILL, all kept", len(acked))
}

// TestSIGTERMFinishesRequestsInFlight sends SIGTERM while a login request is
// half sent: the server stops accepting connections but finishes that
// request, which still gets its 200, and then exits 0.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vsauth.db")
	cmd, base := startServer(t, "--db", db, "--password-iterations", "1")
	c := &http.Client{Timeout: 20 * time.Second}
	if status, err := createUser(c, base, "alice@example.com"); err != nil || status != 201 {
		t.Fatalf("create: %d %v", status, err)
	}
	body := `{"email":"alice@example.com","password":"S3cure-pass-xyz"}`
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", base+"/api/user/login/", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	answer := make(chan int, 1)
	go func() {
		res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			answer <- 0
			return
		}
		res.Body.Close()
		answer <- res.StatusCode
	}()
	if _, err := io.WriteString(pw, body[:10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server is reading the body now
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := io.WriteString(pw, body[10:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if got := <-answer; got != http.StatusOK {
		t.Fatalf("login during shutdown answered %d, want 200", got)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("server exit: %v", err)
	}
	if _, err := createUser(c, base, "late@example.com"); err == nil {
		t.Fatal("the server still accepts requests after shutting down")
	}
}
