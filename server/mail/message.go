// Package mail builds the password-reset email exactly as the original Django
// backend did (djoser 1.3.1, django-templated-mail 1.1.1, Django 2.1.5
// EmailMultiAlternatives), keeps every message in a durable outbox, optionally
// drops a copy of each as its own .eml file, and delivers the outbox over SMTP
// with retries.
//
// The database outbox is the source of truth: a message is accepted once it is
// stored there, and it leaves the pending state only after an SMTP server has
// acknowledged its DATA.
package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"time"
)

// DefaultFrom is Django's DEFAULT_FROM_EMAIL default, which the original used.
const DefaultFrom = "webmaster@localhost"

// Message is one email: a text part and an HTML part sent as
// multipart/alternative. Text and HTML use "\n" line endings; Bytes turns
// them into CRLF.
type Message struct {
	From, To, Subject, Text, HTML string
	Date                          time.Time
	MessageID                     string // with angle brackets, e.g. "<1.2@localhost>"
	// Boundary is the MIME boundary. Outbox.Send fills it from its random
	// source when empty; Bytes derives one from the content if it is still empty.
	Boundary string
}

// ResetParams are the template variables of djoser's password_reset.html.
// Domain and SiteName are the request's Host header (with port) in the
// original, Protocol is "http" or "https", UID and Token as in API.md §5.1–5.2,
// Email is the user's stored email (the To address and the "username").
//
// URL, when set, is the whole link with {uid} and {token} in it (djoser's
// PASSWORD_RESET_CONFIRM_URL pointed at a front end); From replaces
// DefaultFrom.
type ResetParams struct {
	Protocol, Domain, SiteName, UID, Token, Email string
	URL, From                                     string
}

var escaper = strings.NewReplacer(
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	`"`, "&quot;",
	"'", "&#39;",
)

// escape is Django's django.utils.html.escape; html.EscapeString differs for
// '"' (&#34;), so it cannot be used.
func escape(s string) string { return escaper.Replace(s) }

// PasswordReset renders djoser 1.3.1's email/password_reset.html.
//
// Whitespace: django-templated-mail 1.1.1 renders each block (subject,
// text_body, html_body) and calls .strip() on it, so the newline after each
// {% block %} tag and before each {% endblock %} disappears: the bodies start
// with their first word and end without a trailing newline. That is what the
// console output in API.md §5.3 shows (the console backend adds its own
// newline after the message).
//
// Escaping: the template is rendered with autoescape on, so every {{ var }}
// and every variable inside {% blocktrans %} goes through Django's escape, in
// the text part as well as the HTML part. The literal {% trans %} strings
// ("You're", "you've") are marked safe and stay unescaped, and {{ url|safe }}
// (the uid/token path) is not escaped either.
func PasswordReset(p ResetParams) Message {
	site := escape(p.SiteName)
	user := escape(p.Email)
	link := escape(p.Protocol) + "://" + escape(p.Domain) + "/" +
		"password/reset/confirm/" + p.UID + "/" + p.Token
	if p.URL != "" {
		// The operator's own URL: escaped as the template's variables
		// are, so an "&" in its query reads back through ResetLink.
		link = escape(strings.NewReplacer("{uid}", p.UID, "{token}", p.Token).Replace(p.URL))
	}
	from := DefaultFrom
	if p.From != "" {
		from = p.From
	}

	text := "You're receiving this email because you requested a password reset for your user account at " + site + ".\n" +
		"\n" +
		"Please go to the following page and choose a new password:\n" +
		link + "\n" +
		"Your username, in case you've forgotten: " + user + "\n" +
		"\n" +
		"Thanks for using our site!\n" +
		"\n" +
		"The " + site + " team"

	html := "<p>You're receiving this email because you requested a password reset for your user account at " + site + ".</p>\n" +
		"\n" +
		"<p>Please go to the following page and choose a new password:</p>\n" +
		`<a href="` + link + `">` + link + "</a>\n" +
		"<p>Your username, in case you've forgotten: <b>" + user + "</b></p>\n" +
		"\n" +
		"<p>Thanks for using our site!</p>\n" +
		"\n" +
		"<p>The " + site + " team</p>"

	return Message{
		From:    from,
		To:      p.Email,
		Subject: "Password reset on " + site,
		Text:    text,
		HTML:    html,
	}
}

// lineLengthLimit is RFC 5322's limit, which Django uses to switch a utf-8
// body from 7bit/8bit to quoted-printable.
const lineLengthLimit = 998

// AccountNotice tells an account holder that support changed their account:
// what was done (a sentence such as "Two-step login was turned off for your
// account"), when, and whom to ask if they did not expect it. It is
// vsauth's own message; the original sent none.
func AccountNotice(to, site, what string, at time.Time) Message {
	when := at.UTC().Format("2 January 2006 at 15:04 UTC")
	text := "Hello,\n" +
		"\n" +
		what + " by support on " + when + ".\n" +
		"\n" +
		"If you did not ask for this, reply to this message or contact the " + site + " team at once.\n" +
		"\n" +
		"The " + site + " team"
	html := "<p>Hello,</p>\n" +
		"<p>" + escape(what) + " by support on " + escape(when) + ".</p>\n" +
		"<p>If you did not ask for this, reply to this message or contact the " + escape(site) + " team at once.</p>\n" +
		"<p>The " + escape(site) + " team</p>"
	return Message{To: to, Subject: "Your " + site + " account was changed by support", Text: text, HTML: html}
}

// Bytes renders m as an RFC 5322 message with CRLF line endings, laid out as
// Django's EmailMultiAlternatives.message() does: the same headers in the
// same order, Python's "===============<digits>==" boundary style, and each
// part's transfer encoding chosen like Django's SafeMIMEText (7bit when
// ASCII, 8bit otherwise, quoted-printable when a line exceeds 998 bytes).
// Header values never contain CR or LF: they are replaced by spaces, so a
// hostile value cannot inject headers (Django raised BadHeaderError instead).
func (m Message) Bytes() []byte {
	textCTE, textBody := encodeBody(m.Text)
	htmlCTE, htmlBody := encodeBody(m.HTML)

	boundary := m.Boundary
	for boundary == "" || bytes.Contains(textBody, []byte("--"+boundary)) ||
		bytes.Contains(htmlBody, []byte("--"+boundary)) {
		boundary = derivedBoundary(boundary, textBody, htmlBody)
	}

	var b bytes.Buffer
	// Python folds this header because it is longer than 78 characters.
	b.WriteString("Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n")
	b.WriteString("MIME-Version: 1.0\r\n")
	writeHeader(&b, "Subject", encodeText(m.Subject))
	writeHeader(&b, "From", []string{headerAddress(m.From)})
	writeHeader(&b, "To", []string{headerAddress(m.To)})
	if !m.Date.IsZero() {
		writeHeader(&b, "Date", []string{FormatDate(m.Date)})
	}
	if m.MessageID != "" {
		writeHeader(&b, "Message-ID", []string{sanitizeHeader(m.MessageID)})
	}
	b.WriteString("\r\n")
	for _, part := range []struct {
		subtype, cte string
		body         []byte
	}{{"plain", textCTE, textBody}, {"html", htmlCTE, htmlBody}} {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString("Content-Type: text/" + part.subtype + "; charset=\"utf-8\"\r\n")
		b.WriteString("MIME-Version: 1.0\r\n")
		b.WriteString("Content-Transfer-Encoding: " + part.cte + "\r\n")
		b.WriteString("\r\n")
		b.Write(part.body)
		// The CRLF before a delimiter belongs to the delimiter (RFC 2046),
		// so a body without a final newline decodes without one.
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

// FormatDate formats t as Python's email.utils.formatdate(localtime=False)
// does: UTC, with the "-0000" zone Django's messages carry.
func FormatDate(t time.Time) string {
	return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0000")
}

// encodeBody returns the transfer encoding and the encoded body with CRLF
// line endings.
func encodeBody(s string) (cte string, body []byte) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	long := false
	for line := range strings.SplitSeq(s, "\n") {
		if len(line) > lineLengthLimit {
			long = true
			break
		}
	}
	if long {
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		// Writes to a bytes.Buffer cannot fail.
		_, _ = w.Write([]byte(s))
		_ = w.Close()
		return "quoted-printable", b.Bytes()
	}
	body = []byte(strings.ReplaceAll(s, "\n", "\r\n"))
	for _, c := range body {
		if c >= 0x80 {
			return "8bit", body
		}
	}
	return "7bit", body
}

// derivedBoundary makes a boundary from the content, so Bytes stays a pure
// function; it is only used when no random boundary was set or (never in
// practice) when the chosen one occurs in a body.
func derivedBoundary(prev string, parts ...[]byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	for _, p := range parts {
		h.Write(p)
	}
	return "===============" + hex.EncodeToString(h.Sum(nil)[:12]) + "=="
}

// boundaryFromRandom formats 8 random bytes like Python's email generator
// (15 '=', a 19-digit number, "==").
func boundaryFromRandom(r [8]byte) string {
	var n uint64
	for _, c := range r {
		n = n<<8 | uint64(c)
	}
	return fmt.Sprintf("===============%019d==", n%1e19)
}

func sanitizeHeader(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// maxHeaderLine is the folding target of RFC 5322 (78 characters).
const maxHeaderLine = 78

// writeHeader writes "Name: tokens" with the tokens joined by single spaces,
// folding before a token when the line would exceed 78 characters. Folding
// turns an existing space into CRLF+space, so unfolding restores the value.
func writeHeader(b *bytes.Buffer, name string, tokens []string) {
	b.WriteString(name + ":")
	lineLen := len(name) + 1
	for _, t := range tokens {
		if lineLen+1+len(t) > maxHeaderLine && lineLen > len(name)+1 {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteString(" " + t)
		lineLen += 1 + len(t)
	}
	b.WriteString("\r\n")
}

// encodeText splits an unstructured header value (Subject) into foldable
// tokens, using RFC 2047 Q encoded words when the value is not plain
// printable ASCII, contains something a decoder would take for an encoded
// word, or has a word longer than a line may be (998 bytes).
func encodeText(s string) []string {
	s = sanitizeHeader(s)
	tokens := strings.Split(s, " ")
	if !needsEncoding(s) {
		for _, t := range tokens {
			// Python leaves long words unfolded; only the hard limit forces encoding.
			if len(t) > lineLengthLimit-len("Subject: ") {
				return qWords(s)
			}
		}
		return tokens
	}
	return qWords(s)
}

func needsEncoding(s string) bool {
	if strings.Contains(s, "=?") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return true
		}
	}
	return false
}

// qWords encodes s as "=?utf-8?q?...?=" words of at most 75 characters,
// never splitting a UTF-8 sequence (RFC 2047 §5 and §6.3). Go's
// mime.QEncoding leaves ASCII untouched, so it cannot split a long ASCII word.
func qWords(s string) []string {
	const prefix, suffix = "=?utf-8?q?", "?="
	const room = 75 - len(prefix) - len(suffix)
	var words []string
	var cur strings.Builder
	for _, r := range s {
		var enc strings.Builder
		for _, c := range []byte(string(r)) {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
				c == '!', c == '*', c == '+', c == '-', c == '/':
				enc.WriteByte(c)
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		if cur.Len()+enc.Len() > room {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc.String())
	}
	if cur.Len() > 0 || len(words) == 0 {
		words = append(words, prefix+cur.String()+suffix)
	}
	return words
}
