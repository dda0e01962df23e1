package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/password"
)

// Profile selects how faithfully the server reproduces the original backend.
type Profile string

const (
	// Compat reproduces everything a client of the original can observe, except
	// its crashes (API.md §7.1).
	Compat Profile = "compat"
	// Hardened is Compat plus fixes for the original's security defects.
	Hardened Profile = "hardened"
)

// ParseProfile maps a flag value to a Profile.
func ParseProfile(s string) (Profile, bool) {
	switch Profile(s) {
	case Compat, Hardened:
		return Profile(s), true
	}
	return "", false
}

// Mailer accepts a message for delivery. The server answers only after Send
// returned nil, so Send must have stored the message durably.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// DefaultLoginLockMax is the longest a run of failed logins locks an account
// in the hardened profile, as Keycloak's default maximum wait.
const DefaultLoginLockMax = 15 * time.Minute

// Config holds everything the server needs. Only Store is required; every
// other field has a working default, so Config{Store: st} is a complete
// server (see the package example).
type Config struct {
	Store Store
	// Mailer accepts outgoing mail; nil keeps it in the Store's outbox when
	// the Store has one (store.SQLite does: read it back with ListMail),
	// where nothing delivers it unless a mail.Deliverer runs.
	Mailer Mailer
	// SecretKey is Django's SECRET_KEY: it keys password-reset tokens. ""
	// generates a random key from Rand, so reset links do not survive a
	// restart; production servers set it.
	SecretKey string

	Profile Profile
	// AllowedHosts are Django ALLOWED_HOSTS patterns: "example.com",
	// ".example.com" (domain and subdomains) or "*". Empty means the hosts
	// Django allows in DEBUG mode: localhost, 127.0.0.1 and [::1].
	AllowedHosts []string
	// PasswordIterations is the PBKDF2 count for new hashes; hashes with
	// another count are upgraded on the next successful login.
	PasswordIterations int

	// Clock is the server's only time source; nil means time.Now.
	Clock func() time.Time
	// Rand feeds salts, keys, codes and jwt secrets; nil means crypto/rand.
	Rand   io.Reader
	Logger *slog.Logger

	// OTPThrottleFactor is django-otp 1.x's THROTTLE_FACTOR, used in the
	// hardened profile: after n failures, wait factor·2^(n-1) seconds.
	OTPThrottleFactor int
	// LoginThrottleFactor is the same rule applied to failed logins per account
	// in the hardened profile.
	LoginThrottleFactor int
	// LoginLockMax caps the delay of the login throttle (default 15 minutes;
	// negative for no cap), so that whoever knows an e-mail address can slow
	// its owner's logins down but not lock them out for days.
	LoginLockMax time.Duration

	// ResetMailLimit caps, in the hardened profile, the password-reset mails
	// one account gets per ResetMailWindow (a window starts with its first
	// mail); a request over the cap is answered like one for an unknown
	// address and sends nothing. 0 means DefaultResetMailLimit; negative, no
	// cap. Compat mails every time, as the original does.
	ResetMailLimit  int
	ResetMailWindow time.Duration // 0 means DefaultResetMailWindow

	// MaxBodyBytes is the largest request body a view reads; a view that
	// reads its body answers 413 to a longer one without reading it. 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// MaxPendingResets bounds the hardened profile's reset lookups that run
	// after their 204 (D10): beyond it a request's lookup is dropped, with a
	// warning, instead of a flood of requests piling up goroutines. 0 means
	// DefaultMaxPendingResets.
	MaxPendingResets int

	// PublicURL, when set, is the scheme and host ("https://auth.example.com")
	// that links in answers and mail use, whatever the request said.
	PublicURL string
	// TrustedProxies are the peers whose Forwarded, X-Forwarded-For,
	// X-Forwarded-Proto and X-Forwarded-Host headers are believed. Empty
	// trusts no one: the headers are ignored, as the original did.
	TrustedProxies []netip.Prefix
	// ResetURL is djoser's PASSWORD_RESET_CONFIRM_URL as a whole link, with
	// {uid} and {token} in it ("https://app.example.com/reset/{uid}/{token}").
	// Empty: the original's <scheme>://<host>/password/reset/confirm/<uid>/<token>.
	ResetURL string
	// MailFrom is the From of the server's mail (default mail.DefaultFrom);
	// SiteName is the name reset mail signs with (default: the link's host).
	MailFrom, SiteName string

	// Metrics, when set, is told of every request and security event (see
	// server/metrics for Prometheus).
	Metrics Metrics
}

// Metrics counts what the server does. Its methods are called on the
// request's goroutine and must not block.
type Metrics interface {
	// Request is called once per request, after the answer: route is the
	// route's name ("/api/totp/login/{code}/"), "" when no route matched.
	Request(route, method string, status int, d time.Duration)
	// SecurityEvent is called once per security event ("login failed",
	// "second step throttled", …), whether or not it is logged.
	SecurityEvent(name string)
}

// The default cap on reset mail in the hardened profile: a user who asks
// again because the first mail is slow still gets it; a flood does not.
const (
	DefaultResetMailLimit  = 3
	DefaultResetMailWindow = time.Hour
)

// DefaultMaxBodyBytes is MaxBodyBytes unless configured: 10 MiB, four times
// Django's DATA_UPLOAD_MAX_MEMORY_SIZE. The original capped only multipart
// field data (which vsauth still does, as Django does) and read JSON and
// form bodies whole, so bodies of a few MiB must get its usual answers.
const DefaultMaxBodyBytes = 10 << 20

// DefaultMaxPendingResets is MaxPendingResets unless configured. A lookup
// and an outbox write take a few milliseconds, so only a flood fills it.
const DefaultMaxPendingResets = 256

// errNoMailer: without a Mailer, mail goes to the Store's outbox, which a
// Store need not have.
var errNoMailer = errors.New("server: Config.Mailer is required when the Store has no mail outbox (EnqueueMail)")

func (c *Config) setDefaults() error {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.SecretKey == "" {
		var key [32]byte
		if _, err := io.ReadFull(c.Rand, key[:]); err != nil {
			return fmt.Errorf("server: generate a SecretKey: %w", err)
		}
		c.SecretKey = hex.EncodeToString(key[:])
	}
	if c.Mailer == nil {
		q, ok := c.Store.(mail.Queue)
		if !ok {
			return errNoMailer
		}
		c.Mailer = mail.NewOutbox(q, mail.OutboxOptions{Clock: c.Clock, Rand: c.Rand, Logger: c.Logger})
	}
	if c.Profile == "" {
		c.Profile = Compat
	}
	if c.PasswordIterations <= 0 {
		c.PasswordIterations = password.DefaultIterations
	}
	if len(c.AllowedHosts) == 0 {
		c.AllowedHosts = []string{"localhost", "127.0.0.1", "[::1]"}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.OTPThrottleFactor == 0 {
		c.OTPThrottleFactor = 1
	}
	if c.LoginThrottleFactor == 0 {
		c.LoginThrottleFactor = 1
	}
	if c.LoginLockMax == 0 {
		c.LoginLockMax = DefaultLoginLockMax
	}
	if c.ResetMailLimit == 0 {
		c.ResetMailLimit = DefaultResetMailLimit
	}
	if c.ResetMailWindow <= 0 {
		c.ResetMailWindow = DefaultResetMailWindow
	}
	if c.MaxPendingResets <= 0 {
		c.MaxPendingResets = DefaultMaxPendingResets
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return nil
}
