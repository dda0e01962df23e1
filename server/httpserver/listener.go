package httpserver

import (
	"container/list"
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimiter is a listener that keeps at most max connections open. At the
// cap it closes the connection idle the longest to admit a new one, so idle
// keep-alive connections never keep a client waiting (as they do behind
// golang.org/x/net/netutil.LimitListener). Failing that, it closes the oldest
// connection that has not sent a whole request within newGrace of being
// accepted: a client sends its request at once, so such a connection is silent
// or trickling its headers, the cheap way to fill every slot for a whole
// read-header timeout. It waits only while every connection is busy with a
// request. Connection states come from the http.Server's ConnState hook (track).
type connLimiter struct {
	net.Listener
	max      int
	newGrace time.Duration

	mu    sync.Mutex
	open  int
	idle  *list.List // of *limitedConn, the longest idle first
	fresh *list.List // of *limitedConn still without a request, the oldest first

	// wake is signalled when a connection closes or turns idle: what a
	// waiting Accept needs.
	wake      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{Listener: ln, max: max, newGrace: newConnGrace, idle: list.New(), fresh: list.New(),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// newConnGrace is how long a new connection may take to send its first
// request before, at the cap, it may be closed for another client.
const newConnGrace = time.Second

// Accept takes the next connection first and makes room for it afterwards,
// so that an idle connection is only closed when a client is really waiting.
func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if err := l.admit(); err != nil {
		c.Close()
		return nil, err
	}
	lc := &limitedConn{Conn: c, l: l, accepted: time.Now()}
	l.mu.Lock()
	lc.list, lc.elem = l.fresh, l.fresh.PushBack(lc)
	l.mu.Unlock()
	return lc, nil
}

// admit reserves a slot, closing an idle or a stalled new connection when
// there is none, or waiting until one closes or turns idle, or a new one
// overstays its grace.
func (l *connLimiter) admit() error {
	for {
		l.mu.Lock()
		if l.open < l.max {
			l.open++
			l.mu.Unlock()
			return nil
		}
		var victim *limitedConn
		var stalled *time.Timer
		if e := l.idle.Front(); e != nil {
			victim = e.Value.(*limitedConn)
		} else if e := l.fresh.Front(); e != nil {
			c := e.Value.(*limitedConn)
			if wait := l.newGrace - time.Since(c.accepted); wait > 0 {
				stalled = time.NewTimer(wait)
			} else {
				victim = c
			}
		}
		l.mu.Unlock()
		if victim != nil {
			victim.Close() // frees its slot; take it on the next turn
			continue
		}
		var stalls <-chan time.Time
		if stalled != nil {
			stalls = stalled.C
		}
		select {
		case <-l.wake:
		case <-stalls:
		case <-l.done:
			return net.ErrClosed
		}
	}
}

func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *connLimiter) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// track is the http.Server's ConnState hook.
func (l *connLimiter) track(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.closed || state == http.StateNew {
		return
	}
	c.unlist()
	if state == http.StateIdle {
		c.list, c.elem = l.idle, l.idle.PushBack(c)
		l.signal()
	}
}

// limitedConn holds one slot of its connLimiter until it is closed.
type limitedConn struct {
	net.Conn
	l        *connLimiter
	accepted time.Time
	// Guarded by l.mu: the list of l that holds the connection (fresh,
	// idle, or none while it serves a request) and its element there.
	list   *list.List
	elem   *list.Element
	closed bool
}

func (c *limitedConn) unlist() {
	if c.elem != nil {
		c.list.Remove(c.elem)
		c.list, c.elem = nil, nil
	}
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	l := c.l
	l.mu.Lock()
	if !c.closed {
		c.closed = true
		l.open--
		c.unlist()
		l.signal()
	}
	l.mu.Unlock()
	return err
}

// CloseWrite keeps the half-close that http.Server does before closing a
// connection after an error answer (such as 431), so that the client reads
// the answer instead of a reset.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
