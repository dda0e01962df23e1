package mail

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// resetPath is the front-end path djoser's PASSWORD_RESET_CONFIRM_URL
// puts in the link.
const resetPath = "/password/reset/confirm/"

// ResetLink finds the password-reset link in the text part of a stored
// message (store.Mail.Raw) and returns it with its uid and token. The text
// part is HTML-escaped like the original's, so the link is unescaped.
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
		i := strings.LastIndex(line, resetPath)
		if i < 0 {
			continue
		}
		uid, token, ok := strings.Cut(line[i+len(resetPath):], "/")
		if !ok || uid == "" || token == "" || strings.Contains(token, "/") {
			continue
		}
		return line, uid, token, nil
	}
	return "", "", "", errors.New("mail: no password reset link in the message")
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
