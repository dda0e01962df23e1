package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// The exact texts of API.md §5.3 (observed console output of the original).
const (
	wantText = `You're receiving this email because you requested a password reset for your user account at localhost:8000.

Please go to the following page and choose a new password:
http://localhost:8000/password/reset/confirm/MQ/7ar-d149efd841d4c80d659e
Your username, in case you've forgotten: alice@example.com

Thanks for using our site!

The localhost:8000 team`

	wantHTML = `<p>You're receiving this email because you requested a password reset for your user account at localhost:8000.</p>

<p>Please go to the following page and choose a new password:</p>
<a href="http://localhost:8000/password/reset/confirm/MQ/7ar-d149efd841d4c80d659e">http://localhost:8000/password/reset/confirm/MQ/7ar-d149efd841d4c80d659e</a>
<p>Your username, in case you've forgotten: <b>alice@example.com</b></p>

<p>Thanks for using our site!</p>

<p>The localhost:8000 team</p>`
)

func aliceParams() ResetParams {
	return ResetParams{
		Protocol: "http", Domain: "localhost:8000", SiteName: "localhost:8000",
		UID: "MQ", Token: "7ar-d149efd841d4c80d659e", Email: "alice@example.com",
	}
}

func TestPasswordResetMatchesObservedEmail(t *testing.T) {
	m := PasswordReset(aliceParams())
	want := Message{
		From: "webmaster@localhost", To: "alice@example.com",
		Subject: "Password reset on localhost:8000", Text: wantText, HTML: wantHTML,
	}
	if m != want {
		t.Errorf("PasswordReset() =\n%#v\nwant\n%#v", m, want)
	}
}

func TestPasswordResetEscapesVariablesInBothParts(t *testing.T) {
	m := PasswordReset(ResetParams{
		Protocol: "https", Domain: `a&b<c>"d'`, SiteName: `S&<>"'`,
		UID: "MQ", Token: "x&y", Email: `o'neil&"co"@example.com`,
	})
	// url|safe: uid and token are not escaped, protocol and domain are.
	link := "https://a&amp;b&lt;c&gt;&quot;d&#39;/password/reset/confirm/MQ/x&y"
	tests := []struct{ name, got, want string }{
		{"subject", m.Subject, "Password reset on S&amp;&lt;&gt;&quot;&#39;"},
		{"text", m.Text, "You're receiving this email because you requested a password reset for your user account at S&amp;&lt;&gt;&quot;&#39;.\n\n" +
			"Please go to the following page and choose a new password:\n" + link + "\n" +
			"Your username, in case you've forgotten: o&#39;neil&amp;&quot;co&quot;@example.com\n\n" +
			"Thanks for using our site!\n\nThe S&amp;&lt;&gt;&quot;&#39; team"},
		{"html", m.HTML, "<p>You're receiving this email because you requested a password reset for your user account at S&amp;&lt;&gt;&quot;&#39;.</p>\n\n" +
			"<p>Please go to the following page and choose a new password:</p>\n" +
			`<a href="` + link + `">` + link + "</a>\n" +
			"<p>Your username, in case you've forgotten: <b>o&#39;neil&amp;&quot;co&quot;@example.com</b></p>\n\n" +
			"<p>Thanks for using our site!</p>\n\n<p>The S&amp;&lt;&gt;&quot;&#39; team</p>"},
		{"to", m.To, `o'neil&"co"@example.com`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s =\n%q\nwant\n%q", tt.name, tt.got, tt.want)
		}
	}
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

var testDate = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestBytesExactLayout(t *testing.T) {
	m := PasswordReset(aliceParams())
	m.Date = testDate
	m.MessageID = "<176407200000.42@localhost>"
	m.Boundary = "===============0000000000000000042=="
	want := "Content-Type: multipart/alternative;\r\n boundary=\"===============0000000000000000042==\"\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Subject: Password reset on localhost:8000\r\n" +
		"From: webmaster@localhost\r\n" +
		"To: alice@example.com\r\n" +
		"Date: Wed, 25 Nov 2026 12:00:00 -0000\r\n" +
		"Message-ID: <176407200000.42@localhost>\r\n" +
		"\r\n" +
		"--===============0000000000000000042==\r\n" +
		"Content-Type: text/plain; charset=\"utf-8\"\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"\r\n" +
		crlf(wantText) + "\r\n" +
		"--===============0000000000000000042==\r\n" +
		"Content-Type: text/html; charset=\"utf-8\"\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"\r\n" +
		crlf(wantHTML) + "\r\n" +
		"--===============0000000000000000042==--\r\n"
	if got := string(m.Bytes()); got != want {
		t.Errorf("Bytes() =\n%s\nwant\n%s", got, want)
	}
}

type parsedPart struct {
	contentType, cte, body string
}

type parsed struct {
	header mail.Header
	parts  []parsedPart
}

// parseBack reads raw with net/mail and mime/multipart, decoding
// encoded-word headers and transfer encodings.
func parseBack(t *testing.T, raw []byte) parsed {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("message has a bare LF:\n%q", raw)
	}
	for line := range strings.SplitSeq(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line of %d bytes", len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	var p parsed
	p.header = msg.Header
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextRawPart: %v", err)
		}
		cte := part.Header.Get("Content-Transfer-Encoding")
		var r io.Reader = part
		if cte == "quoted-printable" {
			r = quotedprintable.NewReader(part)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		p.parts = append(p.parts, parsedPart{part.Header.Get("Content-Type"), cte, string(body)})
	}
	return p
}

func TestBytesParsesBack(t *testing.T) {
	long := strings.Repeat("x", 1200) + ".example"
	tests := []struct {
		name                         string
		params                       ResetParams
		wantSubject, wantTo, wantCTE string
	}{
		{"ascii", aliceParams(), "Password reset on localhost:8000", "alice@example.com", "7bit"},
		{"unicode site and address", ResetParams{
			Protocol: "https", Domain: "bücher.de", SiteName: "Bücher & Co", UID: "MTA", Token: "7ar-abc",
			Email: "jürgen@bücher.de",
		}, "Password reset on Bücher &amp; Co", "=?utf-8?q?j=C3=BCrgen?=@xn--bcher-kva.de", "8bit"},
		{"long host forces quoted-printable", ResetParams{
			Protocol: "http", Domain: long, SiteName: long, UID: "MQ", Token: "7ar-abc", Email: "a@b.example",
		}, "Password reset on " + long, "a@b.example", "quoted-printable"},
		{"encoded-word lookalike in subject", ResetParams{
			Protocol: "http", Domain: "x", SiteName: "=?utf-8?q?evil?=", UID: "MQ", Token: "t", Email: "a@b.example",
		}, "Password reset on =?utf-8?q?evil?=", "a@b.example", "7bit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := PasswordReset(tt.params)
			m.Date = testDate
			m.MessageID = "<1.2@localhost>"
			m.Boundary = "===============1234567890123456789=="
			p := parseBack(t, m.Bytes())

			subject, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
			if err != nil || subject != tt.wantSubject {
				t.Errorf("Subject = %q, %v; want %q", subject, err, tt.wantSubject)
			}
			if got := p.header.Get("To"); got != tt.wantTo {
				t.Errorf("To = %q, want %q", got, tt.wantTo)
			}
			if _, err := mail.ParseAddress(p.header.Get("To")); err != nil {
				t.Errorf("To does not parse: %v", err)
			}
			if got := p.header.Get("From"); got != "webmaster@localhost" {
				t.Errorf("From = %q", got)
			}
			if d, err := p.header.Date(); err != nil || !d.Equal(testDate) {
				t.Errorf("Date = %v, %v; want %v", d, err, testDate)
			}
			if got := p.header.Get("Message-Id"); got != "<1.2@localhost>" {
				t.Errorf("Message-ID = %q", got)
			}
			want := []parsedPart{
				{`text/plain; charset="utf-8"`, tt.wantCTE, crlf(m.Text)},
				{`text/html; charset="utf-8"`, tt.wantCTE, crlf(m.HTML)},
			}
			if len(p.parts) != len(want) {
				t.Fatalf("got %d parts, want %d", len(p.parts), len(want))
			}
			for i := range want {
				if p.parts[i] != want[i] {
					t.Errorf("part %d =\n%q\nwant\n%q", i, p.parts[i], want[i])
				}
			}
		})
	}
}

func TestBytesHeaderInjection(t *testing.T) {
	m := Message{From: "a@b.example", To: "c@d.example\r\nBcc: evil@x.example", Subject: "hi\nBcc: evil@x.example",
		Text: "t", HTML: "h", Date: testDate, Boundary: "b"}
	p := parseBack(t, m.Bytes())
	if got := p.header.Get("Bcc"); got != "" {
		t.Errorf("injected Bcc header %q", got)
	}
	if got := p.header.Get("To"); got != "c@d.example Bcc: evil@x.example" {
		t.Errorf("To = %q", got)
	}
}

func TestBytesDerivesBoundaryWhenMissingOrPresentInBody(t *testing.T) {
	m := Message{From: "a@b.example", To: "c@d.example", Subject: "s", Date: testDate,
		Text: "line\n--===============1==\nend", HTML: "<p>h</p>", Boundary: "===============1=="}
	raw := m.Bytes()
	p := parseBack(t, raw)
	if len(p.parts) != 2 || p.parts[0].body != crlf(m.Text) {
		t.Fatalf("parts = %q", p.parts)
	}
	if bytes.Contains(raw, []byte(`boundary="===============1=="`)) {
		t.Errorf("kept a boundary that occurs in the body")
	}
	m.Boundary = ""
	if a, b := m.Bytes(), m.Bytes(); !bytes.Equal(a, b) {
		t.Errorf("derived boundary is not deterministic")
	}
	parseBack(t, m.Bytes())
}

func TestHeaderFolding(t *testing.T) {
	subject := strings.Repeat("word ", 30) + "end"
	m := Message{From: "a@b.example", To: "c@d.example", Subject: subject, Text: "t", HTML: "h", Date: testDate, Boundary: "b"}
	raw := string(m.Bytes())
	for line := range strings.SplitSeq(raw, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78: %q", line)
		}
	}
	p := parseBack(t, []byte(raw))
	if got := p.header.Get("Subject"); got != subject {
		t.Errorf("unfolded Subject = %q, want %q", got, subject)
	}
}

func TestQWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"=?utf-8?q??="}},
		{"Grüße an_alle?", []string{"=?utf-8?q?Gr=C3=BC=C3=9Fe_an=5Falle=3F?="}},
		{strings.Repeat("é", 10), []string{"=?utf-8?q?" + strings.Repeat("=C3=A9", 10) + "?="}},
		// 63 bytes of room: ten "é" (60 bytes) fit, the eleventh starts a new word.
		{strings.Repeat("é", 11), []string{"=?utf-8?q?" + strings.Repeat("=C3=A9", 10) + "?=", "=?utf-8?q?=C3=A9?="}},
	}
	for _, tt := range tests {
		got := qWords(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("qWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, w := range got {
			if len(w) > 75 {
				t.Errorf("word longer than 75: %q", w)
			}
		}
		dec, err := new(mime.WordDecoder).DecodeHeader(strings.Join(got, " "))
		if err != nil || dec != tt.in {
			t.Errorf("decoded %q, %v; want %q", dec, err, tt.in)
		}
	}
}

func TestHeaderAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{"a@bücher.de", "a@xn--bcher-kva.de"},
		{"a@MÜNCHEN.de", "a@xn--mnchen-3ya.de"},
		{"ü@example.com", "=?utf-8?q?=C3=BC?=@example.com"},
		{"x@他们为什么不说中文.cn", "x@xn--ihqwcrb4cv8a8dqg056pqjye.cn"},
		{"x@ﬁ.example", "x@fi.example"}, // NFKC
	}
	for _, tt := range tests {
		if got := headerAddress(tt.in); got != tt.want {
			t.Errorf("headerAddress(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPunycodeRFC3492Samples(t *testing.T) {
	tests := []struct{ in, want string }{
		{"bücher", "bcher-kva"},
		{"他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"},
		{"ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"},
		{"3年b組金八先生", "3b-ww4c5e180e575a65lsy2b"},
		{"そのスピードで", "d9juau41awczczp"},
	}
	for _, tt := range tests {
		if got := punycode(tt.in); got != tt.want {
			t.Errorf("punycode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatDate(t *testing.T) {
	loc := time.FixedZone("x", 2*3600)
	got := FormatDate(time.Date(2019, 1, 4, 2, 3, 4, 999, loc))
	if want := "Fri, 04 Jan 2019 00:03:04 -0000"; got != want {
		t.Errorf("FormatDate = %q, want %q", got, want)
	}
}

func TestBoundaryFromRandom(t *testing.T) {
	tests := []struct {
		in   [8]byte
		want string
	}{
		{[8]byte{}, "===============0000000000000000000=="},
		{[8]byte{0, 0, 0, 0, 0, 0, 1, 0}, "===============0000000000000000256=="},
		{[8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "===============8446744073709551615=="},
	}
	for _, tt := range tests {
		if got := boundaryFromRandom(tt.in); got != tt.want {
			t.Errorf("boundaryFromRandom(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSubjectEncodingThreshold(t *testing.T) {
	tests := []struct {
		site    string
		encoded bool
	}{
		{strings.Repeat("a", 200), false},
		{strings.Repeat("a", 989-len("reset")), false},
		{strings.Repeat("a", 990), true},
	}
	for _, tt := range tests {
		m := Message{From: "a@b.example", To: "c@d.example", Subject: "reset " + tt.site, Text: "t", HTML: "h", Date: testDate, Boundary: "b"}
		p := parseBack(t, m.Bytes())
		raw := p.header.Get("Subject")
		if got := strings.HasPrefix(strings.TrimPrefix(raw, "reset "), "=?utf-8?q?"); got != tt.encoded {
			t.Errorf("site of %d bytes: encoded %v, want %v (%.40q)", len(tt.site), got, tt.encoded, raw)
		}
		dec, err := new(mime.WordDecoder).DecodeHeader(raw)
		if err != nil || dec != "reset "+tt.site {
			t.Errorf("site of %d bytes: decoded %.40q, %v", len(tt.site), dec, err)
		}
	}
}
