package mail

import (
	"strings"
	"testing"
)

func TestResetLink(t *testing.T) {
	long := strings.Repeat("h", 1000) + ".example"
	tests := []struct {
		name                      string
		params                    ResetParams
		wantLink, wantUID, wantTo string
	}{
		{"observed", aliceParams(), "http://localhost:8000/password/reset/confirm/MQ/7ar-d149efd841d4c80d659e", "MQ", "7ar-d149efd841d4c80d659e"},
		{"escaped host is unescaped", ResetParams{Protocol: "https", Domain: "a&b.example", SiteName: "s", UID: "NDU2Nw", Token: "52p-3a6f8797ae3023d20015", Email: "x@y.example"},
			"https://a&b.example/password/reset/confirm/NDU2Nw/52p-3a6f8797ae3023d20015", "NDU2Nw", "52p-3a6f8797ae3023d20015"},
		{"quoted-printable body", ResetParams{Protocol: "http", Domain: long, SiteName: long, UID: "MTIz", Token: "7ar-0123456789abcdef0123", Email: "x@y.example"},
			"http://" + long + "/password/reset/confirm/MTIz/7ar-0123456789abcdef0123", "MTIz", "7ar-0123456789abcdef0123"},
		{"8bit body", ResetParams{Protocol: "http", Domain: "bücher.de", SiteName: "Bücher", UID: "MTA", Token: "7ar-1", Email: "ü@bücher.de"},
			"http://bücher.de/password/reset/confirm/MTA/7ar-1", "MTA", "7ar-1"},
		{"configured reset URL, path", ResetParams{URL: "https://app.example.com/reset/{uid}/{token}", UID: "MTA", Token: "7ar-0123456789abcdef0123", Email: "x@y.example"},
			"https://app.example.com/reset/MTA/7ar-0123456789abcdef0123", "MTA", "7ar-0123456789abcdef0123"},
		{"configured reset URL, query", ResetParams{URL: "https://app.example.com/#/r?token={token}&uid={uid}", UID: "NDU2Nw", Token: "52p-3a6f8797ae3023d20015", Email: "x@y.example"},
			"https://app.example.com/#/r?token=52p-3a6f8797ae3023d20015&uid=NDU2Nw", "NDU2Nw", "52p-3a6f8797ae3023d20015"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := PasswordReset(tt.params)
			m.Date, m.Boundary = testDate, "===============7=="
			link, uid, token, err := ResetLink(m.Bytes())
			if err != nil || link != tt.wantLink || uid != tt.wantUID || token != tt.wantTo {
				t.Errorf("ResetLink = %q, %q, %q, %v; want %q, %q, %q", link, uid, token, err, tt.wantLink, tt.wantUID, tt.wantTo)
			}
		})
	}
}

func TestResetLinkErrors(t *testing.T) {
	noLink := Message{From: "a@b.example", To: "c@d.example", Subject: "s", Date: testDate, Boundary: "b",
		Text: "Hello\nhttp://example.com/other/path\nhttp://example.com/password/reset/confirm/MQ/", HTML: "<p>h</p>"}
	tests := []struct {
		name, raw, want string
	}{
		{"no link", string(noLink.Bytes()), "mail: no password reset link in the message"},
		{"not a message", "no header here", "mail: parse message: malformed header line: no header here"},
		{"html only", "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n", "mail: message has no text/plain part"},
		{"plain message", "Content-Type: text/plain\r\n\r\nhttp://x/password/reset/confirm/MQ/tok\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := ResetLink([]byte(tt.raw))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}
