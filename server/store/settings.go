package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// secretKeySetting is the vsauth_settings row holding the server secret (the
// key of password-reset tokens, Django's SECRET_KEY).
const secretKeySetting = "secret_key"

// SecretKey returns the server secret, creating it with generate the first time.
// Creation happens in a write transaction that looks again first, so concurrent
// callers, in this process or another, all get the same value.
func (s *SQLite) SecretKey(ctx context.Context, generate func() (string, error)) (string, error) {
	var key string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM vsauth_settings WHERE name = $1`, secretKeySetting).Scan(&key)
	switch {
	case err == nil:
		return key, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("store: read secret key: %w", err)
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM vsauth_settings WHERE name = $1`, secretKeySetting).Scan(&key)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if key, err = generate(); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		if key == "" {
			return errors.New("generate: empty secret")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO vsauth_settings (name, value) VALUES ($1, $2)`, secretKeySetting, key)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: create secret key: %w", err)
	}
	return key, nil
}
