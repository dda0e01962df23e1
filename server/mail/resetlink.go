package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
)

// resetPath is the front-end path djoser's PASSWORD_RESET_CONFIRM_URL
// puts in the link.
const resetPath = "/password/reset/confirm/"

// ResetLink finds the password-reset link in the text part of a stored
// message (store.Mail.Raw) and returns it with its uid and token. The text
// part is HTML-escaped like the original's, so the link is unescaped.
//
// A link built from a configured reset URL (ResetParams.URL) has no fixed
// shape: its token is the part that looks like a Django reset token, and its
// uid the part that is the base64 of a number.
func ResetLink(raw []byte) (link, uid, token string, err error) {
	text, err := TextPart(raw)
	if err != nil {
		return "", "", "", err
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = html.UnescapeString(strings.TrimRight(line, "\r"))
		if !strings.HasPrefix(line, "http://") && !strings.HasPrefix(line, "https://") {
			continue
		}
		if i := strings.LastIndex(line, resetPath); i >= 0 {
			uid, token, ok := strings.Cut(line[i+len(resetPath):], "/")
			if ok && uid != "" && token != "" && !strings.Contains(token, "/") {
				return line, uid, token, nil
			}
		}
		if uid, token, ok := linkParts(line); ok {
			return line, uid, token, nil
		}
	}
	return "", "", "", errors.New("mail: no password reset link in the message")
}

// tokenShape is Django 2.1's reset token: a base36 timestamp, "-", 20 hex digits.
var tokenShape = regexp.MustCompile(`^[0-9a-z]{1,13}-[0-9a-f]{20}$`)

func linkParts(link string) (uid, token string, ok bool) {
	parts := strings.FieldsFunc(link, func(r rune) bool { return strings.ContainsRune("/?&=#;", r) })
	for _, p := range parts {
		switch {
		case token == "" && tokenShape.MatchString(p):
			token = p
		case uid == "" && isUID(p):
			uid = p
		}
	}
	return uid, token, uid != "" && token != ""
}

// isUID reports whether p is djoser's encode_uid of a primary key.
func isUID(p string) bool {
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// TextPart returns the decoded text/plain part of raw (CRLF line endings
// kept), or its body when it is not multipart.
func TextPart(raw []byte) (string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("mail: parse message: %w", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return "", fmt.Errorf("mail: parse Content-Type: %w", err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		return decodePart(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return "", errors.New("mail: message has no text/plain part")
		}
		if err != nil {
			return "", fmt.Errorf("mail: read MIME part: %w", err)
		}
		if t, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); t == "text/plain" {
			return decodePart(p, p.Header.Get("Content-Transfer-Encoding"))
		}
	}
}

func decodePart(r io.Reader, cte string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(cte), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("mail: read part: %w", err)
	}
	return string(b), nil
}
