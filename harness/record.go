package harness

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxRecordedBody is how much of a body `harness diff` keeps: the API's
// answers are a few hundred bytes, the original's debug pages a few tens of
// kilobytes. The request or response itself is passed on whole.
const maxRecordedBody = 256 << 10

// exchange is one HTTP request the CLI made and what came back, as sent and
// received: tokens, passwords and codes included. It lives in memory only
// and reaches a report solely through normalize, which replaces them.
type exchange struct {
	method    string
	path      string // escaped path and query, without scheme and host
	host      string
	reqHeader http.Header
	reqBody   []byte
	status    int // 0 when the request failed
	header    http.Header
	body      []byte
	err       string
	// at is the flow's clock when the answer arrived: what a token's exp is
	// measured against.
	at time.Time
}

// recorder is the transport of a flow's CLI under `harness diff`: it sends
// each request through base and keeps the exchange. The CLI sees the
// server's answer unchanged.
type recorder struct {
	base http.RoundTripper
	now  func() time.Time

	mu        sync.Mutex
	exchanges []exchange
}

func newRecorder(now func() time.Time) *recorder {
	// A transport of its own per flow, so that its connections end with it.
	return &recorder{base: http.DefaultTransport.(*http.Transport).Clone(), now: now}
}

func (r *recorder) client() *http.Client { return &http.Client{Transport: r} }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	e := exchange{method: req.Method, path: req.URL.EscapedPath(), host: req.URL.Host, reqHeader: req.Header.Clone()}
	if req.URL.RawQuery != "" {
		e.path += "?" + req.URL.RawQuery
	}
	if req.Body != nil && req.Body != http.NoBody {
		// A RoundTripper must not change the caller's request: the copy
		// carries the body that was read.
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		e.reqBody = body[:min(len(body), maxRecordedBody)]
	}
	res, err := r.base.RoundTrip(req)
	if err != nil {
		e.err = err.Error()
		e.at = r.now()
		r.add(e)
		return nil, err
	}
	head, err := io.ReadAll(io.LimitReader(res.Body, maxRecordedBody))
	if err != nil {
		res.Body.Close()
		return nil, err
	}
	res.Body = readCloser{io.MultiReader(bytes.NewReader(head), res.Body), res.Body}
	e.status, e.header, e.body, e.at = res.StatusCode, res.Header.Clone(), head, r.now()
	r.add(e)
	return res, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (r *recorder) add(e exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exchanges = append(r.exchanges, e)
}

// mark and truncate drop the exchanges of a failed `eventually` attempt:
// how many attempts a side needed is timing, not behaviour.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.exchanges)
}

func (r *recorder) truncate(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exchanges = r.exchanges[:min(n, len(r.exchanges))]
}

func (r *recorder) all() []exchange {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.exchanges...)
}

func (r *recorder) close() { r.base.(*http.Transport).CloseIdleConnections() }
