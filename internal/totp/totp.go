// Package totp computes TOTP codes as an authenticator app shows them. It is
// the one piece of the second factor that both sides need: the server checks
// codes (server/otp), while the CLI's `totp code` and the harness make them.
package totp

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"time"

	potp "github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// DeviceKind is django-otp's model label of a TOTP device, the prefix of the
// otp_device_id claim of a token verified with a TOTP code.
const DeviceKind = "otp_totp.totpdevice"

// Code returns the zero-padded TOTP code of keyHex at time at, for a device with
// t0 = 0, the given digits and step, as an authenticator app would show it.
func Code(keyHex string, at time.Time, digits, step int) (string, error) {
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return "", errors.New("totp: key is not hex")
	}
	if step <= 0 || at.Unix() < 0 {
		return "", errors.New("totp: time or step out of range")
	}
	return hotp.GenerateCodeCustom(base32.StdEncoding.EncodeToString(key), uint64(at.Unix()/int64(step)), hotp.ValidateOpts{
		Digits:    potp.Digits(digits),
		Algorithm: potp.AlgorithmSHA1,
	})
}
