package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// OTPRequiredDetail is the server's 403 detail when a first-factor token meets
// an endpoint that needs a verified second factor.
const OTPRequiredDetail = "You do not have permission to perform this action until you verify your OTP device."

// ErrCodeRejected is matched (errors.Is) by the *Error of a TOTP or emergency
// code login the server refused: a wrong, replayed or used-up code, no device,
// or (hardened server) too many attempts. The server says no more than that.
var ErrCodeRejected = errors.New("the code was not accepted")

// Error is a response other than the endpoint's success status.
type Error struct {
	StatusCode int
	// Detail is the server's {"detail": …} message.
	Detail string
	// Fields holds the field errors by field name; nested serializer errors
	// are flattened as "profile.display_name", and a nested object's own
	// errors are listed under its name ("profile").
	Fields map[string][]string
	// NonField holds non_field_errors and the bare-list answer
	// ["Unable to create account."].
	NonField []string
	// Body is the response body as received. It is data for programs and
	// may be anything; Error() shows only a scrubbed excerpt of it.
	Body []byte

	fieldOrder   []string // Fields' keys in the server's order, for Error()
	note         string   // the client's explanation when the server gave none
	codeRejected bool
}

// Error renders a sentence such as "401 Unauthorized: Signature has expired."
// or "400 Bad Request: email: Enter a valid email address.".
func (e *Error) Error() string {
	var parts []string
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	parts = append(parts, e.NonField...)
	for _, k := range e.fieldKeys() {
		parts = append(parts, k+": "+strings.Join(e.Fields[k], " "))
	}
	if e.note != "" {
		parts = append(parts, e.note)
	}
	s := strconv.Itoa(e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		s += " " + t
	}
	if len(parts) == 0 {
		return s + " (empty response body)"
	}
	return s + ": " + strings.Join(parts, "; ")
}

func (e *Error) fieldKeys() []string {
	if len(e.fieldOrder) == len(e.Fields) {
		return e.fieldOrder
	}
	// An Error built by hand: no server order, so a stable one.
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Unwrap lets errors.Is(err, ErrCodeRejected) match a refused code.
func (e *Error) Unwrap() error {
	if e.codeRejected {
		return ErrCodeRejected
	}
	return nil
}

// IsUnauthorized reports whether err is a 401 (bad, expired or revoked token,
// or none sent) or ErrNoToken: either way the user has to log in.
func IsUnauthorized(err error) bool {
	if errors.Is(err, ErrNoToken) {
		return true
	}
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusUnauthorized
}

// IsOTPRequired reports whether err is the 403 of an endpoint that needs a
// token verified with TOTPLogin or StaticLogin.
func IsOTPRequired(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden && e.Detail == OTPRequiredDetail
}

// InvalidCredentials is the login's refusal of an email and password, in
// the original's words.
const InvalidCredentials = "Unable to log in with provided credentials."

// IsInvalidCredentials reports whether err is Login's refusal: a 400 whose
// non-field error is InvalidCredentials. The email may be unknown or the
// password wrong, and the server does not say which. A hardened vsauth
// server gives the same answer, on purpose, while it throttles an account
// after failed logins (1 s after the first failure, doubling up to 15
// minutes by default), so there the refusal may also mean "locked for a
// while: try again later" with the right password. Nothing is retried.
func IsInvalidCredentials(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest && slices.Contains(e.NonField, InvalidCredentials)
}

// IsNotFound reports whether err is a 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

func newError(res *http.Response, body []byte, cl call) *Error {
	e := &Error{StatusCode: res.StatusCode, Body: body}
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		// Not an error body: it may hold a token.
		e.note = "unexpected status (want " + strconv.Itoa(cl.want) + " " + http.StatusText(cl.want) + ")"
		return e
	case res.StatusCode >= 300 && res.StatusCode < 400:
		loc := res.Header.Get("Location")
		e.note = "the server redirected"
		if loc != "" {
			e.note += " to " + scrub(redactPath(loc), cl.secrets)
		}
		e.note += "; redirects are not followed, check the base URL"
		return e
	case len(bytes.TrimSpace(body)) == 0:
		if cl.codeVerify && res.StatusCode == http.StatusBadRequest {
			e.codeRejected = true
			e.note = ErrCodeRejected.Error()
		}
		return e
	}
	if !isJSON(res.Header.Get("Content-Type")) || !json.Valid(body) {
		e.note = "unexpected response: " + describeBody(res.Header.Get("Content-Type"), body, cl.secrets)
		return e
	}
	decodeErrorBody(e, body)
	e.Detail = scrub(e.Detail, cl.secrets)
	for i, m := range e.NonField {
		e.NonField[i] = scrub(m, cl.secrets)
	}
	for _, msgs := range e.Fields {
		for i, m := range msgs {
			msgs[i] = scrub(m, cl.secrets)
		}
	}
	return e
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// decodeErrorBody reads DRF's error shapes: {"detail": "…"}, field errors
// (possibly nested), non_field_errors, and a bare list of messages. It walks
// the tokens so that fields keep the server's (serializer) order.
func decodeErrorBody(e *Error, body []byte) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return
	}
	switch t {
	case json.Delim('['):
		e.NonField = readMessages(dec)
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return
			}
			key, _ := k.(string)
			readField(dec, e, "", key)
		}
	default:
		e.Detail = tokenText(t)
	}
}

// readField reads the value of key (inside prefix) and files its messages.
func readField(dec *json.Decoder, e *Error, prefix, key string) {
	name := key
	if prefix != "" {
		name = prefix + "." + key
		if key == "non_field_errors" {
			name = prefix
		}
	}
	t, err := dec.Token()
	if err != nil {
		return
	}
	switch t {
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return
			}
			sub, _ := k.(string)
			readField(dec, e, name, sub)
		}
		_, _ = dec.Token()
	case json.Delim('['):
		msgs := readMessages(dec)
		if prefix == "" && key == "non_field_errors" {
			e.NonField = append(e.NonField, msgs...)
			return
		}
		e.addField(name, msgs...)
	default:
		// DRF's non-validation errors: {"detail": "…"}.
		if s, ok := t.(string); ok && prefix == "" && key == "detail" {
			e.Detail = s
			return
		}
		e.addField(name, tokenText(t))
	}
}

// readMessages reads the rest of an array whose '[' was consumed; nested
// values are kept as their JSON text.
func readMessages(dec *json.Decoder) []string {
	var out []string
	for dec.More() {
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return out
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out = append(out, s)
		} else {
			out = append(out, string(raw))
		}
	}
	_, _ = dec.Token()
	return out
}

func tokenText(t json.Token) string {
	switch t := t.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case nil:
		return "null"
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

func (e *Error) addField(name string, msgs ...string) {
	if e.Fields == nil {
		e.Fields = map[string][]string{}
	}
	if _, ok := e.Fields[name]; !ok {
		e.fieldOrder = append(e.fieldOrder, name)
	}
	e.Fields[name] = append(e.Fields[name], msgs...)
}

var (
	tagRE       = regexp.MustCompile(`<[^>]*>`)
	spaceRE     = regexp.MustCompile(`\s+`)
	jwtInTextRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
)

// describeBody is a short, secret-free excerpt of a non-JSON body, e.g.
// `text/html "Not Found: The requested resource was not found on this server."`.
func describeBody(contentType string, body []byte, secrets []string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "" {
		mt = "no content type"
	}
	var pieces []string
	for _, p := range tagRE.Split(string(body), -1) {
		if p = strings.TrimSpace(spaceRE.ReplaceAllString(p, " ")); p != "" {
			pieces = append(pieces, p)
		}
	}
	text := scrub(strings.Join(pieces, ": "), secrets)
	const max = 120
	if r := []rune(text); len(r) > max {
		text = string(r[:max]) + "…"
	}
	return mt + " " + strconv.Quote(text)
}

// scrub replaces every secret the request carried in text the server sent
// back, in case a misbehaving server or proxy echoes the request. Secrets are
// trimmed as the server trims them; ones shorter than minScrub are left
// alone: replacing every "a" would garble the message and protect nothing
// (the server accepts no password that short).
func scrub(text string, secrets []string) string {
	const minScrub = 4
	for _, s := range secrets {
		if s = strings.TrimSpace(s); len(s) >= minScrub {
			text = strings.ReplaceAll(text, s, redacted)
		}
	}
	// Someone else's token is no less a secret.
	return jwtInTextRE.ReplaceAllString(text, redacted)
}
