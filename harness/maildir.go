package harness

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// mailMessage is one message a server sent, from its outbox or a mail
// directory.
type mailMessage struct {
	To, Subject string
	Raw         []byte
}

// djangoSeparator is the line Django's file and console e-mail backends
// write after every message: 79 dashes.
var djangoSeparator = strings.Repeat("-", 79)

// maxMailFile bounds what is read of one file of a mail directory; a reset
// mail is a few KiB, and a larger file is not one of the server's.
const maxMailFile = 4 << 20

// mailDirContents is what readMailDir found: the messages, oldest first,
// and how many files or parts it could not read, for the error of a mail
// command that finds nothing.
type mailDirContents struct {
	msgs    []mailMessage
	files   int
	skipped int
}

// readMailDir reads the messages a server wrote to dir: vsauth's .eml files
// (one message each, written whole) and the .log files of Django's file
// backend (<date>-<time>-<id>.log, each message followed by a line of 79
// dashes, several per file when a connection sent several). The fixture
// .eml files of the original are such outputs too, so a trailing dash line
// is dropped from any file. A .log part not yet followed by its dash line
// is still being written and is left for the next read. Messages are
// ordered by their file's modification time, then name, then position in
// the file. A directory that does not exist yet holds no messages: servers
// create it with the first message.
func readMailDir(dir string) (mailDirContents, error) {
	var c mailDirContents
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read mail directory: %w", err)
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		// vsauth writes a message to a hidden temporary file, then links it.
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || (ext != ".eml" && ext != ".log") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed since the listing
		}
		if info.Size() > maxMailFile {
			c.skipped++
			continue
		}
		files = append(files, file{name, info.ModTime()})
	}
	slices.SortFunc(files, func(a, b file) int {
		return cmp.Or(a.mod.Compare(b.mod), strings.Compare(a.name, b.name))
	})
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			c.skipped++
			continue
		}
		c.files++
		for _, raw := range splitMailFile(data, filepath.Ext(f.name) == ".log") {
			m, err := parseMail(raw)
			if err != nil {
				c.skipped++
				continue
			}
			c.msgs = append(c.msgs, m)
		}
	}
	return c, nil
}

// splitMailFile cuts a file into messages at Django's separator lines. With
// complete set, only parts followed by a separator count (a .log file being
// appended to); otherwise a last part without one is a message too.
func splitMailFile(data []byte, complete bool) [][]byte {
	var msgs [][]byte
	start := 0
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(data)
		}
		if string(bytes.TrimRight(data[pos:end], "\r")) == djangoSeparator {
			msgs = appendMessage(msgs, data[start:pos])
			start = next
		}
		pos = next
	}
	if !complete {
		msgs = appendMessage(msgs, data[start:])
	}
	return msgs
}

// appendMessage adds part without the blank line Django writes after each
// message, unless it is blank.
func appendMessage(msgs [][]byte, part []byte) [][]byte {
	part = bytes.TrimRight(part, "\r\n")
	if len(bytes.TrimSpace(part)) == 0 {
		return msgs
	}
	return append(msgs, append(part, '\n'))
}

// parseMail reads the headers a flow matches on.
func parseMail(raw []byte) (mailMessage, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return mailMessage{}, err
	}
	to := strings.TrimSpace(msg.Header.Get("To"))
	if to == "" {
		return mailMessage{}, errors.New("no To header")
	}
	if list, err := mail.ParseAddressList(to); err == nil && len(list) == 1 {
		to = list[0].Address
	}
	subject := msg.Header.Get("Subject")
	if dec, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
		subject = dec
	}
	return mailMessage{To: to, Subject: subject, Raw: raw}, nil
}
