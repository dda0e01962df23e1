package server_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// decodeSegment returns the JSON text of segment i of a JWT.
func decodeSegment(t *testing.T, tok string, i int) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// storeHash is a password update to pw hashed with the given count.
func storeHash(t *testing.T, pw string, iterations int) store.PasswordUpdate {
	t.Helper()
	return store.PasswordUpdate{NewHash: password.Encode(pw, "abcdefghijkl", iterations)}
}
