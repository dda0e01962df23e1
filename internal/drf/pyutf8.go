package drf

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// utf8Error is CPython's UnicodeDecodeError for the utf-8 codec: bytes
// [start, end) could not be decoded for reason.
type utf8Error struct {
	b          []byte
	start, end int
	reason     string
}

// Error formats the exception the way CPython's UnicodeDecodeError.__str__
// does, which is what DRF copies into its parse error.
func (e *utf8Error) Error() string {
	if e.end == e.start+1 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", e.b[e.start], e.start, e.reason)
	}
	return fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", e.start, e.end-1, e.reason)
}

// Outcomes of decodeOne, mirroring the return codes of CPython's
// stringlib utf8_decode.
const (
	decOK         = iota
	decIncomplete // a valid prefix cut by the end of the input
	decBadStart   // "invalid start byte", 1 byte
	decBadCont    // "invalid continuation byte", n bytes
)

func isCont(c byte) bool { return c >= 0x80 && c < 0xC0 }

// decodeOne decodes the sequence at the start of b (len(b) > 0) with CPython's
// rules, including the order in which it looks at the bytes of a truncated
// sequence, which decides between "invalid continuation byte" and a silent
// wait for more data.
func decodeOne(b []byte) (r rune, n int, outcome int) {
	c := b[0]
	switch {
	case c < 0x80:
		return rune(c), 1, decOK
	case c < 0xC2:
		return 0, 1, decBadStart
	case c < 0xE0:
		if len(b) < 2 {
			return 0, 0, decIncomplete
		}
		if !isCont(b[1]) {
			return 0, 1, decBadCont
		}
		return rune(c&0x1F)<<6 | rune(b[1]&0x3F), 2, decOK
	case c < 0xF0:
		if len(b) < 3 {
			if len(b) < 2 {
				return 0, 0, decIncomplete
			}
			if !isCont(b[1]) || (b[1] < 0xA0 && c == 0xE0) || (b[1] >= 0xA0 && c == 0xED) {
				return 0, 1, decBadCont
			}
			return 0, 0, decIncomplete
		}
		if !isCont(b[1]) || (c == 0xE0 && b[1] < 0xA0) || (c == 0xED && b[1] >= 0xA0) {
			return 0, 1, decBadCont
		}
		if !isCont(b[2]) {
			return 0, 2, decBadCont
		}
		return rune(c&0x0F)<<12 | rune(b[1]&0x3F)<<6 | rune(b[2]&0x3F), 3, decOK
	case c < 0xF5:
		if len(b) < 4 {
			if len(b) < 2 {
				return 0, 0, decIncomplete
			}
			if !isCont(b[1]) || (b[1] < 0x90 && c == 0xF0) || (b[1] >= 0x90 && c == 0xF4) {
				return 0, 1, decBadCont
			}
			if len(b) < 3 {
				return 0, 0, decIncomplete
			}
			if !isCont(b[2]) {
				return 0, 2, decBadCont
			}
			return 0, 0, decIncomplete
		}
		if !isCont(b[1]) || (c == 0xF0 && b[1] < 0x90) || (c == 0xF4 && b[1] >= 0x90) {
			return 0, 1, decBadCont
		}
		if !isCont(b[2]) {
			return 0, 2, decBadCont
		}
		if !isCont(b[3]) {
			return 0, 3, decBadCont
		}
		return rune(c&0x07)<<18 | rune(b[1]&0x3F)<<12 | rune(b[2]&0x3F)<<6 | rune(b[3]&0x3F), 4, decOK
	default:
		return 0, 1, decBadStart
	}
}

// decodeUTF8Stream decodes b as DRF's JSONParser does: through
// codecs.getreader('utf-8'), whose read() decodes without the final flag, so
// a sequence truncated by the end of the body is silently dropped instead of
// reported.
func decodeUTF8Stream(b []byte) (string, *utf8Error) {
	if utf8.Valid(b) { // the same set CPython accepts, see decodeUTF8Strict
		return string(b), nil
	}
	for i := 0; i < len(b); {
		_, n, outcome := decodeOne(b[i:])
		switch outcome {
		case decOK:
			i += n
			continue
		case decIncomplete:
			return string(b[:i]), nil
		case decBadStart:
			return "", &utf8Error{b: b, start: i, end: i + 1, reason: "invalid start byte"}
		}
		// CPython keeps a lone ED A0..BF at the very end for the next call
		// (a possibly truncated surrogate) rather than rejecting it.
		if n == 1 && b[i] == 0xED && len(b)-i == 2 && b[i+1] >= 0xA0 && b[i+1] <= 0xBF {
			return string(b[:i]), nil
		}
		return "", &utf8Error{b: b, start: i, end: i + n, reason: "invalid continuation byte"}
	}
	return string(b), nil
}

// decodeUTF8Strict is bytes.decode('utf-8') with errors='strict'; it reports
// only whether decoding succeeds.
func decodeUTF8Strict(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	// Go accepts exactly the sequences CPython accepts (no surrogates, no
	// overlongs, nothing above U+10FFFF).
	return string(b), true
}

// decodeUTF8Replace is bytes.decode('utf-8', 'replace'): one U+FFFD per
// error span as CPython delimits it (a truncated tail is one span), which is
// not what Go's strings.ToValidUTF8 or range loops produce.
func decodeUTF8Replace(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, n, outcome := decodeOne(b[i:])
		switch outcome {
		case decOK:
			sb.WriteRune(r)
			i += n
		case decIncomplete:
			sb.WriteRune(utf8.RuneError)
			i = len(b)
		default:
			sb.WriteRune(utf8.RuneError)
			i += n
		}
	}
	return sb.String()
}

// latin1 decodes b as ISO-8859-1: every byte is the code point of the same
// value. WSGI hands header values to Python this way.
func latin1(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
