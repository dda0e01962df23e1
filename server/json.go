package server

import (
	"strconv"
	"unicode/utf8"
)

// appendJSONString appends s as encodeJSON writes a string (encoding/json
// without HTML escaping), for the bodies written without reflection.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONOptString is appendJSONString for a nullable value.
func appendJSONOptString(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return appendJSONString(dst, *s)
}

// json is encodeJSON(b), written out: it is the body of the user view.
func (b userBody) json() []byte {
	dst := make([]byte, 0, 128)
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, b.ID, 10)
	dst = append(dst, `,"email":`...)
	dst = appendJSONString(dst, b.Email)
	dst = append(dst, `,"profile":`...)
	if p := b.Profile; p == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, `{"display_name":`...)
		dst = appendJSONOptString(dst, p.DisplayName)
		dst = append(dst, `,"profile_image":`...)
		dst = appendJSONOptString(dst, p.ProfileImage)
		dst = append(dst, `,"about":`...)
		dst = appendJSONOptString(dst, p.About)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}
