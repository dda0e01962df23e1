package resettoken

import (
	"strings"
	"testing"
	"time"
)

func TestEncodeUID(t *testing.T) {
	for pk, want := range map[int64]string{1: "MQ", 10: "MTA", 123: "MTIz", 4567: "NDU2Nw"} {
		if got := EncodeUID(pk); got != want {
			t.Errorf("EncodeUID(%d) = %q, want %q", pk, got, want)
		}
	}
}

// Expected values computed with CPython: int(force_text(urlsafe_base64_decode(s))).
func TestDecodeUID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"MQ", 1, true},
		{"MTA", 10, true},
		{"MTIz", 123, true},
		{"NDU2Nw", 4567, true},
		{"MQ==", 1, true},
		{"MQ=", 1, true},
		{"MTIzNA==", 1234, true},
		{"IDEg", 1, true},  // " 1 "
		{"KzE", 1, true},   // "+1"
		{"LTE", -1, true},  // "-1": decodes, and then finds no user
		{"MV8w", 10, true}, // "1_0"
		{"2aM", 3, true},   // "\u0663", ARABIC-INDIC DIGIT THREE
		{"M!Q", 1, true},
		{"MQ~", 1, true},
		{"M Q", 1, true},
		{"MTIz\u00e9", 123, true},
		{"M", 0, false},
		{"", 0, false},
		{"TVE", 0, false}, // "MQ" is not a number
		{"_w", 0, false},  // 0xff is not UTF-8
		{"/w", 0, false},
		{"-_8", 0, false},
		{"AA", 0, false}, // "\x00"
		{"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", 0, false}, // beyond int64
	}
	for _, tt := range tests {
		got, ok := DecodeUID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("DecodeUID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, pk := range []int64{0, 1, 9, 99, 12345, 9223372036854775807} {
		if got, ok := DecodeUID(EncodeUID(pk)); !ok || got != pk {
			t.Errorf("round trip %d: %d, %v", pk, got, ok)
		}
	}
}

const (
	vectorSecret = "test-secret-key"
	vectorHash   = "pbkdf2_sha256$120000$abcdefghijkl$TZ2VqcSy7/j/5ZUfqprPCYfIUabXh1+Xeavi/9o5m4s="
)

var (
	day6577   = time.Date(2019, 1, 4, 12, 0, 0, 0, time.UTC)
	lastLogin = time.Date(2019, 1, 2, 3, 4, 5, 678901000, time.UTC)
)

func TestMakeVectors(t *testing.T) {
	g := Generator{SecretKey: vectorSecret}
	tests := []struct {
		name      string
		lastLogin *time.Time
		now       time.Time
		want      string
	}{
		{"no last login", nil, day6577, "52p-53879663e0045ddded48"},
		{"last login", &lastLogin, day6577, "52p-3a6f8797ae3023d20015"},
		{"first second of the day", nil, time.Date(2019, 1, 4, 0, 0, 0, 0, time.UTC), "52p-53879663e0045ddded48"},
		{"last instant of the day", nil, time.Date(2019, 1, 4, 23, 59, 59, 999999999, time.UTC), "52p-53879663e0045ddded48"},
		{"UTC date, not local", nil, time.Date(2019, 1, 3, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), "52p-53879663e0045ddded48"},
	}
	for _, tt := range tests {
		if got := g.Make(1, vectorHash, tt.lastLogin, tt.now); got != tt.want {
			t.Errorf("%s: Make = %q, want %q", tt.name, got, tt.want)
		}
	}
	// The last login is compared in UTC, without microseconds.
	same := time.Date(2019, 1, 2, 4, 4, 5, 0, time.FixedZone("CET", 3600))
	if got := g.Make(1, vectorHash, &same, day6577); got != "52p-3a6f8797ae3023d20015" {
		t.Errorf("last login in another zone: %q", got)
	}
}

func TestCheck(t *testing.T) {
	g := Generator{SecretKey: vectorSecret}
	tok := g.Make(1, vectorHash, &lastLogin, day6577)
	days := func(n int) time.Time { return day6577.AddDate(0, 0, n) }
	otherLogin := lastLogin.Add(time.Second)
	sameSecond := lastLogin.Add(100 * time.Microsecond)
	tests := []struct {
		name      string
		token     string
		pk        int64
		hash      string
		lastLogin *time.Time
		now       time.Time
		want      bool
	}{
		{"same day", tok, 1, vectorHash, &lastLogin, day6577, true},
		{"day 3", tok, 1, vectorHash, &lastLogin, days(3), true},
		{"last instant of day 3", tok, 1, vectorHash, &lastLogin, time.Date(2019, 1, 7, 23, 59, 59, 0, time.UTC), true},
		{"day 4", tok, 1, vectorHash, &lastLogin, days(4), false},
		{"made in the future", tok, 1, vectorHash, &lastLogin, days(-10), true},
		{"wrong pk", tok, 2, vectorHash, &lastLogin, day6577, false},
		{"password changed", tok, 1, vectorHash + "x", &lastLogin, day6577, false},
		{"logged in since", tok, 1, vectorHash, &otherLogin, day6577, false},
		{"last login cleared", tok, 1, vectorHash, nil, day6577, false},
		{"microseconds ignored", tok, 1, vectorHash, &sameSecond, day6577, true},
		{"other secret", Generator{SecretKey: "x"}.Make(1, vectorHash, &lastLogin, day6577), 1, vectorHash, &lastLogin, day6577, false},
		{"empty", "", 1, vectorHash, &lastLogin, day6577, false},
		{"no dash", strings.Replace(tok, "-", "", 1), 1, vectorHash, &lastLogin, day6577, false},
		{"three parts", tok + "-x", 1, vectorHash, &lastLogin, day6577, false},
		{"upper case", strings.ToUpper(tok), 1, vectorHash, &lastLogin, day6577, false},
		{"padded timestamp", " " + tok, 1, vectorHash, &lastLogin, day6577, false},
		{"14-char timestamp", "000000000052p" + "0" + tok[3:], 1, vectorHash, &lastLogin, day6577, false},
		{"13-char timestamp of the same day", "000000000052p" + tok[3:], 1, vectorHash, &lastLogin, day6577, false},
		{"non-base36", "5!p" + tok[3:], 1, vectorHash, &lastLogin, day6577, false},
		{"negative timestamp", "-1" + tok[3:], 1, vectorHash, &lastLogin, day6577, false},
		{"huge timestamp", "zzzzzzzzzzzzz" + tok[3:], 1, vectorHash, &lastLogin, day6577, false},
		{"truncated hash", tok[:len(tok)-1], 1, vectorHash, &lastLogin, day6577, false},
	}
	for _, tt := range tests {
		if got := g.Check(tt.token, tt.pk, tt.hash, tt.lastLogin, tt.now); got != tt.want {
			t.Errorf("%s: Check(%q) = %v, want %v", tt.name, tt.token, got, tt.want)
		}
	}
}

func TestTimestampEncoding(t *testing.T) {
	// API.md §5.2: 2026-11-25 is day 9459, "7ar".
	tok := Generator{SecretKey: "k"}.Make(1, "h", nil, time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
	if !strings.HasPrefix(tok, "7ar-") || len(tok) != 24 {
		t.Errorf("token %q: want prefix 7ar- and 20 hash characters", tok)
	}
}

// A token made on a day checks through the third day after; Lifetime says
// when that ends, and refuses what Check cannot read.
func TestLifetime(t *testing.T) {
	g := Generator{SecretKey: "k"}
	madeAt := time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)
	token := g.Make(7, "hash", nil, madeAt)
	made, expires, ok := Lifetime(token)
	if !ok || !made.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) || !expires.Equal(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Lifetime(%q) = %v, %v, %v", token, made, expires, ok)
	}
	if !g.Check(token, 7, "hash", nil, expires.Add(-time.Nanosecond)) || g.Check(token, 7, "hash", nil, expires) {
		t.Errorf("Check disagrees with expiry %v", expires)
	}
	for _, bad := range []string{"", "nodash", "-abc", "zzzzzzzzzzzzzz-0123456789abcdef0123", "zzzzzzzzzzzz-0123456789abcdef0123"} {
		if _, _, ok := Lifetime(bad); ok {
			t.Errorf("Lifetime(%q) ok", bad)
		}
	}
}
