package client

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/virtualspaces/vsauth/internal/jsonedit"
)

const redacted = "[REDACTED]"

// secretKeys are the JSON fields whose values never reach the trace, in
// requests and responses alike.
var secretKeys = map[string]bool{
	"password": true, "current_password": true, "new_password": true,
	"re_new_password": true, "token": true, "uid": true,
}

var (
	// codePathRE finds the code in /api/totp/login/<code>/ and
	// /api/static/login/<code>/, whatever the prefix.
	codePathRE = regexp.MustCompile(`(/api/(?:totp|static)/login/)[^/?#]*`)
	jwtRE      = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$`)
	otpSecret  = regexp.MustCompile(`(?i)([?&]secret=)[^&#]*`)
)

// redactPath hides the code of the OTP verify paths.
func redactPath(p string) string {
	return codePathRE.ReplaceAllString(p, "${1}"+redacted)
}

// tracer serializes trace lines from concurrent requests.
type tracer struct {
	mu sync.Mutex
	w  io.Writer
}

type traceEntry struct {
	req            *http.Request
	reqBody        []byte
	res            *http.Response // nil when the request failed
	resBody        []byte
	elapsed        time.Duration
	err            error
	secretResponse bool
}

// maxTraceBody keeps trace lines readable; bodies are cut after redaction.
const maxTraceBody = 400

// exchange writes one line:
//
//	POST /api/user/login/ 200 OK 1.2ms auth=none req={"email":"a@b.c","password":"[REDACTED]"} resp={"token":"[REDACTED]"}
func (t *tracer) exchange(e traceEntry) {
	if t == nil {
		return
	}
	var b strings.Builder
	b.WriteString(e.req.Method)
	b.WriteByte(' ')
	b.WriteString(redactPath(e.req.URL.EscapedPath()))
	b.WriteByte(' ')
	if e.res != nil {
		b.WriteString(e.res.Status)
	} else {
		b.WriteString("failed")
	}
	b.WriteByte(' ')
	b.WriteString(e.elapsed.Round(100 * time.Microsecond).String())
	if e.req.Header.Get("Authorization") != "" {
		b.WriteString(" auth=\"JWT " + redacted + "\"")
	} else {
		b.WriteString(" auth=none")
	}
	if len(e.reqBody) > 0 {
		b.WriteString(" req=")
		b.WriteString(traceBody("application/json", e.reqBody, false))
	}
	if e.res != nil {
		if loc := e.res.Header.Get("Location"); loc != "" {
			b.WriteString(" location=" + redactPath(loc))
		}
		if len(e.resBody) > 0 {
			b.WriteString(" resp=")
			b.WriteString(traceBody(e.res.Header.Get("Content-Type"), e.resBody, e.secretResponse))
		}
	}
	if e.err != nil {
		// The error text comes from the transport, after unwrapURLError
		// removed the URL; redactPath covers any path it still names.
		b.WriteString(" error=")
		b.WriteString(fmt.Sprintf("%q", redactPath(e.err.Error())))
	}
	b.WriteByte('\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = io.WriteString(t.w, b.String())
}

// traceBody is a redacted rendering of a body: JSON with secrets replaced,
// or only the type and size of anything else.
func traceBody(contentType string, body []byte, redactAll bool) string {
	if !isJSON(contentType) {
		return fmt.Sprintf("[%s, %d bytes]", strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]), len(body))
	}
	out, ok := redactJSON(body, redactAll)
	if !ok {
		return fmt.Sprintf("[invalid JSON, %d bytes]", len(body))
	}
	if r := []rune(out); len(r) > maxTraceBody {
		out = string(r[:maxTraceBody]) + "…"
	}
	return out
}

// redactJSON re-encodes a JSON document, keeping key order, with the values
// of secret keys (and all within them), JWT-shaped strings and otpauth
// secrets replaced.
func redactJSON(body []byte, redactAll bool) (string, bool) {
	return jsonedit.Rewrite(body, func(path []string, _ bool, v any) any {
		if redactAll || slices.ContainsFunc(path, func(k string) bool { return secretKeys[k] }) {
			return redacted
		}
		if s, ok := v.(string); ok {
			switch {
			case jwtRE.MatchString(s):
				return redacted
			case strings.HasPrefix(strings.ToLower(s), "otpauth://"):
				return otpSecret.ReplaceAllString(s, "${1}"+redacted)
			}
		}
		return v
	})
}
