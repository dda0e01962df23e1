package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Stats is the state of the connection pool, for metrics.
func (s *DB) Stats() sql.DBStats { return s.db.Stats() }

// Ping checks that the database answers, for readiness checks.
func (s *DB) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// MailBacklog counts the outbox's messages not yet delivered.
func (s *DB) MailBacklog(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM vsauth_mail_outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count undelivered mail: %w", err)
	}
	return n, nil
}
