// Package resettoken makes and checks password-reset links exactly as the
// original does: the uid is djoser 1.3.1's base64 of the primary key and the token
// is Django 2.1.5's PasswordResetTokenGenerator (API.md §5.1, §5.2), so links sent
// by either implementation work with the other.
package resettoken

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/virtualspaces/vsauth/internal/pyconv"
)

// EncodeUID is djoser's encode_uid: base64url of the decimal pk, padding stripped.
func EncodeUID(pk int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(pk, 10)))
}

// DecodeUID is djoser's decode_uid followed by the int() Django applies to a pk:
// Django's urlsafe_base64_decode pads with len%4 '=' (not what base64 needs, but
// Python's decoder is lenient), skips bytes outside the alphabet and takes both
// "-_" and "+/"; the bytes must be UTF-8; the text may carry whitespace, a sign,
// underscores and non-ASCII digits. ok is false wherever the original answers
// "Invalid user id or user doesn't exist." without a lookup.
func DecodeUID(s string) (pk int64, ok bool) {
	b := []byte(s)
	b = append(b, strings.Repeat("=", len(b)%4)...)
	raw, ok := pyconv.URLSafeB64Decode(b)
	if !ok || !utf8.Valid(raw) {
		return 0, false
	}
	return pyconv.ParseInt64(string(raw), 10)
}

// keySalt is Django's PasswordResetTokenGenerator.key_salt.
const keySalt = "django.contrib.auth.tokens.PasswordResetTokenGenerator"

// timeoutDays is PASSWORD_RESET_TIMEOUT_DAYS (Django's default).
const timeoutDays = 3

// maxTimestampLen is base36_to_int's limit, 13 base36 digits.
const maxTimestampLen = 13

// Generator makes and checks reset tokens keyed with the deployment's secret key
// (the original's SECRET_KEY).
type Generator struct {
	SecretKey string
}

// Make returns the reset token for a user with primary key pk, password hash
// passwordHash and last login lastLogin (nil if never) on now's UTC date.
func (g Generator) Make(pk int64, passwordHash string, lastLogin *time.Time, now time.Time) string {
	return g.tokenWithTimestamp(pk, passwordHash, lastLogin, daysSince2001(now))
}

// Check reports whether token is a valid reset token for the user at now. It is
// valid from the day it was made through the third day after: the age is counted
// in whole UTC days.
func (g Generator) Check(token string, pk int64, passwordHash string, lastLogin *time.Time, now time.Time) bool {
	tsB36, _, ok := strings.Cut(token, "-")
	if !ok || strings.Count(token, "-") != 1 {
		return false
	}
	if utf8.RuneCountInString(tsB36) > maxTimestampLen {
		return false
	}
	// Python's int(ts_b36, 36) is lenient, but the token is then rebuilt from the
	// number and compared whole, so only the canonical form can pass. Negative
	// or oversized values, a 500 in the original, fail here.
	ts, ok := pyconv.ParseInt64(tsB36, 36)
	if !ok || ts < 0 {
		return false
	}
	want := g.tokenWithTimestamp(pk, passwordHash, lastLogin, ts)
	if subtle.ConstantTimeCompare([]byte(want), []byte(token)) != 1 {
		return false
	}
	return daysSince2001(now)-ts <= timeoutDays
}

// Lifetime reads the day token was made (midnight UTC) and the moment it
// stops being valid by age: the start of the fourth day after, as Check
// counts. It says nothing of whether the token matches an account: Check
// on the day it was made tells that. ok is false when token has no
// timestamp Check could accept.
func Lifetime(token string) (made, expires time.Time, ok bool) {
	tsB36, _, found := strings.Cut(token, "-")
	if !found || utf8.RuneCountInString(tsB36) > maxTimestampLen {
		return time.Time{}, time.Time{}, false
	}
	ts, ok := pyconv.ParseInt64(tsB36, 36)
	if !ok || ts < 0 || ts > maxDays {
		return time.Time{}, time.Time{}, false
	}
	made = epoch.AddDate(0, 0, int(ts))
	return made, made.AddDate(0, 0, timeoutDays+1), true
}

// maxDays keeps Lifetime's dates within time.Time's range (year 9999).
const maxDays = 3_000_000

var epoch = time.Date(2001, time.January, 1, 0, 0, 0, 0, time.UTC)

func (g Generator) tokenWithTimestamp(pk int64, passwordHash string, lastLogin *time.Time, ts int64) string {
	// Django's salted_hmac: the HMAC key is SHA1(key_salt + secret).
	key := sha1.Sum([]byte(keySalt + g.SecretKey))
	var value strings.Builder
	value.WriteString(strconv.FormatInt(pk, 10))
	value.WriteString(passwordHash)
	if lastLogin != nil {
		// str() of the UTC datetime with microseconds and tzinfo removed.
		value.WriteString(lastLogin.UTC().Format("2006-01-02 15:04:05"))
	}
	value.WriteString(strconv.FormatInt(ts, 10))
	mac := hmac.New(sha1.New, key[:])
	mac.Write([]byte(value.String()))
	full := hex.EncodeToString(mac.Sum(nil))
	short := make([]byte, 0, len(full)/2)
	for i := 0; i < len(full); i += 2 {
		short = append(short, full[i])
	}
	return strconv.FormatInt(ts, 36) + "-" + string(short)
}

// daysSince2001 is Django's _num_days(_today()): whole days from 2001-01-01 to
// now's date, with the server's TIME_ZONE being UTC.
func daysSince2001(now time.Time) int64 {
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return int64(today.Sub(epoch) / (24 * time.Hour))
}
