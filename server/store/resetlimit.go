package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CountResetMail counts one password-reset mail to the user in the user's
// current window and returns how many the window now holds, this one
// included; the caller sends the mail only if that is within limit. A window
// starts with the first mail after the previous window (of length window)
// ended. Check and count are one statement, so concurrent requests each get
// a different count and no more than limit pass.
//
// The count stops at limit+1: once a window holds that many, further calls
// write nothing (a flood costs no disk writes) and return 0, as they do when
// the user does not exist.
func (s *DB) CountResetMail(ctx context.Context, userID int64, now time.Time, window time.Duration, limit int) (int, error) {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	// The SELECT makes an unknown user insert nothing instead of tripping the
	// foreign key; WHERE true keeps ON CONFLICT from parsing as a join clause.
	// Every expression of the UPDATE reads the row as it was.
	var n int
	err = s.db.QueryRowContext(ctx,
		`INSERT INTO vsauth_reset_mail_limit AS l (user_id, window_start, mail_count) SELECT id, $1, 1 FROM users WHERE id = $2 AND true
		ON CONFLICT (user_id) DO UPDATE SET
			window_start = CASE WHEN l.window_start <= $3 THEN excluded.window_start ELSE l.window_start END,
			mail_count = CASE WHEN l.window_start <= $3 THEN 1 ELSE l.mail_count + 1 END
		WHERE l.window_start <= $3 OR l.mail_count <= $4
		RETURNING mail_count`,
		formatDjangoTime(now), userID, formatDjangoTime(now.Add(-window)), limit).Scan(&n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("store: count reset mail of user %d: %w", userID, err)
	}
	return n, nil
}

// PruneResetMailCounts deletes the counts whose window started at or before
// before (now minus the window): they no longer limit anything.
func (s *DB) PruneResetMailCounts(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM vsauth_reset_mail_limit WHERE window_start <= $1`, formatDjangoTime(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune reset mail counts: %w", err)
	}
	return res.RowsAffected()
}
