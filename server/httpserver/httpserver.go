// Package httpserver builds the http.Server of 'vsauth server' with the
// timeouts and the connection cap that keep one client from holding the
// server: a body trickled byte by byte, keep-alive connections left open, or
// more connections than the process has file descriptors for.
package httpserver

import (
	"log"
	"net"
	"net/http"
	"time"
)

// Defaults of Limits. The read timeout bounds a trickled body; the write
// timeout counts from the end of the headers, so it must leave room for the
// body and the handler; the idle timeout outlasts the 60 s for which a typical
// load balancer keeps its upstream connections, so the server is not the one
// to close a connection the balancer is about to reuse.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 32 << 10
)

// Limits bounds what clients can hold of the server. A zero field takes its
// default (MaxConns: defaultMaxConns).
type Limits struct {
	ReadHeaderTimeout time.Duration // request line and headers
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // from the end of the headers to the end of the response
	IdleTimeout       time.Duration // a keep-alive connection waiting for its next request
	MaxHeaderBytes    int           // request line and headers; more gets 431
	MaxConns          int           // open client connections
}

// WithDefaults fills the zero fields.
func (l Limits) WithDefaults() Limits {
	or := func(v, d time.Duration) time.Duration {
		if v == 0 {
			return d
		}
		return v
	}
	l.ReadHeaderTimeout = or(l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	l.ReadTimeout = or(l.ReadTimeout, DefaultReadTimeout)
	l.WriteTimeout = or(l.WriteTimeout, DefaultWriteTimeout)
	l.IdleTimeout = or(l.IdleTimeout, DefaultIdleTimeout)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConns == 0 {
		l.MaxConns = defaultMaxConns()
	}
	return l
}

// New returns the server for h and the listener, wrapping ln, that it must
// Serve: it keeps at most lim.MaxConns connections open.
func New(h http.Handler, ln net.Listener, lim Limits, errorLog *log.Logger) (*http.Server, net.Listener) {
	lim = lim.WithDefaults()
	cl := newConnLimiter(ln, lim.MaxConns)
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ConnState:         cl.track,
		ErrorLog:          errorLog,
	}
	return hs, cl
}

// fdHeadroom is the descriptors left to all but client connections: the
// listener, the database file with its -wal and -shm, standard streams and
// logs, .eml files being written, SMTP connections.
const fdHeadroom = 64

// maxDefaultConns bounds the default where descriptors are plentiful: each
// connection also costs memory (buffers, a goroutine).
const maxDefaultConns = 4096

// defaultMaxConns is half the open-file limit less 64, at least 8 and at
// most 4096 (4096 where there is no such limit). Half, because a request in
// the store may hold a database connection, one more file of its own.
func defaultMaxConns() int {
	n, ok := openFileLimit()
	return maxConnsFor(n, ok)
}

func maxConnsFor(nofile uint64, ok bool) int {
	if !ok || nofile >= 2*maxDefaultConns+fdHeadroom {
		return maxDefaultConns
	}
	if nofile < 2*8+fdHeadroom {
		return 8
	}
	return int(nofile-fdHeadroom) / 2
}
