package cli

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/server/httpserver"
)

func TestServerLimitFlags(t *testing.T) {
	parse := parseServerFlags
	o, err := parse(t, nil)
	want := httpserver.Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10, MaxConns: 0}
	if err != nil || o.Limits != want {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	o, err = parse(t, map[string]string{"VSAUTH_IDLE_TIMEOUT": "90s", "VSAUTH_MAX_CONNS": "200", "VSAUTH_READ_TIMEOUT": "1m"},
		"--read-header-timeout", "5s", "--write-timeout", "2m", "--max-header-bytes", "8192", "--read-timeout", "20s")
	want = httpserver.Limits{ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 20 * time.Second, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 90 * time.Second, MaxHeaderBytes: 8192, MaxConns: 200}
	if err != nil || o.Limits != want {
		t.Fatalf("flags and environment: %+v %v", o.Limits, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		msg  string
	}{
		{nil, []string{"--read-timeout", "0s"}, `--read-timeout must be a positive duration such as 30s, not "0s"`},
		{nil, []string{"--idle-timeout", "-1s"}, `--idle-timeout must be a positive duration such as 30s, not "-1s"`},
		{map[string]string{"VSAUTH_WRITE_TIMEOUT": "60"}, nil, `--write-timeout must be a positive duration such as 30s, not "60"`},
		{map[string]string{"VSAUTH_READ_HEADER_TIMEOUT": "soon"}, nil, `--read-header-timeout must be a positive duration such as 30s, not "soon"`},
		{nil, []string{"--max-header-bytes", "100"}, `--max-header-bytes must be a number of bytes, at least 1024, not "100"`},
		{map[string]string{"VSAUTH_MAX_HEADER_BYTES": "32k"}, nil, `--max-header-bytes must be a number of bytes, at least 1024, not "32k"`},
		{nil, []string{"--max-conns", "-1"}, `--max-conns must be a positive number, or 0 for the default, not "-1"`},
		{map[string]string{"VSAUTH_MAX_CONNS": "many"}, nil, `--max-conns must be a positive number, or 0 for the default, not "many"`},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			_, err := parse(t, tc.env, tc.args...)
			var ue usageError
			if !errors.As(err, &ue) || err.Error() != tc.msg {
				t.Fatalf("got %v, want usage error %q", err, tc.msg)
			}
		})
	}
}

// TestServerCutsTrickledBody checks the wiring: runServer serves with the
// limits of its options, and the API answers a cut body with Django's 400
// page before the connection closes.
func TestServerCutsTrickledBody(t *testing.T) {
	base, _ := startServer(t, filepath.Join(t.TempDir(), "vsauth.db"), "", func(o *serverOptions) {
		o.Limits = httpserver.Limits{ReadTimeout: 300 * time.Millisecond}
	})
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	// Sent once, never completed: the body stops at 2 of 60 bytes.
	if _, err := io.WriteString(c, "POST /api/user/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{\""); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 400 || string(body) != "<h1>Bad Request (400)</h1>" {
		t.Fatalf("answer %d %q", res.StatusCode, body)
	}
	var ne net.Error
	if _, err := r.ReadByte(); err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("the connection is still open: %v", err)
	}
}
