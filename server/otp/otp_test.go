package otp

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"testing/iotest"
	"time"

	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server/store"
)

// rfcKeyHex is the RFC 4226 / RFC 6238 SHA-1 key "12345678901234567890".
const rfcKeyHex = "3132333435363738393031323334353637383930"

func TestNewTOTPKey(t *testing.T) {
	r := bytes.NewReader(append([]byte("12345678901234567890"), 0xff))
	got, err := NewTOTPKey(r)
	if err != nil || got != rfcKeyHex {
		t.Errorf("NewTOTPKey = %q, %v; want %q", got, err, rfcKeyHex)
	}
	if _, err := NewTOTPKey(bytes.NewReader(make([]byte, 19))); err == nil {
		t.Error("short random source accepted")
	}
}

func TestNewStaticToken(t *testing.T) {
	got, err := NewStaticToken(bytes.NewReader([]byte{0, 1, 2, 3, 255}))
	if err != nil || got != "aaaqea77" { // CPython: b32encode(...).decode().lower()
		t.Errorf("NewStaticToken = %q, %v", got, err)
	}
	if _, err := NewStaticToken(iotest.ErrReader(errors.New("boom"))); err == nil {
		t.Error("reader error ignored")
	}
}

func TestConfigURL(t *testing.T) {
	tests := []struct {
		email, key   string
		digits, step int
		want         string
	}{
		{"alice@example.com", rfcKeyHex, 6, 30, "otpauth://totp/alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"},
		{"a+b/c@ex.com", rfcKeyHex, 8, 60, "otpauth://totp/a%2Bb/c%40ex.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=8&period=60"},
		{"ünï@exämple.com", rfcKeyHex, 6, 30, "otpauth://totp/%C3%BCn%C3%AF%40ex%C3%A4mple.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"},
		{"t~o m\"x@y.z", rfcKeyHex, 6, 30, "otpauth://totp/t~o%20m%22x%40y.z?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"},
		{"\U0001F600@x.y", "31323334353637", 6, 30, "otpauth://totp/%F0%9F%98%80%40x.y?secret=GEZDGNBVGY3Q%3D%3D%3D%3D&algorithm=SHA1&digits=6&period=30"},
	}
	for _, tt := range tests {
		got, err := ConfigURL(tt.email, tt.key, tt.digits, tt.step)
		if err != nil || got != tt.want {
			t.Errorf("ConfigURL(%q) =\n %q, %v\nwant %q", tt.email, got, err, tt.want)
		}
	}
	if _, err := ConfigURL("a@b.c", "xyz", 6, 30); err == nil {
		t.Error("non-hex key accepted")
	}
}

func TestHOTPRFC4226(t *testing.T) {
	key := []byte("12345678901234567890")
	want := []int{755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489}
	for c, w := range want {
		if got := HOTP(key, int64(c), 6); got != w {
			t.Errorf("HOTP(counter %d) = %d, want %d", c, got, w)
		}
	}
	// RFC 6238 appendix B, SHA-1, 8 digits, at 59 s and 1111111109 s.
	if got := HOTP(key, 1, 8); got != 94287082 {
		t.Errorf("8 digits, T=1: %d", got)
	}
	if got := HOTP(key, 37037036, 8); got != 7081804 {
		t.Errorf("8 digits, T=37037036: %d", got)
	}
}

// The authenticator side (internal/totp, pquerna/otp) and HOTP (ours) must agree.
func TestCodeAgreesWithHOTP(t *testing.T) {
	key := []byte("12345678901234567890")
	for c := int64(0); c < 200; c++ {
		got, _ := totp.Code(rfcKeyHex, time.Unix(c*30, 0), 6, 30)
		if want := HOTP(key, c, 6); got != pad6(want) {
			t.Fatalf("counter %d: Code %q, HOTP %d", c, got, want)
		}
	}
}

func pad6(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

func device() store.TOTPDevice {
	return store.TOTPDevice{Key: rfcKeyHex, Step: 30, T0: 0, Digits: 6, Tolerance: 1, Drift: 0, LastT: -1}
}

func TestVerifyTOTPVectors(t *testing.T) {
	tests := []struct {
		unix  int64
		code  string
		wantT int64
	}{
		{59, "287082", 1},
		{1111111109, "081804", 37037036},
		{1234567890, "005924", 41152263},
		{2000000000, "279037", 66666666},
	}
	for _, tt := range tests {
		gotT, drift, ok := VerifyTOTP(device(), tt.code, time.Unix(tt.unix, 0))
		if !ok || gotT != tt.wantT || drift != 0 {
			t.Errorf("VerifyTOTP(%s at %d) = %d, %d, %v; want %d, 0, true", tt.code, tt.unix, gotT, drift, ok, tt.wantT)
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	key := []byte("12345678901234567890")
	code := func(c int64) string { return pad6(HOTP(key, c, 6)) }
	const T = 1000 // the step at now
	now := time.Unix(T*30+17, 0)
	with := func(f func(*store.TOTPDevice)) store.TOTPDevice {
		d := device()
		f(&d)
		return d
	}
	tests := []struct {
		name      string
		d         store.TOTPDevice
		code      string
		now       time.Time
		wantT     int64
		wantDrift int
		wantOK    bool
	}{
		{"current step", device(), code(T), now, T, 0, true},
		{"one step behind", device(), code(T - 1), now, T - 1, -1, true},
		{"one step ahead", device(), code(T + 1), now, T + 1, 1, true},
		{"two steps behind", device(), code(T - 2), now, 0, 0, false},
		{"two steps ahead", device(), code(T + 2), now, 0, 0, false},
		{"wrong code", device(), pad6((HOTP(key, T, 6) + 1) % 1000000), now, 0, 0, false},
		{"replay of the same step", with(func(d *store.TOTPDevice) { d.LastT = T }), code(T), now, 0, 0, false},
		{"earlier step after a later one", with(func(d *store.TOTPDevice) { d.LastT = T }), code(T - 1), now, 0, 0, false},
		{"next step after last_t", with(func(d *store.TOTPDevice) { d.LastT = T }), code(T + 1), now, T + 1, 1, true},
		{"drift carried", with(func(d *store.TOTPDevice) { d.Drift = 2 }), code(T + 2), now, T + 2, 2, true},
		{"drift carried, ratchets", with(func(d *store.TOTPDevice) { d.Drift = 2 }), code(T + 3), now, T + 3, 3, true},
		{"drift makes T unreachable", with(func(d *store.TOTPDevice) { d.Drift = 2 }), code(T), now, 0, 0, false},
		{"negative drift", with(func(d *store.TOTPDevice) { d.Drift = -3 }), code(T - 4), now, T - 4, -4, true},
		{"tolerance 0", with(func(d *store.TOTPDevice) { d.Tolerance = 0 }), code(T + 1), now, 0, 0, false},
		{"tolerance 2", with(func(d *store.TOTPDevice) { d.Tolerance = 2 }), code(T - 2), now, T - 2, -2, true},
		{"t0 shifts the steps", with(func(d *store.TOTPDevice) { d.T0 = 60 }), code(T - 2), now, T - 2, 0, true},
		{"step 60", with(func(d *store.TOTPDevice) { d.Step = 60 }), code((T*30 + 17) / 60), now, (T*30 + 17) / 60, 0, true},
		{"before t0: floor division", with(func(d *store.TOTPDevice) { d.T0 = 100; d.Tolerance = 0; d.Drift = 5 }), code(4), time.Unix(99, 0), 4, 5, true},
		{"steps before the epoch never match", with(func(d *store.TOTPDevice) { d.T0 = 100 }), code(0), time.Unix(50, 0), 0, 0, false},
		{"code read with int()", device(), " +" + code(T) + " ", now, T, 0, true},
		{"leading zeros dropped", device(), "0000" + code(T), now, T, 0, true},
		{"not a number", device(), "12a456", now, 0, 0, false},
		{"empty code", device(), "", now, 0, 0, false},
		{"bad key", with(func(d *store.TOTPDevice) { d.Key = "not hex" }), code(T), now, 0, 0, false},
		{"zero step", with(func(d *store.TOTPDevice) { d.Step = 0 }), code(T), now, 0, 0, false},
		{"8 digits", with(func(d *store.TOTPDevice) { d.Digits = 8 }), "94287082", time.Unix(59, 0), 1, 0, true},
		{"8-digit device, 6-digit code", with(func(d *store.TOTPDevice) { d.Digits = 8 }), "287082", time.Unix(59, 0), 0, 0, false},
		{"fraction of a second ignored", device(), "287082", time.Unix(59, 999999999), 1, 0, true},
		{"step boundary", device(), "287082", time.Unix(60, 0), 1, -1, true},
	}
	for _, tt := range tests {
		gotT, drift, ok := VerifyTOTP(tt.d, tt.code, tt.now)
		if gotT != tt.wantT || drift != tt.wantDrift || ok != tt.wantOK {
			t.Errorf("%s: VerifyTOTP = %d, %d, %v; want %d, %d, %v", tt.name, gotT, drift, ok, tt.wantT, tt.wantDrift, tt.wantOK)
		}
	}
}

// With the RFC key, steps 910737 and 910738 share the code 911617, and steps
// 153567 and 153569 share 468457 (found by search). The lowest offset wins, and
// last_t then lets the other one through.
func TestVerifyTOTPAscendingOrder(t *testing.T) {
	key := []byte("12345678901234567890")
	if HOTP(key, 910737, 6) != 911617 || HOTP(key, 910738, 6) != 911617 ||
		HOTP(key, 153567, 6) != 468457 || HOTP(key, 153569, 6) != 468457 {
		t.Fatal("collision premise broken")
	}
	d := device()
	now := time.Unix(910738*30, 0)
	gotT, drift, ok := VerifyTOTP(d, "911617", now)
	if !ok || gotT != 910737 || drift != -1 {
		t.Fatalf("adjacent collision: %d, %d, %v; want 910737, -1, true", gotT, drift, ok)
	}
	d.LastT, d.Drift = gotT, drift
	// With drift -1 the window is 910736..910738; 910737 is spent.
	gotT, drift, ok = VerifyTOTP(d, "911617", now)
	if !ok || gotT != 910738 || drift != 0 {
		t.Errorf("after replay guard: %d, %d, %v; want 910738, 0, true", gotT, drift, ok)
	}
	gotT, drift, ok = VerifyTOTP(device(), "468457", time.Unix(153568*30+29, 0))
	if !ok || gotT != 153567 || drift != -1 {
		t.Errorf("-1/+1 collision: %d, %d, %v; want 153567, -1, true", gotT, drift, ok)
	}
}

func TestThrottlePolicy(t *testing.T) {
	failed := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return failed.Add(d) }
	tests := []struct {
		name       string
		count      int
		ts         *time.Time
		factor     int
		max        time.Duration
		now        time.Time
		allowed    bool
		lockedTill time.Time
	}{
		{"no failures", 0, &failed, 1, 0, at(0), true, time.Time{}},
		{"no timestamp", 3, nil, 1, 0, at(0), true, time.Time{}},
		{"factor 0 disables", 10, &failed, 0, 0, at(0), true, time.Time{}},
		{"1 failure, at once", 1, &failed, 1, 0, at(0), false, at(time.Second)},
		{"1 failure, just before 1 s", 1, &failed, 1, 0, at(time.Second - time.Microsecond), false, at(time.Second)},
		{"1 failure, after 1 s", 1, &failed, 1, 0, at(time.Second), true, time.Time{}},
		{"2 failures, 1 s", 2, &failed, 1, 0, at(time.Second), false, at(2 * time.Second)},
		{"2 failures, 2 s", 2, &failed, 1, 0, at(2 * time.Second), true, time.Time{}},
		{"3 failures, 3 s", 3, &failed, 1, 0, at(3 * time.Second), false, at(4 * time.Second)},
		{"3 failures, 4 s", 3, &failed, 1, 0, at(4 * time.Second), true, time.Time{}},
		{"4 failures, 7 s", 4, &failed, 1, 0, at(7 * time.Second), false, at(8 * time.Second)},
		{"4 failures, 8 s", 4, &failed, 1, 0, at(8 * time.Second), true, time.Time{}},
		{"factor 3, 2 failures", 2, &failed, 3, 0, at(5 * time.Second), false, at(6 * time.Second)},
		{"capped: 20 failures, 15 min cap, 14 min", 20, &failed, 1, 15 * time.Minute, at(14 * time.Minute), false, at(15 * time.Minute)},
		{"capped: 20 failures, 15 min cap, 15 min", 20, &failed, 1, 15 * time.Minute, at(15 * time.Minute), true, time.Time{}},
		{"cap above the delay changes nothing", 2, &failed, 1, time.Hour, at(time.Second), false, at(2 * time.Second)},
		{"huge count saturates", 200, &failed, 1, 0, at(100 * 365 * 24 * time.Hour), false, failed.Add(time.Duration(maxDelaySeconds) * time.Second)},
	}
	for _, tt := range tests {
		p := ThrottlePolicy{Factor: tt.factor, Max: tt.max}
		allowed, until := p.Allows(store.Throttle{FailureTimestamp: tt.ts, FailureCount: tt.count}, tt.now)
		if allowed != tt.allowed || !until.Equal(tt.lockedTill) {
			t.Errorf("%s: Allows = %v, %v; want %v, %v", tt.name, allowed, until, tt.allowed, tt.lockedTill)
		}
	}
}

func TestPersistentID(t *testing.T) {
	if got := PersistentID(KindTOTP, 1); got != "otp_totp.totpdevice/1" {
		t.Errorf("TOTP: %q", got)
	}
	if got := PersistentID(KindStatic, 42); got != "otp_static.staticdevice/42" {
		t.Errorf("static: %q", got)
	}
	tests := []struct {
		in   string
		kind string
		id   int64
		ok   bool
	}{
		{"otp_totp.totpdevice/1", KindTOTP, 1, true},
		{"otp_static.staticdevice/42", KindStatic, 42, true},
		{"otp_totp.TOTPDevice/1", KindTOTP, 1, true},
		{"otp_totp.totpdevice/ 7 ", KindTOTP, 7, true},
		{"otp_totp.totpdevice/1_0", KindTOTP, 10, true},
		{"otp_totp.totpdevice/-1", KindTOTP, -1, true},
		{"a/b/otp_totp.totpdevice/3", "", 0, false},
		{"OTP_TOTP.totpdevice/1", "", 0, false},
		{"django_otp.plugins.otp_totp.models.TOTPDevice/1", "", 0, false},
		{"otp_static.statictoken/1", "", 0, false},
		{"otp_totp.totpdevice", "", 0, false},
		{"otp_totp.totpdevice/", "", 0, false},
		{"otp_totp.totpdevice/x", "", 0, false},
		{"otp_totp.totpdevice/1.0", "", 0, false},
		{"otp_totp.totpdevice/99999999999999999999", "", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		kind, id, ok := ParsePersistentID(tt.in)
		if kind != tt.kind || id != tt.id || ok != tt.ok {
			t.Errorf("ParsePersistentID(%q) = %q, %d, %v; want %q, %d, %v", tt.in, kind, id, ok, tt.kind, tt.id, tt.ok)
		}
	}
}
