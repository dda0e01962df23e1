package mail

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/virtualspaces/vsauth/server/store"
)

// fakeQueue is an in-memory outbox with the semantics the SQLite store
// promises: Enqueue assigns increasing IDs, ClaimMail returns undelivered
// messages that are due, oldest first, and moves their next attempt.
type fakeQueue struct {
	mu         sync.Mutex
	mails      []store.Mail
	enqueueErr error
	sentErr    error
}

func (q *fakeQueue) EnqueueMail(_ context.Context, m store.Mail) (store.Mail, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.enqueueErr != nil {
		return store.Mail{}, q.enqueueErr
	}
	m.ID = int64(len(q.mails) + 1)
	m.Raw = bytes.Clone(m.Raw)
	q.mails = append(q.mails, m)
	return m, nil
}

func (q *fakeQueue) ClaimMail(_ context.Context, now, until time.Time, limit int) ([]store.Mail, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []store.Mail
	for i, m := range q.mails {
		if m.SentAt == nil && (m.NextAttempt == nil || !m.NextAttempt.After(now)) && len(out) < limit {
			q.mails[i].NextAttempt = &until
			m.NextAttempt = &until
			out = append(out, m)
		}
	}
	return out, nil
}

func (q *fakeQueue) MarkMailSent(_ context.Context, id int64, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.sentErr != nil {
		return q.sentErr
	}
	q.mails[id-1].SentAt = &at
	return nil
}

func (q *fakeQueue) MarkMailFailed(_ context.Context, id int64, errText string, next time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := &q.mails[id-1]
	m.Attempts++
	m.LastError = errText
	m.NextAttempt = &next
	return nil
}

func (q *fakeQueue) get(id int64) store.Mail {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.mails[id-1]
}

func (q *fakeQueue) all() []store.Mail {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.mails)
}

// seqReader yields the bytes 0, 1, 2, … so random values are predictable.
type seqReader struct{ next byte }

func (r *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}
