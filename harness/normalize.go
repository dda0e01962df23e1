package harness

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/virtualspaces/vsauth/internal/jsonedit"
)

// normExchange is an exchange with everything that must differ between two
// servers replaced by what it stands for: tokens by their header and claim
// names, whether otp_device_id is set and exp − now; ids by their order of
// appearance; $UNIQUE, the server's host, dates, TOTP secrets, codes,
// passwords and reset uids and tokens by placeholders. It holds no secret.
type normExchange struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Auth is "none", or the token the request carried: compared only as
	// present or not, since it is what an earlier answer gave.
	Auth    string            `json:"auth"`
	Request string            `json:"request,omitempty"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	Error   string            `json:"error,omitempty"`
}

// ignoredHeaders differ between any two servers, or are transport: Date,
// Server, how the connection is kept, and Content-Length, which Go's server
// leaves out on a 204 where Django sent 0 (README, known wire differences);
// a body's length is compared through the body.
var ignoredHeaders = []string{"Date", "Server", "Connection", "Keep-Alive", "Content-Length", "Transfer-Encoding"}

// requestSecretKeys are the request fields whose values are replaced by
// <name>: what the CLI sends that reports must not show.
var requestSecretKeys = map[string]bool{
	"password": true, "current_password": true, "new_password": true, "re_new_password": true,
	"token": true, "uid": true,
}

var (
	jwtInText     = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
	codePath      = regexp.MustCompile(`^(/(?:.*/)?api/(?:totp|static)/login/)[^/?#]*`)
	emergencyCode = regexp.MustCompile(`^[a-z2-9]{7,8}$`)
	deviceID      = regexp.MustCompile(`^(otp_[a-z]+\.[a-z]+device)/\d+$`)
	otpSecretArg  = regexp.MustCompile(`(?i)([?&]secret=)[^&#"\s]*`)
	resetLinkPath = regexp.MustCompile(`(/password/reset/confirm/)[^/\s"<>]+/[^/\s"<>]+`)
	httpDate      = regexp.MustCompile(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} (?:GMT|[+-]\d{4})`)
	isoDate       = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?`)
)

// normalizer normalizes the exchanges of one flow on one side.
type normalizer struct {
	ids    map[string]int
	ignore map[string]bool // canonical header names
	// secrets replaces the raw values the side's requests carried
	// (passwords, tokens, uids) in whatever a server echoed back; places
	// replaces $UNIQUE and the side's server, as host:port and as host.
	// Both are built once per flow, as text runs on every string.
	secrets, places *strings.Replacer
}

func newNormalizer(unique string, xs []exchange, ignore []string) *normalizer {
	n := &normalizer{ids: map[string]int{}, ignore: map[string]bool{}}
	for _, h := range append(slices.Clone(ignoredHeaders), ignore...) {
		n.ignore[http.CanonicalHeaderKey(h)] = true
	}
	var hosts, secrets []string
	addSecret := func(v string) {
		if len(v) >= minSecretLen && !slices.Contains(secrets, v) {
			secrets = append(secrets, v)
		}
	}
	for _, x := range xs {
		if x.host != "" && !slices.Contains(hosts, x.host) {
			hosts = append(hosts, x.host)
			if u, err := url.Parse("//" + x.host); err == nil && u.Hostname() != x.host {
				hosts = append(hosts, u.Hostname())
			}
		}
		if a := x.reqHeader.Get("Authorization"); a != "" {
			addSecret(strings.TrimSpace(strings.TrimPrefix(a, "JWT")))
		}
		collectSecrets(x.reqBody, addSecret)
	}
	// Longest first, so that a value goes whole before one it contains (a
	// host:port before its host).
	longestFirst := func(a, b string) int { return len(b) - len(a) }
	slices.SortStableFunc(secrets, longestFirst)
	slices.SortStableFunc(hosts, longestFirst)
	var pairs []string
	for _, v := range secrets {
		pairs = append(pairs, v, "<secret>")
	}
	n.secrets = strings.NewReplacer(pairs...)
	pairs = nil
	if unique != "" {
		pairs = append(pairs, unique, "$UNIQUE")
	}
	for _, h := range hosts {
		pairs = append(pairs, h, "$HOST")
	}
	n.places = strings.NewReplacer(pairs...)
	return n
}

// collectSecrets calls add with the values of requestSecretKeys in a JSON body.
func collectSecrets(body []byte, add func(string)) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return
	}
	for k, v := range m {
		if s, ok := v.(string); ok && requestSecretKeys[k] {
			add(s)
			add(strings.TrimSpace(s))
		}
	}
}

func (n *normalizer) exchange(x exchange) normExchange {
	e := normExchange{Method: x.method, Path: n.path(x.path), Auth: "none", Status: x.status}
	if a := x.reqHeader.Get("Authorization"); a != "" {
		scheme, tok, _ := strings.Cut(a, " ")
		e.Auth = scheme + " " + n.token(strings.TrimSpace(tok), time.Time{})
	}
	if len(x.reqBody) > 0 {
		e.Request = n.body(x.reqBody, "application/json", x.at, true)
	}
	if x.err != "" {
		e.Error = n.text(x.err)
		return e
	}
	for name, vs := range x.header {
		name = http.CanonicalHeaderKey(name)
		if n.ignore[name] {
			continue
		}
		if e.Headers == nil {
			e.Headers = map[string]string{}
		}
		e.Headers[name] = n.text(strings.Join(vs, ", "))
	}
	if len(x.body) > 0 {
		e.Body = n.body(x.body, x.header.Get("Content-Type"), x.at, false)
	}
	return e
}

// path hides the code of the OTP verify paths.
func (n *normalizer) path(p string) string {
	return n.text(codePath.ReplaceAllString(p, "${1}<code>"))
}

// body is a JSON body re-encoded compactly in its own key order with its
// values normalized, or any other body as normalized text.
func (n *normalizer) body(b []byte, contentType string, at time.Time, request bool) string {
	if strings.Contains(strings.ToLower(contentType), "json") {
		out, ok := jsonedit.Rewrite(b, func(path []string, inArray bool, v any) any {
			key := ""
			if len(path) > 0 {
				key = path[len(path)-1]
			}
			switch v := v.(type) {
			case string:
				return n.value(v, key, inArray, at, request)
			case json.Number:
				if key == "id" || key == "user_id" {
					return n.id(v.String())
				}
			}
			return v
		})
		if ok {
			return out
		}
	}
	return n.text(string(b))
}

// value normalizes a JSON string by what its field and shape say it is.
func (n *normalizer) value(s, key string, inArray bool, at time.Time, request bool) string {
	switch {
	case request && requestSecretKeys[key]:
		return "<" + key + ">"
	case jwtShape.MatchString(s):
		return n.token(s, at)
	case strings.HasPrefix(strings.ToLower(s), "otpauth://"):
		return n.text(otpSecretArg.ReplaceAllString(s, "${1}<secret>"))
	case inArray && emergencyCode.MatchString(s):
		return "<code>"
	case deviceID.MatchString(s):
		return deviceID.ReplaceAllString(s, "${1}/<id>")
	}
	return n.text(s)
}

// id numbers the ids of a side in order of appearance, so that "the same
// id again" survives normalization.
func (n *normalizer) id(raw string) string {
	i, ok := n.ids[raw]
	if !ok {
		i = len(n.ids) + 1
		n.ids[raw] = i
	}
	return fmt.Sprintf("<id:%d>", i)
}

// text replaces what differs in free text: secrets echoed back, tokens,
// reset links, TOTP secrets, $UNIQUE, the server's host and dates.
func (n *normalizer) text(s string) string {
	s = jwtInText.ReplaceAllStringFunc(s, func(t string) string { return n.token(t, time.Time{}) })
	s = n.secrets.Replace(s)
	s = resetLinkPath.ReplaceAllString(s, "${1}<uid>/<token>")
	s = otpSecretArg.ReplaceAllString(s, "${1}<secret>")
	s = n.places.Replace(s)
	s = httpDate.ReplaceAllString(s, "<date>")
	return isoDate.ReplaceAllString(s, "<date>")
}

// token describes a JWT without its values: the names of its header fields
// and claims in their order, whether otp_device_id is set and, for a token
// just minted (at not zero), exp − now to the nearest 10 s, which absorbs
// the original's floor(now) and the time the answer took.
func (n *normalizer) token(tok string, at time.Time) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "<token: not a JWT>"
	}
	head, err1 := jsonKeys(parts[0])
	claims, err2 := jsonKeys(parts[1])
	if err1 != nil || err2 != nil {
		return "<token: undecodable>"
	}
	var payload map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&payload)
	var b strings.Builder
	fmt.Fprintf(&b, "<token %s | %s", strings.Join(head, ","), strings.Join(claims, ","))
	if d, ok := payload["otp_device_id"]; ok {
		if d == nil || d == "" {
			b.WriteString(" | otp_device_id=null")
		} else {
			b.WriteString(" | otp_device_id=set")
		}
	}
	if exp, ok := payload["exp"].(json.Number); ok && !at.IsZero() {
		if e, err := exp.Float64(); err == nil {
			left := e - float64(at.UnixNano())/1e9
			fmt.Fprintf(&b, " | exp-now=%ds", int64(math.Round(left/10))*10)
		}
	}
	b.WriteString(">")
	return b.String()
}

// jsonKeys are the keys of a base64url-encoded JSON object, in order.
func jsonKeys(seg string) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object")
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// sameExchange reports whether two normalized exchanges are the same for
// the comparison: everything but the token inside Auth.
func sameExchange(a, b normExchange) bool {
	return a.Method == b.Method && a.Path == b.Path && authPresent(a) == authPresent(b) &&
		a.Request == b.Request && a.Status == b.Status && a.Body == b.Body && a.Error == b.Error &&
		len(headerDiff(a.Headers, b.Headers)) == 0
}

func authPresent(e normExchange) bool { return e.Auth != "none" }

// headerDiff lists the header names whose values differ, sorted.
func headerDiff(a, b map[string]string) []string {
	var names []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			names = append(names, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

// statusText is "201", or "failed" for a request that got no answer.
func statusText(e normExchange) string {
	if e.Status == 0 {
		return "failed"
	}
	return strconv.Itoa(e.Status)
}
