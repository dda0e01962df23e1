// Package server is the Virtual Spaces auth API as an http.Handler, answering
// like the original Django backend (API.md) on every path, status, header and
// body. It is used in-process by tests and the harness, and by `vsauth server`.
package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/virtualspaces/vsauth/server/otp"
	"github.com/virtualspaces/vsauth/server/password"
)

// Server routes requests like Django's URL resolver and runs each view like a
// DRF APIView: content negotiation, authentication, permissions, then the method.
type Server struct {
	cfg    Config
	store  Store
	hasher password.Hasher
	routes []route
	// otpThrottle and loginThrottle are the hardened profile's rules for
	// second-step codes (django-otp 1.x, uncapped) and passwords (capped).
	otpThrottle, loginThrottle otp.ThrottlePolicy
	// background counts work that outlives its request (hardened reset
	// mail); Wait blocks on it.
	background sync.WaitGroup
	// pendingResets holds a slot per hardened reset lookup in flight.
	pendingResets chan struct{}
	publicURL     *url.URL // Config.PublicURL parsed; nil when unset
}

// Wait blocks until work started by earlier requests has finished. Call it
// after the HTTP server has shut down.
func (s *Server) Wait() { s.background.Wait() }

// route is one Django re_path: the pattern is anchored on the whole path.
type route struct {
	name    string // the path for logs, captures as placeholders: "/api/totp/login/{code}/"
	pattern *regexp.Regexp
	// literal is the one path the pattern matches when it has no regexp
	// syntax (besides that path followed by a newline, Python's `$`), so
	// that most requests are routed by comparing strings.
	literal string
	view    *view
	html    http.HandlerFunc // non-API pages outside the contract
}

// newRoute is the route of a Django re_path regex.
func newRoute(re string) route {
	rt := route{name: routeName(re), pattern: djangoPath(re)}
	if len(re) > 2 && re[0] == '^' && re[len(re)-1] == '$' {
		if lit := re[1 : len(re)-1]; regexp.QuoteMeta(lit) == lit {
			rt.literal = lit
		}
	}
	return rt
}

// match is the route's captures if path matches it.
func (rt *route) match(path string) ([]string, bool) {
	if lit := rt.literal; lit != "" {
		ok := path == lit || (len(path) == len(lit)+1 && path[len(lit)] == '\n' && path[:len(lit)] == lit)
		return nil, ok
	}
	m := rt.pattern.FindStringSubmatch(path)
	if m == nil {
		return nil, false
	}
	return m[1:], true
}

// New checks the configuration, fills in the defaults of the fields left
// zero, and builds the server. Only Config.Store is required.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: Config.Store is required")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	switch {
	case cfg.MaxBodyBytes < 0:
		return nil, errors.New("server: Config.MaxBodyBytes must not be negative")
	}
	if _, ok := ParseProfile(string(cfg.Profile)); !ok {
		return nil, errors.New("server: unknown profile " + string(cfg.Profile))
	}
	s := &Server{
		cfg:    cfg,
		store:  cfg.Store,
		hasher: password.Hasher{Iterations: cfg.PasswordIterations, Rand: cfg.Rand},

		pendingResets: make(chan struct{}, cfg.MaxPendingResets),

		otpThrottle:   otp.ThrottlePolicy{Factor: cfg.OTPThrottleFactor},
		loginThrottle: otp.ThrottlePolicy{Factor: cfg.LoginThrottleFactor, Max: max(cfg.LoginLockMax, 0)},
	}
	if cfg.PublicURL != "" {
		u, err := ParsePublicURL(cfg.PublicURL)
		if err != nil {
			return nil, err
		}
		s.publicURL = u
	}
	if err := CheckResetURL(cfg.ResetURL); err != nil {
		return nil, err
	}
	s.routes = s.buildRoutes()
	return s, nil
}

// ParsePublicURL checks a Config.PublicURL: http or https, a host, and
// nothing after it but an optional "/".
func ParsePublicURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server: public URL %q must be a scheme and host, like https://auth.example.com", raw)
	}
	return u, nil
}

// CheckResetURL checks a Config.ResetURL: empty, or an http(s) URL holding
// {uid} and {token} once each.
func CheckResetURL(tmpl string) error {
	if tmpl == "" {
		return nil
	}
	u, err := url.Parse(strings.NewReplacer("{uid}", "uid", "{token}", "token").Replace(tmpl))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Count(tmpl, "{uid}") != 1 || strings.Count(tmpl, "{token}") != 1 {
		return fmt.Errorf("server: reset URL %q must be an http(s) URL with {uid} and {token} once each, like https://app.example.com/reset/{uid}/{token}", tmpl)
	}
	return nil
}

func (s *Server) hardened() bool { return s.cfg.Profile == Hardened }

// djangoPath turns a Django re_path regex into Go's: Python's `$` also matches
// before a final newline.
func djangoPath(re string) *regexp.Regexp {
	return regexp.MustCompile(strings.TrimSuffix(re, "$") + `\n?\z`)
}

func (s *Server) buildRoutes() []route {
	api := func(re string, v *view) route {
		rt := newRoute(re)
		v.allowHeader = []string{v.allow()}
		rt.view = v
		return rt
	}
	intro := newRoute(`^/$`)
	intro.html = introPage
	return []route{
		intro,
		api(`^/api/$`, s.apiRootView()),
		api(`^/api/user/view/$`, s.userView()),
		api(`^/api/user/delete/$`, s.userDeleteView()),
		api(`^/api/user/logout/all/$`, s.logoutAllView()),
		api(`^/api/user/create/$`, s.userCreateView()),
		api(`^/api/user/password/change/$`, s.passwordChangeView()),
		api(`^/api/user/password/reset/$`, s.passwordResetView()),
		api(`^/api/user/password/reset/confirm/$`, s.passwordResetConfirmView()),
		api(`^/api/user/login/$`, s.loginView()),
		api(`^/api/user/login/refresh/$`, s.refreshView()),
		api(`^/api/totp/create/$`, s.totpCreateView()),
		api(`^/api/totp/login/(?P<token>[0-9]{6})/$`, s.totpLoginView()),
		api(`^/api/totp/delete/$`, s.totpDeleteView()),
		api(`^/api/static/create/$`, s.staticCreateView()),
		api(`^/api/static/login/(?P<token>[a-z2-9]{7,8})/$`, s.staticLoginView()),
	}
}

// captureGroup is a named group of a route pattern (no nested parentheses).
var captureGroup = regexp.MustCompile(`\(\?P<\w+>[^)]*\)`)

// routeName is a route's pattern as logs show it: what a capture matched
// (a one-time code) is never logged.
func routeName(re string) string {
	return captureGroup.ReplaceAllString(strings.TrimSuffix(strings.TrimPrefix(re, "^"), "$"), "{code}")
}

func (s *Server) resolve(path string) (*route, []string, bool) {
	for i := range s.routes {
		if args, ok := s.routes[i].match(path); ok {
			return &s.routes[i], args, true
		}
	}
	return nil, nil, false
}

// ServeHTTP is Django's middleware stack in front of the resolver: host
// validation, then CommonMiddleware's slash redirect, then the view or a 404.
// Every request leaves one access log line, even one whose handler panicked.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	aw := &accessWriter{ResponseWriter: w}
	began := s.now()
	var routeName string
	defer func() { s.logAccess(r, aw, routeName, began) }()
	s.serve(aw, r, &routeName)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, routeName *string) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			// Log the location and the store's error, never the request:
			// it may carry secrets. Store errors never hold secrets.
			attrs := []any{"method", r.Method, "path", redactPath(r.URL.Path)}
			if err, ok := v.(error); ok {
				attrs = append(attrs, "err", err.Error())
			}
			s.cfg.Logger.Error("handler panic", attrs...)
			writeHTML(w, http.StatusInternalServerError, `<h1>Server Error (500)</h1>`, true)
		}
	}()
	if !s.hostAllowed(s.forwarded(r).host) {
		writeHTML(w, http.StatusBadRequest, `<h1>Bad Request (400)</h1>`, false)
		return
	}
	path := r.URL.Path
	rt, args, ok := s.resolve(path)
	if !ok {
		if !strings.HasSuffix(path, "/") {
			if _, _, ok := s.resolve(path + "/"); ok {
				redirectWithSlash(w, r)
				return
			}
		}
		writeHTML(w, http.StatusNotFound, `<h1>Not Found</h1><p>The requested resource was not found on this server.</p>`, true)
		return
	}
	*routeName = rt.name
	if rt.html != nil {
		rt.html(w, r)
		return
	}
	s.dispatch(w, r, rt.view, args)
}

// redirectWithSlash is CommonMiddleware's APPEND_SLASH answer: a relative
// Location, an empty text/html body and none of the view headers. The original
// gives POST/PUT/PATCH a 500 in DEBUG mode; vsauth redirects every method.
//
// The Location is HttpRequest.get_full_path(force_append_slash=True): the
// decoded path re-quoted by escape_uri_path (so "/api/user/%6Cogin" comes
// back as "/api/user/login/"), and the raw query passed through iri_to_uri.
func redirectWithSlash(w http.ResponseWriter, r *http.Request) {
	loc := pyQuote(r.URL.Path, "/:@&+$,-_.!~*'()") + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + pyQuote(latin1ToUTF8(r.URL.RawQuery), "/#%[]=:;$&()+,!?*@'~")
	}
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusMovedPermanently)
}

// pyQuote is Python 3.7's urllib.parse.quote on UTF-8 text: bytes other than
// letters, digits, "_.-~" and safe become upper-case %XX.
func pyQuote(s, safe string) string {
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~", c) >= 0 ||
			(c < utf8.RuneSelf && strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// latin1ToUTF8 is what WSGI does to the raw query string: its bytes become
// the Latin-1 characters Django later encodes as UTF-8.
func latin1ToUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

func introPage(w http.ResponseWriter, r *http.Request) {
	writeHTML(w, http.StatusOK, "<h1>TODO: Create Intro template</h1>", true)
}

func writeHTML(w http.ResponseWriter, status int, body string, frameOptions bool) {
	h := w.Header()
	if status == http.StatusOK {
		h.Set("Content-Type", "text/html; charset=utf-8")
	} else {
		h.Set("Content-Type", "text/html")
	}
	if frameOptions {
		h.Set("X-Frame-Options", "SAMEORIGIN")
	}
	h.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
