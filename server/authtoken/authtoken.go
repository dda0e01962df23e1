// Package authtoken mints and checks the JSON Web Tokens of the original backend
// byte for byte: djangorestframework-jwt 1.11.0 on PyJWT 1.6.4, HS256, keyed with
// each user's own jwt_secret (API.md §2).
//
// Checking follows the original's order exactly, including its quirk of looking the
// signing key up by the unverified payload's user_id before anything is verified,
// because which of the four outcomes a bad token gets is visible on the wire.
package authtoken

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/virtualspaces/vsauth/internal/pyconv"
	"github.com/virtualspaces/vsauth/internal/pyjson"
)

// header is what PyJWT 1.6.4 writes for HS256: its dict order puts typ first.
const header = `{"typ":"JWT","alg":"HS256"}`

// Claims is what the server puts in a token, in the order it is serialized.
type Claims struct {
	UserID      int64
	Username    string  // the user's email as stored
	Exp         int64   // Unix seconds
	OTPDeviceID *string // persistent id of the verified OTP device; nil is null
	OrigIAT     *int64  // only in hardened tokens (refresh enabled); nil omits it
}

// Sign returns the compact JWS of c, HMAC-SHA256 keyed with the UTF-8 bytes of
// secret (the user's hyphenated lower-case jwt_secret).
func Sign(c Claims, secret string) string {
	p := make([]byte, 0, 128)
	p = append(p, `{"user_id":`...)
	p = strconv.AppendInt(p, c.UserID, 10)
	p = append(p, `,"username":`...)
	p = pyjson.AppendString(p, c.Username, true)
	p = append(p, `,"exp":`...)
	p = strconv.AppendInt(p, c.Exp, 10)
	p = append(p, `,"otp_device_id":`...)
	if c.OTPDeviceID == nil {
		p = append(p, "null"...)
	} else {
		p = pyjson.AppendString(p, *c.OTPDeviceID, true)
	}
	if c.OrigIAT != nil {
		p = append(p, `,"orig_iat":`...)
		p = strconv.AppendInt(p, *c.OrigIAT, 10)
	}
	p = append(p, '}')

	enc := base64.RawURLEncoding
	signingInput := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(p)
	sig, err := jwt.SigningMethodHS256.Sign(signingInput, []byte(secret))
	if err != nil {
		// Only a non-[]byte key or a missing SHA-256 can fail, neither possible here.
		panic("authtoken: HS256 signing failed: " + err.Error())
	}
	return signingInput + "." + enc.EncodeToString(sig)
}

// Kind classifies why a token was refused.
type Kind int

const (
	// DecodeError: malformed token, bad signature, or a non-integer exp or nbf.
	DecodeError Kind = iota + 1
	// Invalid: an algorithm other than HS256, a future nbf, a non-integer iat or
	// an aud claim (PyJWT's other InvalidTokenErrors).
	Invalid
	// Expired: exp is in the past.
	Expired
	// UnknownUser: the unverified user_id names no user (a 500 in the original,
	// API.md §7 D1).
	UnknownUser
)

// Message is the detail text the original sends for k.
func (k Kind) Message() string {
	switch k {
	case Invalid:
		return "Incorrect authentication credentials."
	case Expired:
		return "Signature has expired."
	default:
		return "Error decoding signature."
	}
}

func (k Kind) String() string {
	switch k {
	case DecodeError:
		return "DecodeError"
	case Invalid:
		return "Invalid"
	case Expired:
		return "Expired"
	case UnknownUser:
		return "UnknownUser"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is the error Decode returns. Its Error text is the wire message of its
// Kind, so it can be sent as it is; Reason says more, for logs, and never holds
// token material.
type Error struct {
	Kind   Kind
	Reason string
	Err    error // the key lookup's error, for UnknownUser
}

func (e *Error) Error() string { return e.Kind.Message() }

func (e *Error) Unwrap() error { return e.Err }

func fail(k Kind, reason string) *Error { return &Error{Kind: k, Reason: reason} }

// SecretFunc returns the jwt_secret of the user with primary key
// unverified.UserID(), or an error if there is no such user. Nothing in
// unverified is checked yet: it may only choose what to read (a caller reads
// the token's device along with the key), never decide anything.
type SecretFunc func(unverified *Payload) (secret string, err error)

// Payload is a token's claims; Decode returns it once verified.
type Payload struct {
	// claims and has are the members named by claimKeys, read in one pass.
	claims [len(claimKeys)]pyjson.Value
	has    [len(claimKeys)]bool
	userID int64
}

// Decode verifies token as drf-jwt's jwt_decode_handler does (API.md §2.2 steps
// a–f), with now as the clock, and returns its payload. Every failure is an *Error.
// The checks of steps g–i (username, user, active) are the caller's.
func Decode(token string, now time.Time, secretFor SecretFunc) (*Payload, error) {
	// Step a: PyJWS._load, then the payload must be a JSON object.
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return nil, fail(DecodeError, "not enough segments")
	}
	signingInput, cryptoSeg := token[:dot], token[dot+1:]
	headerSeg, payloadSeg, ok := strings.Cut(signingInput, ".")
	if !ok {
		return nil, fail(DecodeError, "not enough segments")
	}
	headerJSON, ok := b64urlDecode(headerSeg)
	if !ok {
		return nil, fail(DecodeError, "invalid header padding")
	}
	hdr, err := loadsUTF8(headerJSON)
	if err != nil || hdr.Kind() != pyjson.Dict {
		return nil, fail(DecodeError, "invalid header string")
	}
	payloadJSON, ok := b64urlDecode(payloadSeg)
	if !ok {
		return nil, fail(DecodeError, "invalid payload padding")
	}
	sig, ok := b64urlDecode(cryptoSeg)
	if !ok {
		return nil, fail(DecodeError, "invalid crypto padding")
	}
	payload, err := loadsUTF8(payloadJSON)
	if err != nil || payload.Kind() != pyjson.Dict {
		return nil, fail(DecodeError, "invalid payload string")
	}

	// Step b: User.objects.get(pk=payload.get('user_id')), where Django applies
	// int() to the value.
	p := &Payload{}
	payload.GetEach(claimKeys[:], p.claims[:], p.has[:])
	uidValue, ok := p.claim(claimUserID)
	if !ok || uidValue.Kind() == pyjson.Null {
		return nil, fail(UnknownUser, "no user_id")
	}
	uid, ok := uidValue.PyInt()
	if !ok || !uid.IsInt64() {
		return nil, fail(UnknownUser, "user_id is not an integer")
	}
	p.userID = uid.Int64()
	secret, err := secretFor(p)
	if err != nil {
		return nil, &Error{Kind: UnknownUser, Reason: "user_id lookup failed", Err: err}
	}

	// Steps c, d: PyJWS._verify_signature with algorithms=['HS256'].
	if alg, _ := hdr.Get("alg"); alg.Kind() != pyjson.Str || alg.Str() != "HS256" {
		return nil, fail(Invalid, "algorithm not allowed")
	}
	if jwt.SigningMethodHS256.Verify(signingInput, sig, []byte(secret)) != nil {
		return nil, fail(DecodeError, "signature verification failed")
	}

	// Steps e, f: PyJWT._validate_claims, in its order: iat, nbf, exp, iss (no
	// issuer configured, so nothing), aud. Where the original let a TypeError or
	// OverflowError escape (a 500), the claim's ValueError outcome is used.
	nowSec := big.NewInt(now.Unix())
	if v, ok := p.claim(claimIat); ok {
		if _, ok := v.PyInt(); !ok {
			return nil, fail(Invalid, "iat must be an integer")
		}
	}
	if v, ok := p.claim(claimNbf); ok {
		nbf, ok := v.PyInt()
		if !ok {
			return nil, fail(DecodeError, "nbf must be an integer")
		}
		if nbf.Cmp(nowSec) > 0 {
			return nil, fail(Invalid, "token not yet valid (nbf)")
		}
	}
	if v, ok := p.claim(claimExp); ok {
		exp, ok := v.PyInt()
		if !ok {
			return nil, fail(DecodeError, "exp must be an integer")
		}
		if exp.Cmp(nowSec) < 0 {
			return nil, fail(Expired, "signature has expired")
		}
	}
	if _, ok := p.claim(claimAud); ok {
		return nil, fail(Invalid, "invalid audience")
	}
	return p, nil
}

// maxJSONDepth stands in for Python's recursion limit, which a deeply nested
// token would hit.
const maxJSONDepth = 500

// jsonDecoder is json.loads as PyJWT calls it, on the token's header and
// payload: Python's rules, not encoding/json's, because the claim checks
// depend on which Python type a value has; NaN and the infinities are floats
// and integers are exact at any size.
var jsonDecoder = pyjson.Decoder{MaxDepth: maxJSONDepth}

var errNotUTF8 = errors.New("invalid UTF-8")

// loadsUTF8 is json.loads(data.decode('utf-8')).
func loadsUTF8(data []byte) (pyjson.Value, error) {
	if !utf8.Valid(data) {
		return pyjson.Value{}, errNotUTF8
	}
	return jsonDecoder.Loads(string(data))
}

// b64urlDecode is PyJWT's base64url_decode: pad to a multiple of four, then
// Python's lenient decoder.
func b64urlDecode(seg string) ([]byte, bool) {
	b := []byte(seg)
	if rem := len(b) % 4; rem > 0 {
		b = append(b, strings.Repeat("=", 4-rem)...)
	}
	return pyconv.URLSafeB64Decode(b)
}

// claimKeys are the payload members anything reads, at the indexes below.
var claimKeys = [...]string{"user_id", "username", "exp", "iat", "nbf", "aud", "otp_device_id", "orig_iat"}

const (
	claimUserID = iota
	claimUsername
	claimExp
	claimIat
	claimNbf
	claimAud
	claimOTPDeviceID
	claimOrigIAT
)

// claim is payload.get(claimKeys[i]).
func (p *Payload) claim(i int) (pyjson.Value, bool) { return p.claims[i], p.has[i] }

// UserID is the user_id the signing key was looked up with.
func (p *Payload) UserID() int64 { return p.userID }

// Username is the username claim as drf-jwt uses it. It is "" when the claim is
// missing or falsy in Python terms (null, "", 0, false, empty list or object),
// which the original answers with "Invalid payload.". A string is returned as it
// is, true as "True" and an integer in decimal, as Python's str() would; any
// other value is returned as its JSON text, which, like Python's str() of it,
// cannot be a stored email, so it finds no user either way.
func (p *Payload) Username() string {
	v, _ := p.claim(claimUsername)
	if !v.Truth() {
		return ""
	}
	switch v.Kind() {
	case pyjson.Str:
		return v.Str()
	case pyjson.Bool:
		return "True"
	case pyjson.Int:
		return v.IntText()
	}
	return v.Raw()
}

// OTPDeviceID is the otp_device_id claim, or "" when it is missing, null or not
// a string. The original treats null and "" as "not verified" and crashed on
// other types; they are "not verified" here too.
func (p *Payload) OTPDeviceID() string {
	v, _ := p.claim(claimOTPDeviceID)
	return v.Str()
}

// OrigIAT is the orig_iat claim as drf-jwt's refresh uses it: ok is false when
// the claim is missing or falsy ("orig_iat field is required."), and also for
// strings, lists and objects, which the original could not add a number to (a
// 500). Floats are floored, which keeps "now > orig_iat + delta" unchanged;
// integers beyond int64 are clamped.
func (p *Payload) OrigIAT() (iat int64, ok bool) {
	v, _ := p.claim(claimOrigIAT)
	if !v.Truth() {
		return 0, false
	}
	switch v.Kind() {
	case pyjson.Bool:
		return 1, true
	case pyjson.Int:
		return clampInt64(v.Int()), true
	case pyjson.Float:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return 0, false
		case f >= math.MaxInt64:
			return math.MaxInt64, true
		case f <= math.MinInt64:
			return math.MinInt64, true
		}
		return int64(math.Floor(f)), true
	}
	return 0, false
}

func clampInt64(n *big.Int) int64 {
	switch {
	case n.IsInt64():
		return n.Int64()
	case n.Sign() > 0:
		return math.MaxInt64
	}
	return math.MinInt64
}

// HeaderError is a refused Authorization header. Its text is the original's 401
// detail, sent as it is.
type HeaderError struct{ detail string }

func (e *HeaderError) Error() string { return e.detail }

// ErrNoCredentials and ErrCredentialsHaveSpaces are FromHeader's two refusals.
var (
	ErrNoCredentials         = &HeaderError{"Invalid Authorization header. No credentials provided."}
	ErrCredentialsHaveSpaces = &HeaderError{"Invalid Authorization header. Credentials string should not contain spaces."}
)

// FromHeader extracts the token from an Authorization header value the way
// drf-jwt's get_jwt_value does (API.md §2.1). present is false, with a nil error,
// when the request is anonymous: no header, or a scheme other than "JWT" (any
// case; no non-ASCII rune case-folds to j, w or t, so EqualFold is Python's
// bytes.lower() comparison here). Only ASCII whitespace separates words, as with
// Python's bytes.split().
func FromHeader(h string) (token string, present bool, err error) {
	words := strings.FieldsFunc(h, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
		return false
	})
	if len(words) == 0 || !strings.EqualFold(words[0], "jwt") {
		return "", false, nil
	}
	switch len(words) {
	case 1:
		return "", false, ErrNoCredentials
	case 2:
		return words[1], true, nil
	}
	return "", false, ErrCredentialsHaveSpaces
}

// NewSecret draws a user's JWT key: Python's uuid4() in its canonical,
// lower-case hyphenated form, from r (crypto/rand in production).
func NewSecret(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("drawing a jwt secret: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
