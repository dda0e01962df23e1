package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/metrics"
	"github.com/virtualspaces/vsauth/server/store"
)

// privateCluster is a PostgreSQL cluster of one test's own, in a
// temporary directory, which the test may stop and start again.
type privateCluster struct {
	t            *testing.T
	bin, dir     string
	port         int
	runAs        []string // "runuser -u postgres --" when run as root, which PostgreSQL refuses
	dataDir, log string
}

// pgBinDir finds initdb and pg_ctl as scripts/with-postgres.sh does.
func pgBinDir() string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); fileExists(filepath.Join(d, "initdb")) {
			return d
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) < pgVersion(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if fileExists(filepath.Join(dirs[i], "initdb")) {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// startPrivateCluster runs initdb and pg_ctl start on a free loopback
// port. The test is skipped without VSAUTH_TEST_POSTGRES (the sign that
// PostgreSQL tests are wanted) or without initdb.
func startPrivateCluster(t *testing.T) *privateCluster {
	t.Helper()
	servertest.SkipWithoutPostgres(t)
	bin := pgBinDir()
	if bin == "" || !fileExists(filepath.Join(bin, "pg_ctl")) {
		t.Skip("PostgreSQL restart test skipped: initdb and pg_ctl not found (apt-get install postgresql)")
	}
	dir, err := os.MkdirTemp("", "vsauth-pg-restart-")
	if err != nil {
		t.Fatal(err)
	}
	c := &privateCluster{t: t, bin: bin, dir: dir, dataDir: filepath.Join(dir, "data"), log: filepath.Join(dir, "server.log")}
	t.Cleanup(func() {
		_ = c.pgCtl("-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	for _, d := range []string{c.dataDir, filepath.Join(dir, "socket")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("PostgreSQL restart test skipped: running as root and there is no postgres user to run the cluster")
		}
		uid, _ := strconv.Atoi(u.Uid)
		for _, p := range []string{dir, c.dataDir, filepath.Join(dir, "socket")} {
			if err := os.Chown(p, uid, -1); err != nil {
				t.Fatal(err)
			}
		}
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.command(filepath.Join(bin, "initdb"), "-D", c.dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.start()
	return c
}

func (c *privateCluster) command(name string, args ...string) *exec.Cmd {
	all := append(append(append([]string{}, c.runAs...), name), args...)
	return exec.Command(all[0], all[1:]...)
}

func (c *privateCluster) pgCtl(args ...string) error {
	full := append([]string{"-D", c.dataDir, "-l", c.log, "-w", "-t", "30"}, args...)
	out, err := c.command(filepath.Join(c.bin, "pg_ctl"), full...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func (c *privateCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", c.port, filepath.Join(c.dir, "socket"))
	if err := c.pgCtl("-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(c.log)
		c.t.Fatalf("%v\n%s", err, log)
	}
}

func (c *privateCluster) stop() {
	c.t.Helper()
	if err := c.pgCtl("-m", "fast", "stop"); err != nil {
		c.t.Fatal(err)
	}
}

func (c *privateCluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// TestReplicaSurvivesPostgresRestart stops the database under a running
// server: its requests get the 500 page at once, never a hang, /readyz
// says 503, and once PostgreSQL is back the server answers as before
// without a restart of its own.
func TestReplicaSurvivesPostgresRestart(t *testing.T) {
	t.Parallel()
	c := startPrivateCluster(t)
	st, err := store.OpenPostgres(context.Background(), c.url(), store.PostgresOptions{MaxConns: 4, ConnectTimeout: 2 * time.Second, StatementTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := &fixture{Env: servertest.Start(t, server.Compat, servertest.WithStore(st)), t: t}
	reg := prometheus.NewRegistry()
	ops := httptest.NewServer(metrics.Handler(reg, st))
	defer ops.Close()
	// A hang fails the test instead of blocking it.
	client := &http.Client{Timeout: 10 * time.Second}
	readyz := func() int {
		t.Helper()
		res, err := client.Get(ops.URL + "/readyz")
		if err != nil {
			t.Fatalf("/readyz: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	f.createUser("alice@example.com", alicePW)
	tok := f.login("alice@example.com", alicePW)
	aliceView := `{"id":1,"email":"alice@example.com","profile":{"display_name":null,"profile_image":null,"about":null}}`
	f.expect(viewWith(tok), 200, aliceView)
	if got := readyz(); got != 200 {
		t.Fatalf("/readyz before the restart: %d", got)
	}

	c.stop()
	// During the outage: the 500 page, within the client's timeout.
	outage := func(method, path, token, body string) {
		t.Helper()
		r, err := http.NewRequest(method, f.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set("Authorization", "JWT "+token)
		}
		res, err := client.Do(r)
		if err != nil {
			t.Fatalf("%s %s during the outage: %v", method, path, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 500 || string(b) != `<h1>Server Error (500)</h1>` {
			t.Fatalf("%s %s during the outage: %d %s", method, path, res.StatusCode, b)
		}
	}
	for range 3 {
		outage("GET", "/api/user/view/", tok, "")
		outage("POST", "/api/user/login/", "", credentials("alice@example.com", alicePW))
		outage("POST", "/api/user/create/", "", credentials("bob@example.com", alicePW))
	}
	if got := readyz(); got != 503 {
		t.Fatalf("/readyz with the database down: %d", got)
	}

	c.start()
	// The pool reconnects on demand; readiness comes back within seconds.
	deadline := time.Now().Add(20 * time.Second)
	for readyz() != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still not 200 20s after PostgreSQL came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.expect(viewWith(tok), 200, aliceView)
	f.login("alice@example.com", alicePW)
	f.expect(req{Method: "POST", Path: "/api/user/create/", Body: credentials("bob@example.com", alicePW)}, 201, `{"email":"bob@example.com","id":2}`)
}
