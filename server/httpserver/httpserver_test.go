package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// start serves h on a loopback port with lim and returns its address and
// its connection limiter.
func start(t *testing.T, h http.Handler, lim Limits) (string, *connLimiter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs, lln := New(h, ln, lim, nil)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(lln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), lln.(*connLimiter)
}

// waitIdle waits until the server counts n idle connections: a client has
// its answer slightly before the server marks the connection idle.
func waitIdle(t *testing.T, l *connLimiter, n int) {
	t.Helper()
	for range 1000 {
		l.mu.Lock()
		got := l.idle.Len()
		l.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("never %d idle connections", n)
}

// dial opens a raw connection whose reads give up after 10 s, so that a
// server that holds it on fails the test instead of hanging it.
func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

// get sends a keep-alive GET for path on c and returns the response body.
func get(t *testing.T, c net.Conn, r *bufio.Reader, path string) string {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %q %v", path, res.StatusCode, b, err)
	}
	return string(b)
}

// expectClosed fails unless the server has closed c (EOF or reset).
func expectClosed(t *testing.T, r *bufio.Reader, what string) {
	t.Helper()
	_, err := r.ReadByte()
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("%s: still open (%v)", what, err)
	}
}

func hello(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello "+r.URL.Path) }

func TestTrickledBodyIsCut(t *testing.T) {
	readErr := make(chan error, 1)
	addr, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
		w.WriteHeader(http.StatusBadRequest)
	}), Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond})
	c, r := dial(t, addr)
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < 100; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte{'0'}); err != nil {
				return
			}
		}
	}()
	select {
	case err := <-readErr:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("body read: %v, want the read deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the trickled body was still being read after 10 s")
	}
	res, err := http.ReadResponse(r, nil)
	if err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("answer: %v %v", res, err)
	}
	expectClosed(t, r, "the trickling connection")
}

func TestIdleConnClosed(t *testing.T) {
	addr, _ := start(t, http.HandlerFunc(hello), Limits{IdleTimeout: 200 * time.Millisecond})
	c, r := dial(t, addr)
	if got := get(t, c, r, "/a"); got != "hello /a" {
		t.Fatalf("body %q", got)
	}
	expectClosed(t, r, "the idle keep-alive connection")
}

func TestIdleConnsMakeRoom(t *testing.T) {
	const max = 3
	addr, l := start(t, http.HandlerFunc(hello), Limits{MaxConns: max})
	type conn struct {
		c net.Conn
		r *bufio.Reader
	}
	var idle []conn
	for i := 0; i < max; i++ {
		c, r := dial(t, addr)
		get(t, c, r, fmt.Sprintf("/idle%d", i))
		idle = append(idle, conn{c, r})
		waitIdle(t, l, i+1)
	}
	// Each new client is served at once, and pushes out the connection
	// idle the longest.
	for i := 0; i < max; i++ {
		c, r := dial(t, addr)
		if got := get(t, c, r, "/new"); got != "hello /new" {
			t.Fatalf("new client %d: %q", i, got)
		}
		expectClosed(t, idle[i].r, fmt.Sprintf("idle connection %d", i))
		idle = append(idle, conn{c, r})
		waitIdle(t, l, max)
	}
	// The newest connections are still usable.
	for i := max; i < 2*max; i++ {
		if got := get(t, idle[i].c, idle[i].r, "/again"); got != "hello /again" {
			t.Fatalf("connection %d: %q", i, got)
		}
	}
}

func TestBusyConnsQueue(t *testing.T) {
	const max = 2
	started := make(chan string, 10)
	release := make(chan struct{})
	addr, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- r.URL.Path
		if r.URL.Path == "/block" {
			<-release
		}
		hello(w, r)
	}), Limits{MaxConns: max})
	type conn struct {
		c net.Conn
		r *bufio.Reader
	}
	var busy []conn
	for i := 0; i < max; i++ {
		c, r := dial(t, addr)
		if _, err := io.WriteString(c, "GET /block HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if p := <-started; p != "/block" {
			t.Fatalf("started %s", p)
		}
		busy = append(busy, conn{c, r})
	}
	answer := make(chan string, 1)
	go func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			answer <- err.Error()
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET /late HTTP/1.1\r\nHost: localhost\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			answer <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		answer <- string(b)
	}()
	// While both connections are busy the third one is not served. (This
	// wait cannot make a correct server fail, only miss a broken one.)
	select {
	case p := <-started:
		t.Fatalf("%s was served beyond the cap", p)
	case <-time.After(300 * time.Millisecond):
	}
	release <- struct{}{} // one /block finishes; its connection turns idle
	if got := <-answer; got != "hello /late" {
		t.Fatalf("the waiting client got %q", got)
	}
	close(release)
	for i, b := range busy {
		res, err := http.ReadResponse(b.r, nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("blocked request %d: %v %v", i, res, err)
		}
		res.Body.Close()
	}
}

func TestLargeHeaders(t *testing.T) {
	addr, _ := start(t, http.HandlerFunc(hello), Limits{MaxHeaderBytes: 4 << 10})
	c := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		size, status int
	}{{2 << 10, 200}, {64 << 10, 431}} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req.Header.Set("X-Big", strings.Repeat("a", tc.size))
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%d-byte header: %v", tc.size, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Fatalf("%d-byte header: %d %q, want %d", tc.size, res.StatusCode, b, tc.status)
		}
	}
}

func TestDefaults(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hs, lln := New(http.NotFoundHandler(), ln, Limits{}, nil)
	if hs.ReadHeaderTimeout != 10*time.Second || hs.ReadTimeout != 30*time.Second || hs.WriteTimeout != 60*time.Second ||
		hs.IdleTimeout != 120*time.Second || hs.MaxHeaderBytes != 32<<10 {
		t.Fatalf("server %+v", hs)
	}
	if got := lln.(*connLimiter).max; got != defaultMaxConns() {
		t.Fatalf("cap %d, want %d", got, defaultMaxConns())
	}
	hs, lln = New(http.NotFoundHandler(), ln, Limits{ReadTimeout: time.Second, MaxConns: 5}, nil)
	if hs.ReadTimeout != time.Second || hs.ReadHeaderTimeout != 10*time.Second || lln.(*connLimiter).max != 5 {
		t.Fatalf("set limits not kept: %+v", hs)
	}
}

func TestMaxConnsFor(t *testing.T) {
	for _, tc := range []struct {
		nofile uint64
		ok     bool
		want   int
	}{
		{0, false, 4096},
		{1 << 20, true, 4096},
		{8256, true, 4096},
		{8255, true, 4095},
		{1024, true, 480},
		{256, true, 96},
		{128, true, 32},
		{80, true, 8},
		{10, true, 8},
	} {
		if got := maxConnsFor(tc.nofile, tc.ok); got != tc.want {
			t.Errorf("maxConnsFor(%d, %v) = %d, want %d", tc.nofile, tc.ok, got, tc.want)
		}
	}
}

// TestSilentConnsMakeRoom: connections that send nothing hold their slots
// only for the grace period once a real client waits.
func TestSilentConnsMakeRoom(t *testing.T) {
	const max = 2
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A read-header timeout longer than the client waits: only the grace
	// can free a slot.
	hs, lln := New(http.HandlerFunc(hello), ln, Limits{MaxConns: max, ReadHeaderTimeout: time.Minute}, nil)
	lln.(*connLimiter).newGrace = 100 * time.Millisecond
	go hs.Serve(lln)
	defer hs.Close()
	addr := ln.Addr().String()
	var silent []*bufio.Reader
	for i := 0; i < max; i++ {
		_, r := dial(t, addr)
		silent = append(silent, r)
	}
	c, r := dial(t, addr)
	if got := get(t, c, r, "/real"); got != "hello /real" {
		t.Fatalf("real client: %q", got)
	}
	expectClosed(t, silent[0], "the oldest silent connection")
}
