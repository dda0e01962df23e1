package pyjson

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// DefaultMaxDepth is the nesting a Decoder with MaxDepth 0 accepts.
const DefaultMaxDepth = 900

// Decoder is json.loads with the options the callers need.
type Decoder struct {
	// ParseConstant is json.loads's parse_constant as far as refusing goes:
	// it is called with "NaN", "Infinity" or "-Infinity", and an error it
	// returns ends decoding and is returned as it is. When it is nil or
	// returns nil, the constant is the float it names, as json.loads gives
	// by default.
	ParseConstant func(name string) error
	// MaxDepth is how deeply arrays and objects may nest; 0 means
	// DefaultMaxDepth. CPython raises RecursionError somewhere below its
	// recursion limit of 1000, the exact depth depending on the Python
	// stack beneath the parser, so each caller picks its own.
	MaxDepth int
}

// SyntaxError is CPython's json.JSONDecodeError. Pos is a code point index
// into the document; Line and Col are 1-based, as CPython counts them.
type SyntaxError struct {
	Msg            string
	Pos, Line, Col int
}

// Error is str(exc): "msg: line L column C (char P)".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: line %d column %d (char %d)", e.Msg, e.Line, e.Col, e.Pos)
}

// RecursionError is returned for nesting deeper than the Decoder's MaxDepth,
// where CPython raises RecursionError.
type RecursionError struct {
	Object bool // an object was being entered, not an array
}

// Error is the text of CPython's RecursionError.
func (e *RecursionError) Error() string {
	what := "array"
	if e.Object {
		what = "object"
	}
	return "maximum recursion depth exceeded while decoding a JSON " + what + " from a unicode string"
}

// Loads is json.loads(s) with the default options. s is a Python str: valid
// UTF-8 is assumed (invalid bytes read as U+FFFD).
func Loads(s string) (Value, error) { return Decoder{}.Loads(s) }

// Loads is json.loads(s) with d's options. The error is a *SyntaxError, a
// *RecursionError, or what d.ParseConstant returned.
//
// Loads only checks the document and returns a Value that refers to its
// text: containers and strings are read from it when a caller asks, so a
// request body costs no memory beyond its own text however many values it
// holds, and what no caller reads is never built.
func (d Decoder) Loads(s string) (Value, error) {
	maxDepth := d.MaxDepth
	if maxDepth == 0 {
		maxDepth = DefaultMaxDepth
	}
	sc := scanner{s: s, parseConstant: d.ParseConstant, maxDepth: maxDepth}
	v, err := sc.loads()
	if se, ok := err.(*SyntaxError); ok {
		se.Pos, se.Line, se.Col = position(s, se.Pos)
	}
	return v, err
}

// position turns a byte offset into JSONDecodeError's pos, lineno and colno,
// which count code points; an invalid byte counts as one, as it does in
// []rune(s).
func position(s string, off int) (pos, line, col int) {
	before := s[:off]
	lastNL := strings.LastIndexByte(before, '\n')
	return utf8.RuneCountInString(before), strings.Count(before, "\n") + 1, utf8.RuneCountInString(before[lastNL+1:]) + 1
}

// errAt is a SyntaxError at byte offset off; Loads converts it.
func errAt(msg string, off int) error {
	return &SyntaxError{Msg: msg, Pos: off}
}

// scanner follows CPython's C accelerator (Modules/_json.c), which is what
// json.loads runs on CPython 3.7; its messages and error positions differ
// from the pure-Python fallback in a few places (control characters, bad
// escapes, a \u escape cut by the end of the input).
//
// It works on byte offsets where CPython counts code points. Everything it
// compares is ASCII, so the two agree: a non-ASCII character is never what
// a test looks for, and where CPython checks that a few code points remain
// (the \u escapes), a byte count that differs implies a non-ASCII byte
// among the hex digits, which fails in both at the same place.
type scanner struct {
	s             string
	parseConstant func(string) error
	maxDepth      int
}

// rescan is a scanner over text Loads already accepted, to walk a container
// again: it cannot fail, and constants are not reported twice.
func rescan(src string) *scanner { return &scanner{s: src, maxDepth: math.MaxInt} }

func (sc *scanner) loads() (Value, error) {
	if strings.HasPrefix(sc.s, "\ufeff") {
		return Value{}, errAt("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
	}
	v, end, err := sc.scanOnce(sc.skipWS(0), 0)
	if err != nil {
		return Value{}, err
	}
	if end = sc.skipWS(end); end != len(sc.s) {
		return Value{}, errAt("Extra data", end)
	}
	return v, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (sc *scanner) skipWS(i int) int {
	for i < len(sc.s) && isSpace(sc.s[i]) {
		i++
	}
	return i
}

// scanOnce is scan_once_unicode, returning the value and the index past it.
// A StopIteration there surfaces from raw_decode or the container parsers as
// "Expecting value" at its index, so it is reported that way directly.
func (sc *scanner) scanOnce(idx, depth int) (Value, int, error) {
	kind, end, err := sc.scanValue(idx, depth)
	if err != nil {
		return Value{}, 0, err
	}
	return Value{kind: kind, src: sc.s[idx:end], literal: true}, end, nil
}

func (sc *scanner) scanValue(idx, depth int) (Kind, int, error) {
	if idx >= len(sc.s) {
		return Invalid, 0, errAt("Expecting value", idx)
	}
	rest := sc.s[idx:]
	switch rest[0] {
	case '"':
		end, err := sc.scanString(idx + 1)
		return Str, end, err
	case '{':
		if depth >= sc.maxDepth {
			return Invalid, 0, &RecursionError{Object: true}
		}
		end, err := sc.parseObject(idx+1, depth+1, nil)
		return Dict, end, err
	case '[':
		if depth >= sc.maxDepth {
			return Invalid, 0, &RecursionError{}
		}
		end, err := sc.parseArray(idx+1, depth+1, nil)
		return List, end, err
	case 'n':
		if strings.HasPrefix(rest, "null") {
			return Null, idx + 4, nil
		}
	case 't':
		if strings.HasPrefix(rest, "true") {
			return Bool, idx + 4, nil
		}
	case 'f':
		if strings.HasPrefix(rest, "false") {
			return Bool, idx + 5, nil
		}
	case 'N':
		if strings.HasPrefix(rest, "NaN") {
			return sc.constant(idx, "NaN")
		}
	case 'I':
		if strings.HasPrefix(rest, "Infinity") {
			return sc.constant(idx, "Infinity")
		}
	case '-':
		if strings.HasPrefix(rest, "-Infinity") {
			return sc.constant(idx, "-Infinity")
		}
	}
	return sc.matchNumber(idx)
}

// constant is parse_constant(name) for the literal at idx.
func (sc *scanner) constant(idx int, name string) (Kind, int, error) {
	if sc.parseConstant != nil {
		if err := sc.parseConstant(name); err != nil {
			return Invalid, 0, err
		}
	}
	return Float, idx + len(name), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// matchNumber is _match_number_unicode: ASCII digits only, and a fraction or
// exponent that is not followed by a digit is left for the caller.
func (sc *scanner) matchNumber(start int) (Kind, int, error) {
	s, idx := sc.s, start
	if s[idx] == '-' {
		idx++
		if idx >= len(s) {
			return Invalid, 0, errAt("Expecting value", start)
		}
	}
	switch {
	case s[idx] >= '1' && s[idx] <= '9':
		idx++
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
	case s[idx] == '0':
		idx++
	default:
		return Invalid, 0, errAt("Expecting value", start)
	}
	kind := Int
	if idx+1 < len(s) && s[idx] == '.' && isDigit(s[idx+1]) {
		kind = Float
		idx += 2
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
	}
	if idx+1 < len(s) && (s[idx] == 'e' || s[idx] == 'E') {
		eStart := idx
		idx++
		if idx+1 < len(s) && (s[idx] == '-' || s[idx] == '+') {
			idx++
		}
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
		if isDigit(s[idx-1]) {
			kind = Float
		} else {
			idx = eStart
		}
	}
	return kind, idx, nil
}

// parseObject is _parse_object_unicode; idx is just past the '{'. visit, if
// not nil, is given each member in document order: the key's string literal
// (quotes included) and the value.
func (sc *scanner) parseObject(idx, depth int, visit func(keyLit string, v Value)) (int, error) {
	s := sc.s
	idx = sc.skipWS(idx)
	if idx < len(s) && s[idx] == '}' {
		return idx + 1, nil
	}
	for {
		if idx >= len(s) || s[idx] != '"' {
			return 0, errAt("Expecting property name enclosed in double quotes", idx)
		}
		keyStart := idx
		next, err := sc.scanString(idx + 1)
		if err != nil {
			return 0, err
		}
		keyLit := s[keyStart:next]
		idx = sc.skipWS(next)
		if idx >= len(s) || s[idx] != ':' {
			return 0, errAt("Expecting ':' delimiter", idx)
		}
		idx = sc.skipWS(idx + 1)
		v, next, err := sc.scanOnce(idx, depth)
		if err != nil {
			return 0, err
		}
		if visit != nil {
			visit(keyLit, v)
		}
		idx = sc.skipWS(next)
		if idx < len(s) && s[idx] == '}' {
			return idx + 1, nil
		}
		if idx >= len(s) || s[idx] != ',' {
			return 0, errAt("Expecting ',' delimiter", idx)
		}
		idx = sc.skipWS(idx + 1)
	}
}

// parseArray is _parse_array_unicode; idx is just past the '['. visit, if
// not nil, is given each item in order.
func (sc *scanner) parseArray(idx, depth int, visit func(v Value)) (int, error) {
	s := sc.s
	idx = sc.skipWS(idx)
	if idx < len(s) && s[idx] == ']' {
		return idx + 1, nil
	}
	for {
		v, next, err := sc.scanOnce(idx, depth)
		if err != nil {
			return 0, err
		}
		if visit != nil {
			visit(v)
		}
		idx = sc.skipWS(next)
		if idx < len(s) && s[idx] == ']' {
			return idx + 1, nil
		}
		if idx >= len(s) || s[idx] != ',' {
			return 0, errAt("Expecting ',' delimiter", idx)
		}
		idx = sc.skipWS(idx + 1)
	}
}

// hex4 decodes the four hex digits at s[i:i+4]; the caller has checked the
// length.
func hex4(s string, i int) (rune, bool) {
	var c rune
	for _, d := range []byte(s[i : i+4]) {
		c <<= 4
		switch {
		case d >= '0' && d <= '9':
			c |= rune(d - '0')
		case d >= 'a' && d <= 'f':
			c |= rune(d - 'a' + 10)
		case d >= 'A' && d <= 'F':
			c |= rune(d - 'A' + 10)
		default:
			return 0, false
		}
	}
	return c, true
}

func isHighSurrogate(c rune) bool { return c >= 0xD800 && c <= 0xDBFF }
func isLowSurrogate(c rune) bool  { return c >= 0xDC00 && c <= 0xDFFF }

// scanString is scanstring_unicode with strict=True, checking only; end is
// just past the opening quote. It returns the index past the closing quote.
// appendStr decodes what it accepted.
func (sc *scanner) scanString(end int) (int, error) {
	s := sc.s
	begin := end - 1
	for {
		next := end
		var c byte
		for ; next < len(s); next++ {
			c = s[next]
			if c == '"' || c == '\\' {
				break
			}
			if c <= 0x1f {
				return 0, errAt("Invalid control character at", next)
			}
		}
		if next >= len(s) {
			return 0, errAt("Unterminated string starting at", begin)
		}
		next++
		if c == '"' {
			return next, nil
		}
		if next == len(s) {
			return 0, errAt("Unterminated string starting at", begin)
		}
		if c = s[next]; c != 'u' {
			end = next + 1
			if strings.IndexByte(`"\/bfnrt`, c) < 0 {
				return 0, errAt("Invalid \\escape", end-2)
			}
			continue
		}
		next++
		end = next + 4
		if end >= len(s) {
			return 0, errAt("Invalid \\uXXXX escape", next-1)
		}
		r, ok := hex4(s, next)
		if !ok {
			return 0, errAt("Invalid \\uXXXX escape", end-5)
		}
		next = end
		if isHighSurrogate(r) && end+6 < len(s) && s[next] == '\\' && s[next+1] == 'u' {
			end += 6
			r2, ok := hex4(s, next+2)
			if !ok {
				return 0, errAt("Invalid \\uXXXX escape", end-5)
			}
			if !isLowSurrogate(r2) {
				end -= 6
			}
		}
	}
}

// unescapes maps the byte after a backslash to what it stands for, for the
// escapes other than \u.
var unescapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// appendStr appends the text of lit, a string literal scanString accepted,
// quotes included. Invalid UTF-8 becomes one U+FFFD per byte, as []rune(s)
// reads it; so does a lone surrogate, which a Python str can hold and a Go
// string cannot (still one code point).
func appendStr(dst []byte, lit string) []byte {
	s := lit[1 : len(lit)-1]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c != '\\':
			r, n := rune(c), 1
			if c >= utf8.RuneSelf {
				r, n = utf8.DecodeRuneInString(s[i:])
			}
			dst = utf8.AppendRune(dst, r)
			i += n
		case s[i+1] != 'u':
			dst = append(dst, unescapes[s[i+1]])
			i += 2
		default:
			r, _ := hex4(s, i+2)
			i += 6
			// scanString paired them only with the closing quote still
			// ahead, which the literal's end stands for here.
			if isHighSurrogate(r) && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2, ok := hex4(s, i+2); ok && isLowSurrogate(r2) {
					r = 0x10000 + ((r-0xD800)<<10 | (r2 - 0xDC00))
					i += 6
				}
			}
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// plainStr is the text of a string literal that needs no decoding: no
// escapes and valid UTF-8. ok is false otherwise.
func plainStr(lit string) (text string, ok bool) {
	text = lit[1 : len(lit)-1]
	return text, strings.IndexByte(text, '\\') < 0 && utf8.ValidString(text)
}
