package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virtualspaces/vsauth/server/store"
)

// Queue is the part of the store the Outbox needs. EnqueueMail must have
// committed the message when it returns, and it returns it with its ID.
type Queue interface {
	EnqueueMail(ctx context.Context, m store.Mail) (store.Mail, error)
}

// OutboxOptions configures an Outbox. Zero values get working defaults.
type OutboxOptions struct {
	// Dir, when set, receives a copy of every message as a new .eml file.
	Dir string
	// Clock stamps Date and the file name; time.Now by default.
	Clock func() time.Time
	// Rand feeds Message-IDs, boundaries and file names; crypto/rand by default.
	Rand io.Reader
	// Logger gets one record per message (id and recipient, never content).
	Logger *slog.Logger
	// Notify is called after a message is stored, e.g. Deliverer.Kick.
	Notify func()
}

// Outbox accepts messages: it stores them durably in the database outbox,
// writes the optional .eml copy and wakes the deliverer. It is safe for
// concurrent use.
type Outbox struct {
	q      Queue
	dir    string
	clock  func() time.Time
	logger *slog.Logger
	notify func()

	randMu sync.Mutex // test readers need not be safe for concurrent use
	rand   io.Reader
}

// NewOutbox returns an Outbox that stores messages in q.
func NewOutbox(q Queue, opts OutboxOptions) *Outbox {
	o := &Outbox{q: q, dir: opts.Dir, clock: opts.Clock, rand: opts.Rand, logger: opts.Logger, notify: opts.Notify}
	if o.clock == nil {
		o.clock = time.Now
	}
	if o.rand == nil {
		o.rand = rand.Reader
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Send stores m in the outbox and returns once it is committed, so the
// caller may answer the request (204) knowing the message will not be lost.
// Empty Date, MessageID, Boundary and From are filled in first.
//
// The database is the source of truth. If the .eml copy cannot be written
// after the message was stored, Send logs the failure (with the outbox id
// and recipient) and still returns nil: the message was accepted, is
// delivered by SMTP and can be read back from the outbox, and an error would
// make a caller retry and queue it twice. An error is returned only when the
// message could not be stored.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	now := o.clock()
	row, err := o.Prepare(m)
	if err != nil {
		return err
	}
	raw := row.Raw
	saved, err := o.q.EnqueueMail(ctx, row)
	if err != nil {
		return fmt.Errorf("mail: store message to %s in the outbox: %w", m.To, err)
	}
	log := o.logger.With("mail_id", saved.ID, "to", m.To)
	if o.dir != "" {
		name, err := o.writeFile(saved.ID, now, raw)
		if err != nil {
			log.ErrorContext(ctx, "mail: message stored in the outbox, but its .eml copy was not written", "err", err)
		} else {
			log = log.With("file", name)
		}
	}
	log.InfoContext(ctx, "mail: message queued")
	if o.notify != nil {
		o.notify()
	}
	return nil
}

// Prepare stamps m (Date, Message-ID, boundary, From) and renders it as the
// outbox row Send would store, without storing it: for a caller that queues
// the message in the same transaction as the change it reports.
func (o *Outbox) Prepare(m Message) (store.Mail, error) {
	now := o.clock()
	if err := o.stamp(&m, now); err != nil {
		return store.Mail{}, err
	}
	return store.Mail{CreatedAt: now.UTC(), From: m.From, To: m.To, Subject: m.Subject, Raw: m.Bytes()}, nil
}

func (o *Outbox) stamp(m *Message, now time.Time) error {
	if m.From == "" {
		m.From = DefaultFrom
	}
	if m.Date.IsZero() {
		m.Date = now
	}
	if m.MessageID == "" {
		var r [8]byte
		if err := o.read(r[:]); err != nil {
			return err
		}
		m.MessageID = messageID(now, r, m.From)
	}
	if m.Boundary == "" {
		var r [8]byte
		if err := o.read(r[:]); err != nil {
			return err
		}
		m.Boundary = boundaryFromRandom(r)
	}
	return nil
}

func (o *Outbox) read(p []byte) error {
	o.randMu.Lock()
	defer o.randMu.Unlock()
	if _, err := io.ReadFull(o.rand, p); err != nil {
		return fmt.Errorf("mail: read random bytes: %w", err)
	}
	return nil
}

// messageID follows Python's make_msgid (<centiseconds.random@domain>),
// without the process id, and with the sender's domain instead of the
// host's FQDN so that it does not depend on the environment.
func messageID(now time.Time, r [8]byte, from string) string {
	var n uint64
	for _, c := range r {
		n = n<<8 | uint64(c)
	}
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = toASCIIDomain(from[at+1:])
	}
	return "<" + strconv.FormatInt(now.UnixMilli()/10, 10) + "." + strconv.FormatUint(n, 10) + "@" + domain + ">"
}

// maxNameAttempts bounds the search for an unused file name; with 32 random
// bits per attempt, running out means something else is wrong.
const maxNameAttempts = 10

// writeFile writes raw as a new file <UTC time>-<id>-<random>.eml. It never
// appends to or replaces an existing file: the content goes to a temporary
// file that is synced and then hard-linked to its final name, which fails
// instead of replacing when the name exists. The directory is created (0700)
// when missing; files are 0600 because they hold reset tokens.
func (o *Outbox) writeFile(id int64, now time.Time, raw []byte) (string, error) {
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return "", fmt.Errorf("create mail directory: %w", err)
	}
	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("set permissions of %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	prefix := now.UTC().Format("20060102T150405Z") + "-" + strconv.FormatInt(id, 10) + "-"
	for range maxNameAttempts {
		var r [4]byte
		if err := o.read(r[:]); err != nil {
			return "", err
		}
		name := filepath.Join(o.dir, prefix+hex.EncodeToString(r[:])+".eml")
		err := os.Link(tmp.Name(), name)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("link %s: %w", name, err)
		}
		syncDir(o.dir)
		return name, nil
	}
	return "", fmt.Errorf("no unused file name in %s after %d attempts", o.dir, maxNameAttempts)
}

// syncDir makes the new directory entry durable where the platform allows
// it; the file content is already synced, so failure here is not reported.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
