// Package client is the typed Go SDK for the Virtual Spaces auth API (the
// contract in API.md), as served by the original Django backend and by
// vsauth's own server.
//
// A Client holds the base URL, an http.Client with timeouts and the current
// token. Each endpoint is one method taking a context first. Authenticated
// methods send the token as `Authorization: JWT <token>`; the methods that
// mint a token (Login, TOTPLogin, StaticLogin, TOTPDelete, Refresh) return it
// and leave the Client unchanged, so the caller decides when to SetToken.
//
// The original's quirks are decoded here rather than leaked: the bare JSON
// string of TOTP create, the bare list of static create and of "Unable to
// create account.", the empty-body 400 of the code-verify endpoints and the
// HTML error pages all become typed results or an *Error.
//
// Nothing is retried: every method sends its request once, and a failure
// (network error, timeout, any non-success status) is returned as it is.
// The API's writes are not idempotent (a login counts toward the hardened
// throttle, a code is used up, a reset mail is sent), so retrying is the
// caller's decision. Errors are classified with IsInvalidCredentials,
// IsUnauthorized, IsOTPRequired, IsNotFound and errors.Is(err,
// ErrCodeRejected).
//
// A login, as the package's runnable Example does it against an in-process
// server (`go doc -http` shows the examples; server/vsauthtest provides the
// server for tests):
//
//	c, err := client.New("https://auth.example.com")
//	res, err := c.SignIn(ctx, email, password)
//	switch {
//	case client.IsInvalidCredentials(err): // wrong email or password (or, hardened, locked for a while)
//	case err != nil: // network, timeout, unexpected answer
//	case res.SecondStep: // c2 := client.New(url, client.WithToken(res.Token)); c2.TOTPLogin(ctx, code)
//	default:
//		c.SetToken(res.Token)
//	}
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultVersion is the version in the User-Agent when WithVersion is not used.
const DefaultVersion = "dev"

// DefaultTimeout bounds a whole request (connect, send, wait, read) when the
// caller supplies no timeout of their own.
const DefaultTimeout = 30 * time.Second

// maxResponse caps how much of a response body is read: the API's answers are
// a few hundred bytes, so anything near this is not the API.
const maxResponse = 1 << 20

// ErrNoToken is returned, without sending anything, by an authenticated
// method when the Client has no token. IsUnauthorized reports true for it.
var ErrNoToken = errors.New("client: not logged in (no token)")

// ErrInvalidCode is returned, without sending anything, when a TOTP or
// emergency code cannot be valid: the server would answer with an HTML 404.
var ErrInvalidCode = errors.New("client: malformed code")

// TokenSource supplies the token for authenticated requests. An empty token
// means "not logged in".
type TokenSource interface {
	Token(ctx context.Context) (Token, error)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context) (Token, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context) (Token, error) { return f(ctx) }

type staticToken Token

func (t staticToken) Token(context.Context) (Token, error) { return Token(t), nil }

// Client talks to one API server. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host[/prefix] without a trailing slash
	http      *http.Client
	userAgent string
	now       func() time.Time

	mu     sync.Mutex
	tokens TokenSource

	trace *tracer
}

// Option configures New.
type Option func(*settings)

type settings struct {
	httpClient *http.Client
	transport  http.RoundTripper
	timeout    time.Duration
	version    string
	tokens     TokenSource
	trace      io.Writer
	now        func() time.Time
}

// WithHTTPClient makes the Client send through a copy of hc. Its redirect
// policy is replaced (the SDK never follows redirects), and a zero Timeout is
// replaced by DefaultTimeout or WithTimeout's value.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.httpClient = hc } }

// WithTransport sets the RoundTripper, e.g. for a proxy or custom TLS.
func WithTransport(rt http.RoundTripper) Option { return func(s *settings) { s.transport = rt } }

// WithTimeout bounds each whole request; the default is DefaultTimeout. A
// context deadline applies as well.
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// WithVersion sets the version shown in the User-Agent,
// "vsauth/<version> (+https://github.com/virtualspaces/vsauth)".
func WithVersion(v string) Option { return func(s *settings) { s.version = v } }

// WithToken sets the initial token, as SetToken would.
func WithToken(t Token) Option { return func(s *settings) { s.tokens = staticToken(t) } }

// WithTokenSource makes authenticated requests ask ts for the token each time.
func WithTokenSource(ts TokenSource) Option { return func(s *settings) { s.tokens = ts } }

// WithTrace writes one line per request to w: method, path, status, duration,
// and the bodies with every password, token, uid, code and TOTP secret
// replaced by [REDACTED]. Lines are written whole, one Write each.
func WithTrace(w io.Writer) Option { return func(s *settings) { s.trace = w } }

// WithClock sets the clock used to time requests in the trace.
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// New returns a Client for the server at baseURL, e.g. "http://127.0.0.1:8000"
// or "https://example.com/auth" when the API lives under a prefix.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("client: base URL must be http(s)://host[:port][/prefix]")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, errors.New("client: base URL must not carry a query, fragment or user info")
	}
	s := settings{version: DefaultVersion, now: time.Now}
	for _, o := range opts {
		o(&s)
	}
	var hc http.Client
	if s.httpClient != nil {
		hc = *s.httpClient
	}
	if s.transport != nil {
		hc.Transport = s.transport
	}
	if hc.Transport == nil {
		hc.Transport = defaultTransport()
	}
	switch {
	case s.timeout > 0:
		hc.Timeout = s.timeout
	case hc.Timeout == 0:
		hc.Timeout = DefaultTimeout
	}
	// The server answers 301 to a missing trailing slash; following it would
	// turn a POST into a GET and hide a wrong base URL.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &Client{
		base:      u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"),
		http:      &hc,
		userAgent: "vsauth/" + s.version + " (+https://github.com/virtualspaces/vsauth)",
		now:       s.now,
		tokens:    s.tokens,
	}
	if s.trace != nil {
		c.trace = &tracer{w: s.trace}
	}
	return c, nil
}

func defaultTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment}
}

// SetToken makes t the token of later authenticated requests, replacing any
// TokenSource. An empty t logs the Client out.
func (c *Client) SetToken(t Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens = staticToken(t)
}

func (c *Client) token(ctx context.Context) (Token, error) {
	c.mu.Lock()
	ts := c.tokens
	c.mu.Unlock()
	if ts == nil {
		return "", ErrNoToken
	}
	t, err := ts.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("client: getting the token: %w", err)
	}
	if t == "" {
		return "", ErrNoToken
	}
	return t, nil
}

// call describes one request to the API and how to read its answer.
type call struct {
	method, path string // path from the API root, with its trailing slash
	auth         bool
	// token, when set, is sent instead of the Client's own (auth only).
	token Token
	body  any // encoded as JSON; nil sends no body
	want  int // the one success status
	out   any // decoded from a JSON success body; nil ignores it
	// codeVerify marks the OTP verify endpoints, whose bare empty 400 means
	// the code was refused.
	codeVerify bool
	// secrets are scrubbed from any text the server sends back into an error.
	secrets []string
	// secretResponse redacts every value of the success body in the trace
	// (emergency codes).
	secretResponse bool
}

func (c *Client) do(ctx context.Context, cl call) error {
	var tok Token
	if cl.auth {
		tok = cl.token
		if tok == "" {
			t, err := c.token(ctx)
			if err != nil {
				return err
			}
			tok = t
		}
		cl.secrets = append(cl.secrets, string(tok))
	}
	var reqBody []byte
	if cl.body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(cl.body); err != nil {
			return fmt.Errorf("client: encoding the %s request: %w", redactPath(cl.path), err)
		}
		reqBody = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	var bodyReader io.Reader
	if reqBody != nil {
		bodyReader = bytes.NewReader(reqBody)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, bodyReader)
	if err != nil {
		return fmt.Errorf("client: building %s %s: %w", cl.method, redactPath(cl.path), unwrapURLError(err))
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if reqBody != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.auth {
		req.Header.Set("Authorization", "JWT "+string(tok))
	}

	start := c.now()
	res, err := c.http.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		c.trace.exchange(traceEntry{req: req, reqBody: reqBody, elapsed: c.now().Sub(start), err: err})
		return fmt.Errorf("client: %s %s: %w", cl.method, redactPath(req.URL.Path), err)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponse+1))
	res.Body.Close()
	if err == nil && len(body) > maxResponse {
		err = fmt.Errorf("response body larger than %d bytes", maxResponse)
	}
	if err != nil {
		err = unwrapURLError(err)
		c.trace.exchange(traceEntry{req: req, reqBody: reqBody, res: res, elapsed: c.now().Sub(start), err: err})
		return fmt.Errorf("client: %s %s: reading the response: %w", cl.method, redactPath(req.URL.Path), err)
	}
	c.trace.exchange(traceEntry{req: req, reqBody: reqBody, res: res, resBody: body,
		elapsed: c.now().Sub(start), secretResponse: cl.secretResponse && res.StatusCode == cl.want})

	if res.StatusCode != cl.want {
		return newError(res, body, cl)
	}
	if cl.out == nil {
		return nil
	}
	if err := json.Unmarshal(body, cl.out); err != nil {
		return &Error{StatusCode: res.StatusCode, Body: body,
			note: "unexpected response body: " + describeBody(res.Header.Get("Content-Type"), body, cl.secrets)}
	}
	return nil
}

// unwrapURLError drops *url.Error's "Post \"<url>\":" prefix: the URL of a
// code-verify request carries the code.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
