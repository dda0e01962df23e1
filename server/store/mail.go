package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"
)

const mailColumns = `id, created_at, from_addr, to_addr, subject, raw, sent_at, attempts, last_error, next_attempt`

func scanMail(r rowScanner) (Mail, error) {
	var (
		m                      Mail
		created, sent, nextTry nullTime
	)
	if err := r.Scan(&m.ID, &created, &m.From, &m.To, &m.Subject, &m.Raw, &sent, &m.Attempts, &m.LastError, &nextTry); err != nil {
		return Mail{}, err
	}
	m.CreatedAt = created.Time
	m.SentAt = sent.ptr()
	m.NextAttempt = nextTry.ptr()
	return m, nil
}

func (s *DB) queryMail(ctx context.Context, query string, args ...any) ([]Mail, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	return scanAll(rows, err, scanMail)
}

// EnqueueMail adds m to the outbox (its ID is ignored) and returns the stored
// row. The insert is committed, and synced, before it returns.
func (s *DB) EnqueueMail(ctx context.Context, m Mail) (Mail, error) {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return Mail{}, err
	}
	id, err := insertMail(ctx, s.db, m)
	unlock()
	if err != nil {
		return Mail{}, fmt.Errorf("store: enqueue mail: %w", err)
	}
	stored, err := s.MailByID(ctx, id)
	if err != nil {
		return Mail{}, fmt.Errorf("store: enqueue mail: read back: %w", err)
	}
	return stored, nil
}

// insertMail adds m to the outbox through q (the database or a transaction
// that queues the message with other changes) and returns its id.
func insertMail(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, m Mail) (int64, error) {
	raw := m.Raw
	if raw == nil {
		raw = []byte{} // the column is NOT NULL
	}
	var id int64
	err := q.QueryRowContext(ctx,
		`INSERT INTO vsauth_mail_outbox (created_at, from_addr, to_addr, subject, raw, sent_at, attempts, last_error, next_attempt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		formatDjangoTime(m.CreatedAt), m.From, m.To, m.Subject, raw, timeArg(m.SentAt), m.Attempts, m.LastError, timeArg(m.NextAttempt)).Scan(&id)
	return id, err
}

// ClaimMail takes up to limit (all if limit <= 0) unsent messages whose next
// attempt is due at now, oldest first, for one delivery attempt: their
// next_attempt moves to until in the same statement, so that no other
// deliverer (another replica, another process) takes them before then, and a
// message whose deliverer died on the way is tried again after until.
func (s *DB) ClaimMail(ctx context.Context, now, until time.Time, limit int) ([]Mail, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// On SQLite, Django-form datetimes compare correctly as text: the
	// fixed-width part comes first, and a value without a fraction is a prefix
	// of the same second with one. On PostgreSQL, SKIP LOCKED passes over the
	// messages another replica is claiming, and the re-check of the WHERE
	// after a wait leaves out those it has claimed.
	mails, err := s.queryMail(ctx,
		`UPDATE vsauth_mail_outbox SET next_attempt = $1 WHERE id IN (
			SELECT id FROM vsauth_mail_outbox WHERE sent_at IS NULL AND (next_attempt IS NULL OR next_attempt <= $2) ORDER BY id LIMIT $3`+s.d.skipLocked+`)
		RETURNING `+mailColumns,
		formatDjangoTime(until), formatDjangoTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim pending mail: %w", err)
	}
	slices.SortFunc(mails, func(a, b Mail) int { return cmp.Compare(a.ID, b.ID) })
	return mails, nil
}

// MarkMailSent records that message id was delivered at at. ErrNotFound if no
// such message.
func (s *DB) MarkMailSent(ctx context.Context, id int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE vsauth_mail_outbox SET sent_at = $1 WHERE id = $2`, formatDjangoTime(at), id)
	if err != nil {
		return fmt.Errorf("store: mark mail %d sent: %w", id, err)
	}
	return requireRow(res, "mail %d", id)
}

// MarkMailFailed records a failed delivery attempt of message id: attempts+1,
// the error text and when to try next. ErrNotFound if no such message.
func (s *DB) MarkMailFailed(ctx context.Context, id int64, errText string, next time.Time) error {
	res, err := s.exec(ctx, `UPDATE vsauth_mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt = $2 WHERE id = $3`, errText, formatDjangoTime(next), id)
	if err != nil {
		return fmt.Errorf("store: mark mail %d failed: %w", id, err)
	}
	return requireRow(res, "mail %d", id)
}

// ListMail returns every message of the outbox, oldest first.
func (s *DB) ListMail(ctx context.Context) ([]Mail, error) {
	mails, err := s.queryMail(ctx, `SELECT `+mailColumns+` FROM vsauth_mail_outbox ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list mail: %w", err)
	}
	return mails, nil
}

// MailByID returns message id of the outbox, or ErrNotFound.
func (s *DB) MailByID(ctx context.Context, id int64) (Mail, error) {
	m, err := scanMail(s.db.QueryRowContext(ctx, `SELECT `+mailColumns+` FROM vsauth_mail_outbox WHERE id = $1`, id))
	return readOne(m, err, "mail %d", id)
}

// The two prune statements; each is served by an index (vsauth_mail_outbox_sent,
// vsauth_mail_outbox_created), since a scan would read every raw message.
const (
	pruneSentMail = `DELETE FROM vsauth_mail_outbox WHERE sent_at IS NOT NULL AND sent_at < $1`
	pruneAllMail  = pruneSentMail + ` OR sent_at IS NULL AND created_at < $1`
)

// PruneMail deletes the messages delivered before before. With undelivered
// it also deletes those created before before and never delivered: for a
// server without SMTP, where nothing is ever delivered and the outbox is the
// mailbox. It returns how many messages it deleted.
func (s *DB) PruneMail(ctx context.Context, before time.Time, undelivered bool) (int64, error) {
	query := pruneSentMail
	if undelivered {
		query = pruneAllMail
	}
	res, err := s.exec(ctx, query, formatDjangoTime(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune mail: %w", err)
	}
	return res.RowsAffected()
}
