package harness

import (
	"cmp"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// minSecretLen is the shortest value that is redacted; shorter ones ("1",
// "ok") would blank out unrelated text.
const minSecretLen = 4

// secretWords are the parts of a variable name or JSON field that say what
// vsauth knows as secret: tokens, codes, TOTP secrets, passwords, reset
// links with their uid and token, keys.
var secretWords = []string{"token", "secret", "code", "otp", "passw", "link", "uid", "key", "jwt", "recovery", "credential"}

func hasSecretWord(s string) bool {
	s = strings.ToLower(s)
	for _, w := range secretWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Shapes that are secret whatever they are called: a JWT, an otpauth URL,
// a password-reset link, a TOTP secret in base32.
var (
	jwtShape       = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$`)
	resetLinkShape = regexp.MustCompile(`/password/reset/confirm/[A-Za-z0-9_=-]+/[0-9a-z]+-[0-9a-f]+`)
)

// isPlainValue reports values that are never redacted: too short to mean
// anything on their own, or JSON literals (otp_verified is "true").
func isPlainValue(v string) bool {
	switch v {
	case "true", "false", "null":
		return true
	}
	return len(v) < minSecretLen
}

// looksSecret classifies a captured value by the variable's name, the JSON
// field it came from (path, "" for a regexp capture) and its shape. Ids,
// emails, names and flags are not secret unless their name says so.
func looksSecret(name, path, v string) bool {
	if isPlainValue(v) {
		return false
	}
	if hasSecretWord(name) {
		return true
	}
	if path != "" {
		parts := strings.Split(path, ".")
		if hasSecretWord(parts[len(parts)-1]) {
			return true
		}
	}
	if jwtShape.MatchString(v) || strings.HasPrefix(strings.ToLower(v), "otpauth://") || resetLinkShape.MatchString(v) {
		return true
	}
	_, ok := base32Key(v)
	return ok
}

// base32Key decodes a TOTP secret as people write it (any case, in groups,
// with or without padding); 16 characters (80 bits) at least, the shortest
// secret an authenticator app is given.
func base32Key(v string) ([]byte, bool) {
	s := strings.TrimRight(strings.ToUpper(strings.ReplaceAll(v, " ", "")), "=")
	if len(s) < 16 {
		return nil, false
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return key, err == nil
}

// secretForms are the ways a secret can be printed: as captured, in either
// case, URL- and JSON-escaped; a TOTP secret (or the one in an otpauth URL)
// also plain and in groups of four, padded or not, and as the hex of its key.
func secretForms(v string) []string {
	var forms []string
	add := func(ss ...string) {
		for _, s := range ss {
			if len(s) >= minSecretLen && !slices.Contains(forms, s) {
				forms = append(forms, s)
			}
		}
	}
	escaped := func(s string) []string {
		j, _ := json.Marshal(s)
		return []string{s, strings.ToLower(s), strings.ToUpper(s), url.QueryEscape(s), url.PathEscape(s), string(j[1 : len(j)-1])}
	}
	add(escaped(v)...)
	secret := v
	if strings.HasPrefix(strings.ToLower(v), "otpauth://") {
		if u, err := url.Parse(v); err == nil {
			secret = u.Query().Get("secret")
		}
	}
	if key, ok := base32Key(secret); ok {
		plain := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
		padded := base32.StdEncoding.EncodeToString(key)
		for _, s := range []string{plain, padded, groupsOfFour(plain), groupsOfFour(padded)} {
			add(escaped(s)...)
		}
		add(hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)))
	}
	return forms
}

// secretShapes catch what a flow printed without capturing it: tokens,
// TOTP secrets in otpauth URLs or in groups of four, reset links, lines
// that are one emergency code. Recorded values are replaced first, so they
// keep their names.
var secretShapes = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`), "[redacted:token]"},
	{regexp.MustCompile(`(?i)(secret(?:=|%3D))[A-Z2-7]{16,}`), "${1}[redacted]"},
	{regexp.MustCompile(`\b[A-Z2-7]{4}(?: [A-Z2-7]{4}){3,}(?: [A-Z2-7]{1,4})?\b`), "[redacted:totp-secret]"},
	{regexp.MustCompile(`(/password/reset/confirm/)[A-Za-z0-9_=-]+/[0-9a-z]+-[0-9a-f]+`), "${1}[redacted]"},
	{regexp.MustCompile(`(?m)^[a-z2-9]{8}$`), "[redacted:code]"},
}

type secret struct{ name, value string }

// addSecret records every printed form of value as something reports must
// not show; plain values ("true", short ids) are never recorded.
func (f *flow) addSecret(name, value string) {
	if f == nil || isPlainValue(value) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, form := range secretForms(value) {
		if !slices.ContainsFunc(f.secrets, func(s secret) bool { return s.value == form }) {
			f.secrets = append(f.secrets, secret{name, form})
		}
	}
}

// redactor replaces every recorded secret by [redacted:NAME], longest first
// so that a link is replaced whole rather than around its token, then
// anything shaped like a secret.
func (f *flow) redactor() *redactor {
	r := &redactor{}
	if f == nil {
		r.values = strings.NewReplacer()
		return r
	}
	f.mu.Lock()
	secrets := slices.Clone(f.secrets)
	f.mu.Unlock()
	slices.SortStableFunc(secrets, func(a, b secret) int { return cmp.Compare(len(b.value), len(a.value)) })
	var pairs []string
	for _, s := range secrets {
		pairs = append(pairs, s.value, "[redacted:"+s.name+"]")
	}
	r.values = strings.NewReplacer(pairs...)
	return r
}

type redactor struct{ values *strings.Replacer }

// Replace returns s with every secret redacted.
func (r *redactor) Replace(s string) string {
	s = r.values.Replace(s)
	for _, shape := range secretShapes {
		s = shape.re.ReplaceAllString(s, shape.with)
	}
	return s
}
