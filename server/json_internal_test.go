package server

import (
	"bytes"
	"testing"
)

var jsonSeeds = []string{"", "alice@example.com", "é\u2028\u2029\U0001F600", "\x00\x01\x1f\x7f\"\\/<>&", "\b\f\n\r\t", "\xff\xfe", "a\xc3", "\xed\xa0\x80"}

// FuzzUserBodyJSON checks the user view's hand-written body against
// encodeJSON, which is encoding/json.
func FuzzUserBodyJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(int64(7), s, s, true, true, false)
	}
	f.Add(int64(-1), "", "x", false, false, true)
	f.Fuzz(func(t *testing.T, id int64, a, b string, hasProfile, hasName, hasAbout bool) {
		body := userBody{ID: id, Email: a}
		if hasProfile {
			body.Profile = &profileBody{ProfileImage: &b}
			if hasName {
				body.Profile.DisplayName = &a
			}
			if hasAbout {
				body.Profile.About = &b
			}
		}
		if got, want := body.json(), encodeJSON(body); !bytes.Equal(got, want) {
			t.Errorf("json() = %s, encodeJSON = %s", got, want)
		}
	})
}
