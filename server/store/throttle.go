package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LoginThrottle returns the user's failed-login state, the zero Throttle if
// there is none.
func (s *SQLite) LoginThrottle(ctx context.Context, userID int64) (Throttle, error) {
	var (
		t  Throttle
		ts nullTime
	)
	err := s.db.QueryRowContext(ctx, `SELECT failure_count, failure_timestamp FROM vsauth_login_throttle WHERE user_id = ?`, userID).Scan(&t.FailureCount, &ts)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Throttle{}, nil
	case err != nil:
		return Throttle{}, fmt.Errorf("store: read login throttle of user %d: %w", userID, err)
	}
	t.FailureTimestamp = ts.ptr()
	return t, nil
}

// RecordLoginFailure counts a failed login of the user (count+1, timestamp now)
// in one statement, so concurrent failures are all counted. ErrNotFound if the
// user does not exist.
func (s *SQLite) RecordLoginFailure(ctx context.Context, userID int64, now time.Time) error {
	// The SELECT makes an unknown user insert nothing instead of tripping the
	// foreign key; WHERE true keeps ON CONFLICT from parsing as a join clause.
	res, err := s.exec(ctx,
		`INSERT INTO vsauth_login_throttle (user_id, failure_count, failure_timestamp) SELECT id, 1, ? FROM users WHERE id = ? AND true
		ON CONFLICT (user_id) DO UPDATE SET failure_count = failure_count + 1, failure_timestamp = excluded.failure_timestamp`,
		formatDjangoTime(now), userID)
	if err != nil {
		return fmt.Errorf("store: record login failure of user %d: %w", userID, err)
	}
	return requireRow(res, "user %d", userID)
}

// ResetLoginThrottle forgets the user's failed logins.
func (s *SQLite) ResetLoginThrottle(ctx context.Context, userID int64) error {
	if _, err := s.exec(ctx, `DELETE FROM vsauth_login_throttle WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: reset login throttle of user %d: %w", userID, err)
	}
	return nil
}
