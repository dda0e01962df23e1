package totp

import (
	"testing"
	"time"
)

// rfcKeyHex is the RFC 6238 SHA-1 key "12345678901234567890".
const rfcKeyHex = "3132333435363738393031323334353637383930"

func TestCodeVectors(t *testing.T) {
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	}
	for _, tt := range tests {
		got, err := Code(rfcKeyHex, time.Unix(tt.unix, 0), 6, 30)
		if err != nil || got != tt.want {
			t.Errorf("Code at %d = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
	}
	if got, _ := Code(rfcKeyHex, time.Unix(59, 0), 8, 30); got != "94287082" {
		t.Errorf("8-digit code: %q", got)
	}
	if _, err := Code("zz", time.Unix(59, 0), 6, 30); err == nil {
		t.Error("non-hex key accepted")
	}
	if _, err := Code(rfcKeyHex, time.Unix(-1, 0), 6, 30); err == nil {
		t.Error("negative time accepted")
	}
}
