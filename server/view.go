package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/store"
)

// view is one DRF APIView: the methods it implements and the checks that run
// before any of them.
type view struct {
	name        string // DRF get_view_name, shown by OPTIONS
	description string
	// authenticate is false only for login and refresh, which have no
	// authentication classes and so ignore the Authorization header.
	authenticate bool
	permissions  []permission
	methods      map[string]handler // upper-case method → handler; HEAD follows GET
	actions      *metaActions       // OPTIONS "actions"; nil for views without a serializer
	allowHeader  []string           // the Allow header's value, allow() computed once
}

// request is what a handler sees once negotiation, authentication and
// permissions have passed.
type request struct {
	*http.Request
	user   *store.User
	claims *authtoken.Payload // the verified token of user, nil when anonymous
	// auth is what was read with user while authenticating: their devices,
	// the token's device and their profile. Nil when anonymous, and when
	// the token's username named another row than its user_id.
	auth *store.AuthUser
	args []string // URL captures, e.g. the code in /totp/login/<code>/
	head bool     // a HEAD request: answer as GET but change nothing
	// maxBody is Config.MaxBodyBytes, for the views that read the body.
	maxBody int64
}

type handler func(*request) response

// response is a DRF Response: a status and a body already encoded the
// original's way, or no body at all.
type response struct {
	status  int
	body    []byte
	noBody  bool // 204s and the bare 400s of the OTP verify views
	headers map[string]string
	// page is a Django error page raised past DRF (a SuspiciousOperation
	// while reading the body): it never reaches finalize_response, so it
	// has no Allow or Vary, only the middleware's X-Frame-Options.
	page bool
}

type permission func(s *Server, r *request) *response

var methodOrder = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// allow is the Allow header: implemented methods in DRF's fixed order, HEAD
// whenever GET is there, OPTIONS always.
func (v *view) allow() string {
	var out []string
	for _, m := range methodOrder {
		_, ok := v.methods[m]
		if ok || (m == "HEAD" && v.methods["GET"] != nil) || m == "OPTIONS" {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}

func (s *Server) dispatch(w http.ResponseWriter, hr *http.Request, v *view, args []string) {
	// Django upper-cases REQUEST_METHOD, so "get" is a GET to the view. Go's
	// server keeps the method as sent and expects a body unless it is HEAD.
	writeBody := hr.Method != http.MethodHead
	if up := strings.ToUpper(hr.Method); up != hr.Method {
		hr = hr.Clone(hr.Context())
		hr.Method = up
	}
	resp := s.run(hr, v, args)
	h := w.Header()
	// The value slices are shared by every response: net/http only reads
	// them, and Header.Add appends to a full slice, which copies it.
	if !resp.page {
		h["Allow"] = v.allowHeader
		h["Vary"] = varyAccept
	}
	h["X-Frame-Options"] = frameSameOrigin
	if !resp.noBody {
		h["Content-Type"] = contentTypeJSON
	}
	for k, val := range resp.headers {
		h.Set(k, val)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	if writeBody && len(resp.body) > 0 {
		_, _ = w.Write(resp.body)
	}
}

var (
	varyAccept      = []string{"Accept"}
	frameSameOrigin = []string{"SAMEORIGIN"}
	contentTypeJSON = []string{"application/json"}
)

// run is APIView.dispatch: initial() (negotiation, authentication,
// permissions) before the method check, so an anonymous request to a
// protected view gets 401 even for a method the view lacks.
func (s *Server) run(hr *http.Request, v *view, args []string) response {
	format := ""
	if hr.URL.RawQuery != "" {
		if vals := hr.URL.Query()["format"]; len(vals) > 0 {
			format = vals[len(vals)-1]
		}
	}
	if format != "" && format != "json" && format != "api" {
		// DRF's ?format= override names no renderer: Http404.
		return detail(http.StatusNotFound, "Not found.")
	}
	ok, indent := negotiate(hr.Header.Values("Accept"), format)
	if !ok {
		return detail(http.StatusNotAcceptable, "Could not satisfy the request Accept header.")
	}
	resp := s.runView(hr, v, args)
	if indent > 0 && !resp.noBody && resp.headers["Content-Type"] == "" {
		resp.body = indentJSON(resp.body, indent)
	}
	return resp
}

func (s *Server) runView(hr *http.Request, v *view, args []string) response {
	r := &request{Request: hr, args: args, head: hr.Method == http.MethodHead, maxBody: s.cfg.MaxBodyBytes}
	if v.authenticate {
		if resp := s.authenticate(r); resp != nil {
			return *resp
		}
	}
	for _, p := range v.permissions {
		if resp := p(s, r); resp != nil {
			return *resp
		}
	}
	method := hr.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if method == http.MethodOptions {
		return s.options(v)
	}
	h, ok := v.methods[method]
	if !ok {
		return detail(http.StatusMethodNotAllowed, `Method "`+strings.ToUpper(hr.Method)+`" not allowed.`)
	}
	return h(r)
}

// negotiate is DRF's DefaultContentNegotiation over the JSON and browsable
// API renderers. vsauth answers JSON to both, like a browsable API that only
// ever shows its raw data. DRF ignores q-values and tries the most specific
// media types first; a JSON type with an indent parameter asks for
// indented output (capped at 8, as JSONRenderer does).
//
// format is the ?format= override: "json" or "api" keeps only that renderer.
func negotiate(values []string, format string) (ok bool, indent int) {
	header := strings.Join(values, ",")
	if strings.TrimSpace(header) == "" {
		return true, 0
	}
	best := -1
	for _, part := range strings.Split(header, ",") {
		mt, params, _ := strings.Cut(part, ";")
		typ, sub, _ := strings.Cut(strings.ToLower(strings.TrimSpace(mt)), "/")
		var precedence int
		switch {
		case typ == "*" && (sub == "*" || sub == ""):
			precedence = 0
		case sub == "*" && ((typ == "application" && format != "api") || (typ == "text" && format != "json")):
			precedence = 1
		case typ == "application" && sub == "json" && format != "api", typ == "text" && sub == "html" && format != "json":
			precedence = 2
			if strings.TrimSpace(params) != "" {
				precedence = 3
			}
		default:
			continue
		}
		if precedence > best {
			best, indent = precedence, 0
			if sub == "json" {
				indent = indentParam(params)
			}
		}
	}
	return best >= 0, indent
}

func indentParam(params string) int {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.TrimSpace(strings.ToLower(k)) == "indent" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0
			}
			return min(max(n, 0), 8)
		}
	}
	return 0
}

// indentJSON re-lays compact JSON the way Python's json.dumps does with an
// indent and DRF's compact separators: one member per line, no space after
// the colon, empty containers kept as {} and [].
func indentJSON(b []byte, n int) []byte {
	var out []byte
	depth := 0
	inString, escaped := false, false
	newline := func() {
		out = append(out, '\n')
		out = append(out, bytes.Repeat([]byte{' '}, depth*n)...)
	}
	for i, c := range b {
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			out = append(out, c)
		case '{', '[':
			out = append(out, c)
			if i+1 < len(b) && (b[i+1] == '}' || b[i+1] == ']') {
				continue
			}
			depth++
			newline()
		case '}', ']':
			if i > 0 && (b[i-1] == '{' || b[i-1] == '[') {
				out = append(out, c)
				continue
			}
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		default:
			out = append(out, c)
		}
	}
	return out
}

// encodeJSON renders like DRF's JSONRenderer: compact, raw UTF-8, no HTML
// escaping, U+2028/U+2029 escaped (encoding/json always escapes those).
func encodeJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("server: encoding a response: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func jsonResponse(status int, v any) response {
	return response{status: status, body: encodeJSON(v)}
}

func rawJSON(status int, body []byte) response {
	return response{status: status, body: body}
}

func detail(status int, msg string) response {
	return jsonResponse(status, struct {
		Detail string `json:"detail"`
	}{msg})
}

func empty(status int) response {
	return response{status: status, noBody: true}
}

func nonField(msg string) response {
	return jsonResponse(http.StatusBadRequest, struct {
		NonFieldErrors []string `json:"non_field_errors"`
	}{[]string{msg}})
}

func itoa(n int) string { return strconv.Itoa(n) }

// redactPath hides what may be a secret in a path no route matched before
// it is logged: the code in a mistyped OTP verify path, and the uid and
// token of a reset link followed to the API host (the original's links
// point there, to a page it does not have).
func redactPath(p string) string {
	for _, prefix := range []string{"/api/totp/login/", "/api/static/login/"} {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix + "{code}/"
		}
	}
	const reset = "/password/reset/confirm/"
	if i := strings.Index(p, reset); i >= 0 && len(p) > i+len(reset) {
		return p[:i+len(reset)] + "{uid}/{token}/"
	}
	return p
}
