package password

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestEncodeVectors(t *testing.T) {
	// API.md §8, made by Django 2.1.5's make_password.
	for _, c := range []struct{ pw, salt, want string }{
		{"S3cure-pass-xyz", "abcdefghijkl", "pbkdf2_sha256$120000$abcdefghijkl$TZ2VqcSy7/j/5ZUfqprPCYfIUabXh1+Xeavi/9o5m4s="},
		{"pässwörd ünïcode", "Zz09Zz09Zz09", "pbkdf2_sha256$120000$Zz09Zz09Zz09$jpPk1Egsfq43Ae+MjAPM0jUBLaj1thPUjJIBBBn6Bcg="},
	} {
		if got := Encode(c.pw, c.salt, DefaultIterations); got != c.want {
			t.Errorf("Encode(%q) = %s, want %s", c.pw, got, c.want)
		}
	}
	// CPython hashlib.pbkdf2_hmac('sha256', 'pässwörd'.encode(), b'Zz09Zz09Zz09', 2).
	if got, want := Encode("pässwörd", "Zz09Zz09Zz09", 2), "pbkdf2_sha256$2$Zz09Zz09Zz09$Sd+d3vqUKLG39wHWgyBh5Tszj1SNLCYQuDGDtlY+e5k="; got != want {
		t.Errorf("Encode(2 iterations) = %s, want %s", got, want)
	}
}

func TestEncodePanicsOnInvalidParameters(t *testing.T) {
	for _, c := range []struct {
		salt string
		n    int
	}{{"", 1}, {"a$b", 1}, {"salt", 0}, {"salt", -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Encode(salt %q, %d) did not panic", c.salt, c.n)
				}
			}()
			Encode("pw", c.salt, c.n)
		}()
	}
}

func TestHashSalt(t *testing.T) {
	h := Hasher{Iterations: 3, Rand: bytes.NewReader(bytes.Repeat([]byte{0, 61, 62, 255, 247, 248}, 20))}
	enc, err := h.Hash("secret pw")
	if err != nil {
		t.Fatal(err)
	}
	// 0 → a, 61 → 9, 62 → a (62 % 62); 255 and 248 are rejected (≥ 4·62);
	// 247 → 247 % 62 = 61 → 9.
	want := "pbkdf2_sha256$3$a9a9a9a9a9a9$"
	if !strings.HasPrefix(enc, want) || len(enc) != len(want)+44 {
		t.Fatalf("Hash = %s, want prefix %s and a 44-character hash", enc, want)
	}
	if want := Encode("secret pw", "a9a9a9a9a9a9", 3); enc != want {
		t.Fatalf("Hash = %s, want %s", enc, want)
	}
}

func TestHashRandError(t *testing.T) {
	boom := errors.New("no entropy")
	_, err := Hasher{Iterations: 1, Rand: io.MultiReader(bytes.NewReader([]byte{1, 2}), errReader{boom})}.Hash("pw")
	if !errors.Is(err, boom) {
		t.Fatalf("Hash error = %v, want it to wrap %v", err, boom)
	}
	if strings.Contains(err.Error(), "pw") {
		t.Fatalf("error %q mentions the password", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestZeroHasherDefaults(t *testing.T) {
	var h Hasher
	if h.iterations() != DefaultIterations {
		t.Fatalf("zero Hasher iterations = %d", h.iterations())
	}
	// A nil Rand draws from crypto/rand; use a cheap count to keep the test fast.
	a, err := Hasher{Iterations: 1}.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Hasher{Iterations: 1}.Hash("pw")
	if a == b || !strings.HasPrefix(a, "pbkdf2_sha256$1$") {
		t.Fatalf("two crypto/rand hashes: %s, %s", a, b)
	}
}

func TestCheck(t *testing.T) {
	h := Hasher{Iterations: 3, Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 64))}
	enc, err := h.Hash("secret pw")
	if err != nil {
		t.Fatal(err)
	}
	// Computed by CPython: hashlib.pbkdf2_hmac('sha1', b'correct horse', b'saltsaltsalt', 3).
	const pySHA1 = "pbkdf2_sha1$3$saltsaltsalt$Km0nLE0KqnXqz9pMk4yyE1hZY8k="
	cases := []struct {
		name, pw, enc string
		ok, rehash    bool
	}{
		{"right", "secret pw", enc, true, false},
		{"wrong", "secret pW", enc, false, false},
		{"empty password", "", enc, false, false},
		{"lower count", "x", Encode("x", "saltsaltsalt", 2), true, true},
		{"higher count", "x", Encode("x", "saltsaltsalt", 4), true, true},
		{"lower count wrong", "y", Encode("x", "saltsaltsalt", 2), false, false},
		{"section 8 vector", "S3cure-pass-xyz", "pbkdf2_sha256$120000$abcdefghijkl$TZ2VqcSy7/j/5ZUfqprPCYfIUabXh1+Xeavi/9o5m4s=", true, true},
		{"sha1 from python", "correct horse", pySHA1, true, true},
		{"sha1 independent", "x", sha1Encode("x", "salt", 2), true, true},
		{"sha1 same count still rehashed", "x", sha1Encode("x", "salt", 3), true, true},
		{"sha1 wrong", "y", pySHA1, false, false},
		{"unusable", "x", "!abc", false, false},
		{"unusable that would parse", "x", "!" + Encode("x", "saltsaltsalt", 2), false, false},
		{"three parts", "x", "pbkdf2_sha256$2$y", false, false},
		{"bad count", "x", "pbkdf2_sha256$abc$s$h", false, false},
		{"zero count", "x", "pbkdf2_sha256$0$s$h", false, false},
		{"negative count", "x", "pbkdf2_sha256$-1$s$h", false, false},
		{"huge count", "x", "pbkdf2_sha256$99999999999999999999999$s$h", false, false},
		{"empty salt", "x", "pbkdf2_sha256$2$$h", false, false},
		{"non-canonical count", "x", strings.Replace(Encode("x", "saltsaltsalt", 2), "$2$", "$02$", 1), false, false},
		{"trailing junk", "x", Encode("x", "saltsaltsalt", 2) + "$", false, false},
		{"unknown algorithm", "x", "md5$$x$y", false, false},
		{"argon2 not supported", "x", "argon2$argon2i$v=19$m=512,t=2,p=2$c2FsdA$aGFzaA", false, false},
		{"empty", "x", "", false, false},
		{"dollars only", "x", "$$$", false, false},
	}
	for _, c := range cases {
		ok, rehash := h.Check(c.pw, c.enc)
		if ok != c.ok || rehash != c.rehash {
			t.Errorf("%s: Check = %v, %v; want %v, %v", c.name, ok, rehash, c.ok, c.rehash)
		}
	}
}

// sha1Encode is a pbkdf2_sha1 encoder written from RFC 8018 with crypto/hmac,
// independent of crypto/pbkdf2 and of the package under test.
func sha1Encode(pw, salt string, iterations int) string {
	prf := hmac.New(sha1.New, []byte(pw))
	prf.Write([]byte(salt))
	prf.Write(binary.BigEndian.AppendUint32(nil, 1))
	u := prf.Sum(nil)
	t := slices.Clone(u)
	for range iterations - 1 {
		prf.Reset()
		prf.Write(u)
		u = prf.Sum(nil)
		for i := range t {
			t[i] ^= u[i]
		}
	}
	return "pbkdf2_sha1$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(t)
}

func TestSHA1EncoderAgreesWithPython(t *testing.T) {
	if got, want := sha1Encode("correct horse", "saltsaltsalt", 3), "pbkdf2_sha1$3$saltsaltsalt$Km0nLE0KqnXqz9pMk4yyE1hZY8k="; got != want {
		t.Fatalf("test encoder = %s, want %s", got, want)
	}
}

func TestDummyDoesNotPanic(t *testing.T) {
	Hasher{Iterations: 1}.Dummy("pw")
	Hasher{Iterations: 1}.Dummy("")
}

func TestValidate(t *testing.T) {
	// Expected values from a CPython model of Django 2.1.5's validators over
	// the same list (re.split, difflib quick_ratio, str.lower/strip/isdigit).
	cases := []struct {
		pw, email string
		sim       bool
		want      []string
	}{
		// API.md §4.1 example.
		{"123", "", false, []string{msgShort, msgCommon, msgNumeric}},
		{"123", "alice@example.com", true, []string{msgShort, msgCommon, msgNumeric}},
		{"S3cure-pass-xyz", "alice@example.com", true, nil},
		// §4.2 / D7: similar when checked, accepted when the check is skipped.
		{"alice@example", "alice@example.com", true, []string{msgSimilar}},
		{"alice@example", "alice@example.com", false, nil},
		{"ALICE@EXAMPLE", "alice@example.com", true, []string{msgSimilar}},
		{"bobsmith1", "bobsmith@example.com", true, []string{msgSimilar}},
		{"carol123", "carol@example.com", true, []string{msgSimilar, msgCommon}},
		{"example.com", "x@example.com", true, []string{msgSimilar}},
		{"ab", "ab@example.com", true, []string{msgSimilar, msgShort}},
		{"aaaa", "aa@x.com", true, []string{msgShort, msgCommon}},
		// Python lowers İ to two runes, so "İİ" is not "ii" (0.667 < 0.7).
		{"İİ", "ii@x.com", true, []string{msgShort}},
		{"zzzzzzzz12", "zz@q.io", true, nil},
		{"Xq7#vLm2", "", true, nil}, // no email: the validator skips the attribute
		{"whatever1", "", false, []string{msgCommon}},
		// §4.3: case-insensitive common list.
		{"PASSWORD", "", false, []string{msgCommon}},
		{"ABCdef", "", false, []string{msgShort, msgCommon}},
		{"Password1", "", false, []string{msgCommon}},
		// §4.1: numeric is str.isdigit, superscripts included.
		{"²³¹", "", false, []string{msgShort, msgNumeric}},
		{"²³¹²³¹²³¹", "", false, []string{msgNumeric}},
		{"98127634512", "", false, []string{msgNumeric}},
		{"⑩⑩⑩⑩⑩⑩⑩⑩", "", false, nil},
		// Length in code points.
		{"ünïcödé", "", false, []string{msgShort}},
		{"ünïcödé!", "", false, nil},
	}
	for _, c := range cases {
		got := Validate(c.pw, c.email, c.sim)
		if !slices.Equal(got, c.want) {
			t.Errorf("Validate(%q, %q, %v) = %q, want %q", c.pw, c.email, c.sim, got, c.want)
		}
	}
}

func TestValidateMessages(t *testing.T) {
	got := Validate("1", "1@x.io", true)
	want := []string{
		"The password is too similar to the email address.",
		"This password is too short. It must contain at least 8 characters.",
		"This password is too common.",
		"This password is entirely numeric.",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Validate = %q, want %q", got, want)
	}
}

func TestTooSimilarEmptyParts(t *testing.T) {
	// quick_ratio of two empty strings is 1.0 in difflib, so an empty
	// password matches the empty first piece of re.split(r'\W+', "@a").
	if !tooSimilar("", "@a") {
		t.Error(`tooSimilar("", "@a") = false, want true`)
	}
	if tooSimilar("", "a") {
		t.Error(`tooSimilar("", "a") = true, want false`)
	}
}

func TestSplitNonWord(t *testing.T) {
	// Expected values from CPython re.split(r'\W+', s).
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"bobsmith@example.com", []string{"bobsmith", "example", "com"}},
		{"@a", []string{"", "a"}},
		{"a@", []string{"a", ""}},
		{"a@@b", []string{"a", "b"}},
		{"@", []string{"", ""}},
		{"", []string{""}},
		{"__a.b__", []string{"__a", "b__"}},
		{"é-ü@ß.de", []string{"é", "ü", "ß", "de"}},
		{"x²+y", []string{"x²", "y"}},
	} {
		if got := splitNonWord(c.in); !slices.Equal(got, c.want) {
			t.Errorf("splitNonWord(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQuickRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		// API.md §4.2.
		{"bobsmith1", "bobsmith", 0.9411764705882353},
		{"carol123", "carol", 0.7692307692307693},
		{"alice@example", "alice@example.com", 0.8666666666666667},
		{"s3cure-pass-xyz", "alice@example.com", 0.3125},
		{"", "", 1},
		{"abc", "", 0},
		{"aab", "abb", 2.0 * 2 / 6},
	} {
		if got := QuickRatio(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("QuickRatio(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCommonList(t *testing.T) {
	set := commonPasswords()
	// API.md §4.3: 19,727 entries; Debian's python3-django 3.2.25 ships the same count.
	if n := len(set); n != 19727 {
		t.Fatalf("common passwords = %d, want 19727", n)
	}
	for _, pw := range []string{"password", "abcdef", "123", "bigpimpin1", "chobits"} { // chobits is the last line
		if !set[pw] {
			t.Errorf("%q missing from the common list", pw)
		}
	}
	if set[""] {
		t.Error("empty string in the common list")
	}
}
