package authtoken

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	vectorKey  = "12345678-1234-5678-1234-567812345678"
	vectorNull = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxLCJ1c2VybmFtZSI6ImFsaWNlQGV4YW1wbGUuY29tIiwiZXhwIjoxNzAwMDAwMDAwLCJvdHBfZGV2aWNlX2lkIjpudWxsfQ.2upUfNJN73G13zHvEQAiYcpEXvG1TH1c-tHcvxbkbLM"
	vectorTOTP = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxLCJ1c2VybmFtZSI6ImFsaWNlQGV4YW1wbGUuY29tIiwiZXhwIjoxNzAwMDAwMDAwLCJvdHBfZGV2aWNlX2lkIjoib3RwX3RvdHAudG90cGRldmljZS8xIn0.SfO8F0GEoGuIzP-iGozT-1cYKjqXZKHQrJPkF20Q85k"
)

func ptr[T any](v T) *T { return &v }

func TestSignVectors(t *testing.T) {
	tests := []struct {
		name string
		c    Claims
		want string
	}{
		{"API.md §8 null device", Claims{UserID: 1, Username: "alice@example.com", Exp: 1700000000}, vectorNull},
		{"API.md §8 TOTP device", Claims{UserID: 1, Username: "alice@example.com", Exp: 1700000000, OTPDeviceID: ptr("otp_totp.totpdevice/1")}, vectorTOTP},
		{
			// Expected value from CPython json.dumps(separators=(',', ':')) + hmac.
			"ensure_ascii escapes and orig_iat",
			Claims{UserID: 7, Username: "j\u00fcrgen<&>\"\\/\x7f\t\x01@ex\U0001F600.com", Exp: 1, OrigIAT: ptr(int64(1699999000))},
			"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo3LCJ1c2VybmFtZSI6ImpcdTAwZmNyZ2VuPCY-XCJcXC9cdTAwN2ZcdFx1MDAwMUBleFx1ZDgzZFx1ZGUwMC5jb20iLCJleHAiOjEsIm90cF9kZXZpY2VfaWQiOm51bGwsIm9yaWdfaWF0IjoxNjk5OTk5MDAwfQ.MRhhdVDxVzVs0qDzm8eh84bY0YRq2ViybxPLdcXnxAw",
		},
	}
	for _, tt := range tests {
		if got := Sign(tt.c, vectorKey); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestSignPayloadBytes(t *testing.T) {
	tok := Sign(Claims{UserID: 3, Username: "a@b.c", Exp: 5, OTPDeviceID: ptr("otp_static.staticdevice/2"), OrigIAT: ptr(int64(4))}, vectorKey)
	parts := strings.Split(tok, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	pl, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if string(hdr) != `{"typ":"JWT","alg":"HS256"}` {
		t.Errorf("header = %s", hdr)
	}
	if want := `{"user_id":3,"username":"a@b.c","exp":5,"otp_device_id":"otp_static.staticdevice/2","orig_iat":4}`; string(pl) != want {
		t.Errorf("payload = %s, want %s", pl, want)
	}
}

var errNoUser = errors.New("no such user")

func lookup(p *Payload) (string, error) {
	if p.UserID() == 1 {
		return vectorKey, nil
	}
	return "", errNoUser
}

// craft builds a token from raw header and payload JSON, signed independently of
// the package (crypto/hmac, not golang-jwt).
func craft(header, payload, key string) string {
	enc := base64.RawURLEncoding
	si := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	return si + "." + sign(si, key)
}

func sign(si, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(si))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

const hs256 = `{"typ":"JWT","alg":"HS256"}`

// now is one second before the vectors' exp.
var testNow = time.Unix(1699999999, 500_000_000)

func pl(extra string) string {
	return `{"user_id":1,"username":"alice@example.com"` + extra + `}`
}

func TestDecodeOutcomes(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	good := craft(hs256, pl(`,"exp":1700000000`), vectorKey)
	goodParts := strings.Split(good, ".")
	tests := []struct {
		name  string
		token string
		want  Kind // 0 = accepted
	}{
		{"vector", vectorNull, 0},
		{"one segment", "abc", DecodeError},
		{"two segments", goodParts[0] + "." + goodParts[1], DecodeError},
		{"empty", "", DecodeError},
		{"bad base64 header", "e." + goodParts[1] + "." + goodParts[2], DecodeError},
		{"bad base64 payload", goodParts[0] + ".e." + goodParts[2], DecodeError},
		{"bad base64 signature", goodParts[0] + "." + goodParts[1] + ".e", DecodeError},
		{"header not an object", craft(`["HS256"]`, pl(""), vectorKey), DecodeError},
		{"header not JSON", craft(`{"alg":"HS256"`, pl(""), vectorKey), DecodeError},
		{"payload not an object", craft(hs256, `[1]`, vectorKey), DecodeError},
		{"payload not JSON", craft(hs256, `{"user_id":1,}`, vectorKey), DecodeError},
		{"payload invalid UTF-8", craft(hs256, "{\"user_id\":1,\"username\":\"\xff\"}", vectorKey), DecodeError},
		{"payload with extra data", craft(hs256, pl("")+"x", vectorKey), DecodeError},
		{"alg HS512", craft(`{"typ":"JWT","alg":"HS512"}`, pl(""), vectorKey), Invalid},
		{"alg none, no signature", enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(pl(""))) + ".", Invalid},
		{"alg missing", craft(`{"typ":"JWT"}`, pl(""), vectorKey), Invalid},
		{"alg lower case", craft(`{"alg":"hs256"}`, pl(""), vectorKey), Invalid},
		{"wrong key", craft(hs256, pl(""), "87654321-1234-5678-1234-567812345678"), DecodeError},
		{"unhyphenated key", craft(hs256, pl(""), strings.ReplaceAll(vectorKey, "-", "")), DecodeError},
		{"tampered payload", goodParts[0] + "." + enc([]byte(pl(`,"exp":1800000000`))) + "." + goodParts[2], DecodeError},
		{"no exp never expires", craft(hs256, pl(""), vectorKey), 0},
		{"exp now", craft(hs256, pl(`,"exp":1699999999`), vectorKey), 0},
		{"exp past", craft(hs256, pl(`,"exp":1699999998`), vectorKey), Expired},
		{"exp digit string", craft(hs256, pl(`,"exp":"1700000000"`), vectorKey), 0},
		{"exp float truncated", craft(hs256, pl(`,"exp":1699999998.9`), vectorKey), Expired},
		{"exp abc", craft(hs256, pl(`,"exp":"abc"`), vectorKey), DecodeError},
		{"exp NaN", craft(hs256, pl(`,"exp":NaN`), vectorKey), DecodeError},
		{"exp Infinity", craft(hs256, pl(`,"exp":Infinity`), vectorKey), DecodeError},
		{"exp null", craft(hs256, pl(`,"exp":null`), vectorKey), DecodeError},
		{"exp huge", craft(hs256, pl(`,"exp":100000000000000000000000`), vectorKey), 0},
		{"exp true is 1", craft(hs256, pl(`,"exp":true`), vectorKey), Expired},
		{"nbf future", craft(hs256, pl(`,"nbf":1700000000`), vectorKey), Invalid},
		{"nbf now", craft(hs256, pl(`,"nbf":1699999999`), vectorKey), 0},
		{"nbf abc", craft(hs256, pl(`,"nbf":"abc"`), vectorKey), DecodeError},
		{"iat abc", craft(hs256, pl(`,"iat":"abc"`), vectorKey), Invalid},
		{"iat null", craft(hs256, pl(`,"iat":null`), vectorKey), Invalid},
		{"iat in the future is fine", craft(hs256, pl(`,"iat":1800000000`), vectorKey), 0},
		{"iat digit string", craft(hs256, pl(`,"iat":" 12 "`), vectorKey), 0},
		{"aud present", craft(hs256, pl(`,"aud":"x"`), vectorKey), Invalid},
		{"aud null still present", craft(hs256, pl(`,"aud":null`), vectorKey), Invalid},
		{"iss ignored", craft(hs256, pl(`,"iss":"anyone"`), vectorKey), 0},
		// The order of the checks.
		{"alg before signature", craft(`{"alg":"HS512"}`, pl(""), "wrong"), Invalid},
		{"user lookup before alg", craft(`{"alg":"HS512"}`, `{"user_id":2}`, vectorKey), UnknownUser},
		{"signature before claims", craft(hs256, pl(`,"exp":1`), "wrong"), DecodeError},
		{"iat before exp", craft(hs256, pl(`,"exp":1,"iat":"x"`), vectorKey), Invalid},
		{"nbf before exp", craft(hs256, pl(`,"exp":1,"nbf":"x"`), vectorKey), DecodeError},
		{"exp before aud", craft(hs256, pl(`,"exp":1,"aud":"x"`), vectorKey), Expired},
		{"NaN parsed, alg decides", craft(`{"alg":"HS512"}`, pl(`,"exp":NaN`), vectorKey), Invalid},
		// Python's lenient base64: four junk bytes keep the length's padding and are
		// skipped; one junk byte breaks the padding (both checked with CPython).
		{"junk skipped in signature", vectorNull + "!!!!", 0},
		{"junk breaks padding", vectorNull + "!", DecodeError},
		{"dots inside the payload segment", "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2Vy.X2lkIjoxLCJ1c2VybmFtZSI6ImFsaWNlQGV4YW1wbGUuY29tIiwiZXhwIjoxNzAwMDAwMDAwLCJvdHBfZGV2aWNlX2lkIjpudWxsfQ....NXdcPGuk9PJ-Ui_AtmqswpD8EhgjH9d33Wz7RYCupfo", 0},
		// user_id, coerced by Django's int().
		{"user_id missing", craft(hs256, `{"username":"alice@example.com"}`, vectorKey), UnknownUser},
		{"user_id null", craft(hs256, `{"user_id":null}`, vectorKey), UnknownUser},
		{"user_id abc", craft(hs256, `{"user_id":"abc"}`, vectorKey), UnknownUser},
		{"user_id unknown", craft(hs256, `{"user_id":2}`, vectorKey), UnknownUser},
		{"user_id list", craft(hs256, `{"user_id":[1]}`, vectorKey), UnknownUser},
		{"user_id 1.0 string", craft(hs256, `{"user_id":"1.0"}`, vectorKey), UnknownUser},
		{"user_id NaN", craft(hs256, `{"user_id":NaN}`, vectorKey), UnknownUser},
		{"user_id Infinity", craft(hs256, `{"user_id":Infinity}`, vectorKey), UnknownUser},
		{"user_id beyond int64", craft(hs256, `{"user_id":18446744073709551617}`, vectorKey), UnknownUser},
		{"user_id digit string", craft(hs256, `{"user_id":"1","username":"a"}`, vectorKey), 0},
		{"user_id spaced string", craft(hs256, `{"user_id":" +1 "}`, vectorKey), 0},
		{"user_id float truncated", craft(hs256, `{"user_id":1.9}`, vectorKey), 0},
		{"user_id true", craft(hs256, `{"user_id":true}`, vectorKey), 0},
		{"user_id repeated, last wins", craft(hs256, `{"user_id":2,"user_id":1}`, vectorKey), 0},
	}
	for _, tt := range tests {
		p, err := Decode(tt.token, testNow, lookup)
		if tt.want == 0 {
			if err != nil {
				t.Errorf("%s: got %v (%s), want success", tt.name, err, err.(*Error).Reason)
			} else if p.UserID() != 1 {
				t.Errorf("%s: UserID = %d, want 1", tt.name, p.UserID())
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want *Error kind %v", tt.name, err, tt.want)
			continue
		}
		if e.Kind != tt.want {
			t.Errorf("%s: kind %v (%s), want %v", tt.name, e.Kind, e.Reason, tt.want)
		}
		if p != nil {
			t.Errorf("%s: payload returned with an error", tt.name)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	want := map[Kind]string{
		DecodeError: "Error decoding signature.",
		Invalid:     "Incorrect authentication credentials.",
		Expired:     "Signature has expired.",
		UnknownUser: "Error decoding signature.",
	}
	for k, msg := range want {
		if got := (&Error{Kind: k}).Error(); got != msg {
			t.Errorf("%v: %q, want %q", k, got, msg)
		}
	}
	_, err := Decode(craft(hs256, `{"user_id":5}`, vectorKey), testNow, lookup)
	if !errors.Is(err, errNoUser) {
		t.Errorf("lookup error not wrapped: %v", err)
	}
}

func decodeOK(t *testing.T, payload string) *Payload {
	t.Helper()
	p, err := Decode(craft(hs256, payload, vectorKey), testNow, lookup)
	if err != nil {
		t.Fatalf("Decode(%s): %v", payload, err)
	}
	return p
}

func TestPayloadUsername(t *testing.T) {
	tests := []struct {
		claim string
		want  string
	}{
		{``, ""},
		{`,"username":null`, ""},
		{`,"username":""`, ""},
		{`,"username":0`, ""},
		{`,"username":false`, ""},
		{`,"username":[]`, ""},
		{`,"username":"alice@example.com"`, "alice@example.com"},
		{`,"username":"caf\u00e9@example.com"`, "café@example.com"},
		{`,"username":"\ud83d\ude00"`, "\U0001F600"},
		{`,"username":"\ud83d"`, "\ufffd"},
		{`,"username":123`, "123"},
		{`,"username":true`, "True"},
		{`,"username":["a@b.c"]`, `["a@b.c"]`},
	}
	for _, tt := range tests {
		if got := decodeOK(t, `{"user_id":1`+tt.claim+`}`).Username(); got != tt.want {
			t.Errorf("Username() with %s = %q, want %q", tt.claim, got, tt.want)
		}
	}
}

func TestPayloadOTPDeviceID(t *testing.T) {
	tests := []struct {
		claim string
		want  string
	}{
		{``, ""},
		{`,"otp_device_id":null`, ""},
		{`,"otp_device_id":""`, ""},
		{`,"otp_device_id":5`, ""},
		{`,"otp_device_id":"otp_totp.totpdevice/1"`, "otp_totp.totpdevice/1"},
	}
	for _, tt := range tests {
		if got := decodeOK(t, `{"user_id":1`+tt.claim+`}`).OTPDeviceID(); got != tt.want {
			t.Errorf("OTPDeviceID() with %s = %q, want %q", tt.claim, got, tt.want)
		}
	}
}

func TestPayloadOrigIAT(t *testing.T) {
	tests := []struct {
		claim string
		want  int64
		ok    bool
	}{
		{``, 0, false},
		{`,"orig_iat":null`, 0, false},
		{`,"orig_iat":0`, 0, false},
		{`,"orig_iat":"1699999000"`, 0, false},
		{`,"orig_iat":1699999000`, 1699999000, true},
		{`,"orig_iat":1699999000.5`, 1699999000, true},
		{`,"orig_iat":-1.5`, -2, true},
		{`,"orig_iat":true`, 1, true},
		{`,"orig_iat":1e30`, 9223372036854775807, true},
	}
	for _, tt := range tests {
		got, ok := decodeOK(t, `{"user_id":1`+tt.claim+`}`).OrigIAT()
		if got != tt.want || ok != tt.ok {
			t.Errorf("OrigIAT() with %s = %d, %v; want %d, %v", tt.claim, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSignDecodeRoundTrip(t *testing.T) {
	c := Claims{UserID: 1, Username: "ünï\U0001F600@example.com", Exp: 1700000000, OTPDeviceID: ptr("otp_static.staticdevice/9"), OrigIAT: ptr(int64(1699990000))}
	p, err := Decode(Sign(c, vectorKey), testNow, lookup)
	if err != nil {
		t.Fatal(err)
	}
	u, d := p.Username(), p.OTPDeviceID()
	o, _ := p.OrigIAT()
	if u != c.Username || d != *c.OTPDeviceID || o != *c.OrigIAT {
		t.Errorf("round trip: %q %q %d", u, d, o)
	}
}

func TestFromHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		token   string
		present bool
		err     error
	}{
		{"absent", "", "", false, nil},
		{"only spaces", " \t ", "", false, nil},
		{"JWT", "JWT abc.def.ghi", "abc.def.ghi", true, nil},
		{"lower case", "jwt abc", "abc", true, nil},
		{"mixed case", "JwT abc", "abc", true, nil},
		{"tabs and runs", "\tJWT\t\t abc \r\n", "abc", true, nil},
		{"vertical tab and form feed", "JWT\v\fabc", "abc", true, nil},
		{"Bearer is anonymous", "Bearer x", "", false, nil},
		{"Bearer alone", "Bearer", "", false, nil},
		{"JWTx is another scheme", "JWTx abc", "", false, nil},
		{"no credentials", "JWT", "", false, ErrNoCredentials},
		{"no credentials, padded", "  jwt  ", "", false, ErrNoCredentials},
		{"three words", "JWT a b", "", false, ErrCredentialsHaveSpaces},
		{"non-ASCII space is not a separator", "JWT a\u00a0b", "a\u00a0b", true, nil},
	}
	for _, tt := range tests {
		token, present, err := FromHeader(tt.header)
		if token != tt.token || present != tt.present || err != tt.err {
			t.Errorf("%s: FromHeader(%q) = %q, %v, %v; want %q, %v, %v", tt.name, tt.header, token, present, err, tt.token, tt.present, tt.err)
		}
	}
	if ErrNoCredentials.Error() != "Invalid Authorization header. No credentials provided." ||
		ErrCredentialsHaveSpaces.Error() != "Invalid Authorization header. Credentials string should not contain spaces." {
		t.Error("header error messages changed")
	}
}

func TestNewSecret(t *testing.T) {
	got, err := NewSecret(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	if err != nil || got != "ffffffff-ffff-4fff-bfff-ffffffffffff" {
		t.Fatalf("NewSecret = %q, %v", got, err)
	}
	if _, err := NewSecret(bytes.NewReader(nil)); err == nil {
		t.Fatal("a failing source must fail")
	}
}
