// Package store keeps vsauth's state in the same tables, columns and types as the
// original Django backend (users, account_profile, otp_totp_totpdevice,
// otp_static_staticdevice, otp_static_statictoken), plus vsauth's own tables for the
// server secret and the mail outbox. A database created by the original can be served
// as it is: migrations only add what is missing.
package store

import (
	"errors"
	"time"
)

// ErrNotFound is returned when the row asked for does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicateEmail is returned by CreateUser when the unique constraint on
// users.email rejects the insert.
var ErrDuplicateEmail = errors.New("store: email already exists")

// User is a row of the users table.
type User struct {
	ID          int64
	Password    string // Django encoded hash: pbkdf2_sha256$iter$salt$hash
	LastLogin   *time.Time
	IsSuperuser bool
	Email       string
	IsActive    bool
	IsAdmin     bool
	JWTSecret   string // lower-case hyphenated UUID, the HMAC key of the user's JWTs
	DateJoined  time.Time
}

// Profile is the account_profile row of a user. Nil fields are SQL NULL.
type Profile struct {
	DisplayName  *string
	ProfileImage *string
	About        *string
}

// TOTPDevice is a row of otp_totp_totpdevice (django-otp), with the throttling
// columns django-otp 1.x added.
type TOTPDevice struct {
	ID        int64
	UserID    int64
	Name      string
	Confirmed bool
	Key       string // hex, 40 characters for the 20-byte keys vsauth creates
	Step      int
	T0        int64
	Digits    int
	Tolerance int
	Drift     int
	LastT     int64
	Throttle  Throttle
}

// Throttle is django-otp 1.x's ThrottlingMixin state of a device.
type Throttle struct {
	FailureTimestamp *time.Time
	FailureCount     int
}

// StaticDevice is a row of otp_static_staticdevice.
type StaticDevice struct {
	ID        int64
	UserID    int64
	Name      string
	Confirmed bool
	Throttle  Throttle
}

// Mail is one message of the outbox. Raw is the complete RFC 5322 message.
type Mail struct {
	ID          int64
	CreatedAt   time.Time
	From        string
	To          string
	Subject     string
	Raw         []byte
	SentAt      *time.Time // nil while not delivered by SMTP (or when no SMTP is configured)
	Attempts    int
	LastError   string
	NextAttempt *time.Time
}
