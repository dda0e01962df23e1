// Package otp is the second factor of django-otp 0.5.1 as the original backend
// uses it: TOTP devices with their drift and replay state, static backup codes,
// the otpauth:// URL, the devices' persistent ids, plus django-otp 1.x's
// exponential throttling for the hardened profile (API.md §6).
//
// Everything here is a pure function of its arguments; callers load a device,
// ask, and persist the answer (VerifyTOTP's t and drift) themselves.
package otp

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/virtualspaces/vsauth/internal/pyconv"
	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server/store"
)

// NewTOTPKey returns a new TOTP key as django-otp's default_key makes it: 20
// bytes from r as 40 lower-case hex characters.
func NewTOTPKey(r io.Reader) (string, error) {
	var b [20]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("otp: reading random key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// NewStaticToken returns a new backup code as StaticToken.random_token makes it:
// 5 bytes from r in lower-case base32, 8 characters from a-z2-7.
func NewStaticToken(r io.Reader) (string, error) {
	var b [5]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("otp: reading random token: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.EncodeToString(b[:])), nil
}

// ConfigURL is TOTPDevice.config_url of django-otp 0.5.1 without an issuer: the
// label is Python's quote(email) and the parameters come in the order secret,
// algorithm, digits, period.
func ConfigURL(email, keyHex string, digits, step int) (string, error) {
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return "", errors.New("otp: device key is not hex")
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(pyQuote(email, "/"))
	b.WriteString("?secret=")
	b.WriteString(pyQuote(base32.StdEncoding.EncodeToString(key), ""))
	b.WriteString("&algorithm=SHA1&digits=")
	b.WriteString(strconv.Itoa(digits))
	b.WriteString("&period=")
	b.WriteString(strconv.Itoa(step))
	return b.String(), nil
}

// pyQuote is Python 3.7's urllib.parse.quote: UTF-8 bytes outside letters,
// digits, "_.-~" and safe become upper-case %XX. For the base32 secret it is also
// what urlencode's quote_plus does, as base32 has no spaces.
func pyQuote(s, safe string) string {
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xf])
	}
	return b.String()
}

// HOTP is RFC 4226's HOTP value of key at counter, as django-otp's oath.hotp
// computes it: an integer below 10^digits, not zero-padded. counter must not be
// negative (Python's struct.pack refuses it).
func HOTP(key []byte, counter int64, digits int) int {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	mac.Write(msg[:])
	hs := mac.Sum(nil)
	offset := hs[19] & 0x0f
	code := int64(hs[offset]&0x7f)<<24 | int64(hs[offset+1])<<16 | int64(hs[offset+2])<<8 | int64(hs[offset+3])
	mod := int64(1)
	for i := 0; i < digits && mod <= math.MaxInt32; i++ {
		mod *= 10
	}
	return int(code % mod)
}

// VerifyTOTP checks code against device d at now as django-otp 0.5.1's
// TOTPDevice.verify_token does (API.md §6.3): the code is read with Python's
// int(), and the steps T+drift-tolerance … T+drift+tolerance are tried in
// ascending order, skipping any not after d.LastT. On success it returns the
// matching step t and the new drift, which the caller must store (as last_t and
// drift) atomically with respect to other verifications of the device.
func VerifyTOTP(d store.TOTPDevice, code string, now time.Time) (t int64, drift int, ok bool) {
	token, ok := pyconv.ParseInt64(code, 10)
	if !ok {
		return 0, 0, false
	}
	key, err := hex.DecodeString(d.Key)
	if err != nil || d.Step <= 0 {
		return 0, 0, false
	}
	step := int64(d.Step)
	elapsed := now.Unix() - d.T0
	// Python's // floors; Go's / truncates toward zero.
	T := elapsed / step
	if elapsed%step != 0 && elapsed < 0 {
		T--
	}
	for offset := -d.Tolerance; offset <= d.Tolerance; offset++ {
		t := T + int64(d.Drift) + int64(offset)
		if t < d.LastT+1 || t < 0 {
			continue
		}
		if int64(HOTP(key, t, d.Digits)) == token {
			return t, d.Drift + offset, true
		}
	}
	return 0, 0, false
}

// maxDelaySeconds caps the throttle delay where factor·2^(n-1) would overflow a
// time.Duration; it is about 292 years.
const maxDelaySeconds = math.MaxInt64 / int64(time.Second)

// ThrottlePolicy is django-otp 1.x's ThrottlingMixin rule: after n
// consecutive failures, the last at the throttle's FailureTimestamp,
// verification is refused until Factor·2^(n-1) seconds after that failure.
// A Factor of 0 (or less) disables throttling. Max, when positive, caps the
// delay: vsauth's addition for failed logins, where an uncapped doubling lets
// anyone who knows an e-mail address lock its owner out for years.
type ThrottlePolicy struct {
	Factor int
	Max    time.Duration
}

// Allows is verify_is_allowed under p. When it refuses, lockedUntil is the
// moment it will allow again. Its signature is store.ThrottleRule's, so the
// store can apply it inside the transaction that records the attempt.
func (p ThrottlePolicy) Allows(th store.Throttle, now time.Time) (allowed bool, lockedUntil time.Time) {
	if p.Factor <= 0 || th.FailureCount <= 0 || th.FailureTimestamp == nil {
		return true, time.Time{}
	}
	required := int64(maxDelaySeconds)
	if th.FailureCount-1 < 62 {
		pow := int64(1) << uint(th.FailureCount-1)
		if pow <= maxDelaySeconds/int64(p.Factor) {
			required = int64(p.Factor) * pow
		}
	}
	delay := time.Duration(required) * time.Second
	if p.Max > 0 && delay > p.Max {
		delay = p.Max
	}
	if now.Sub(*th.FailureTimestamp) < delay {
		return false, th.FailureTimestamp.Add(delay)
	}
	return true, time.Time{}
}

// Device kinds, as django-otp's model labels spell them in persistent ids.
const (
	KindTOTP   = totp.DeviceKind
	KindStatic = "otp_static.staticdevice"
)

// PersistentID is django-otp's Device.persistent_id: "<model label>/<id>".
func PersistentID(kind string, id int64) string {
	return kind + "/" + strconv.FormatInt(id, 10)
}

// ParsePersistentID reads a persistent id as Device.from_persistent_id does:
// split at the last '/', the label must be exactly "<app>.<model>" with the model
// name matched case-insensitively (Django's apps.get_model) and naming one of the
// two device models, and the id goes through Python's int(). The pre-0.4 form
// with an import path ("django_otp.plugins.otp_totp.models.TOTPDevice/1") is
// refused, as 0.5.1 refuses it. kind is returned in canonical form.
func ParsePersistentID(s string) (kind string, id int64, ok bool) {
	slash := strings.LastIndexByte(s, '/')
	if slash < 0 {
		return "", 0, false
	}
	app, model, found := strings.Cut(s[:slash], ".")
	if !found || strings.Contains(model, ".") {
		return "", 0, false
	}
	kind = app + "." + strings.ToLower(model)
	if kind != KindTOTP && kind != KindStatic {
		return "", 0, false
	}
	id, ok = pyconv.ParseInt64(s[slash+1:], 10)
	if !ok {
		return "", 0, false
	}
	return kind, id, true
}
