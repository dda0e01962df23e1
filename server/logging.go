package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// accessWriter records what a handler answered, for the access log.
type accessWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *accessWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *accessWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *accessWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logAccess writes the access log line of one request and counts it in
// Metrics. The path is the route's name, with its codes replaced by
// placeholders; a path no route matched is redacted the same way, since it
// may be a mistyped one.
func (s *Server) logAccess(r *http.Request, w *accessWriter, route string, began time.Time) {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	took := s.now().Sub(began)
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Request(route, r.Method, status, took)
	}
	if !s.cfg.Logger.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	if route == "" {
		route = redactPath(r.URL.Path)
	}
	s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("bytes", w.bytes),
		slog.Duration("duration", took),
		slog.String("client", clientString(s.forwarded(r))),
	)
}

func clientString(o origin) string {
	if !o.client.IsValid() {
		return "unknown"
	}
	return o.client.String()
}

// Security events. Each is one log line naming the account by id (never by
// e-mail address) and the client; none carries a password, token, code,
// secret or reset link.
const (
	evLoginOK             = "login ok"
	evLoginFailed         = "login failed"
	evLoginThrottled      = "login throttled"
	evSecondStepOK        = "second step ok"
	evSecondStepFailed    = "second step failed"
	evSecondStepThrottled = "second step throttled"
	evPasswordChanged     = "password changed"
	evPasswordReset       = "password reset"
	evTOTPEnrolled        = "totp enrolled"
	evTOTPDeleted         = "totp deleted"
	evCodesMade           = "emergency codes made"
	evCodeUsed            = "emergency code used"
	evLogoutAll           = "logout all"
	evAccountDeleted      = "account deleted"
)

// event logs a security event of the account userID (0: no known account).
// Successes are Info, refusals Warn, so --log-level warn keeps the attacks.
func (s *Server) event(r *http.Request, msg string, userID int64, attrs ...slog.Attr) {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.SecurityEvent(msg)
	}
	level := slog.LevelInfo
	if strings.HasSuffix(msg, "failed") || strings.HasSuffix(msg, "throttled") {
		level = slog.LevelWarn
	}
	ctx := context.WithoutCancel(r.Context())
	if !s.cfg.Logger.Enabled(ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, len(attrs)+3)
	all = append(all, slog.String("event", "security"))
	if userID != 0 {
		all = append(all, slog.Int64("user_id", userID))
	}
	all = append(all, attrs...)
	all = append(all, slog.String("client", clientString(s.forwarded(r))))
	s.cfg.Logger.LogAttrs(ctx, level, msg, all...)
}
