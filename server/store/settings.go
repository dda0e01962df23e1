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

const readSetting = `SELECT value FROM vsauth_settings WHERE name = $1`

// SecretKey returns the server secret, creating it with generate the first time.
// Concurrent callers, in this process or another, all get the same value.
func (s *DB) SecretKey(ctx context.Context, generate func() (string, error)) (string, error) {
	var key string
	err := s.db.QueryRowContext(ctx, readSetting, secretKeySetting).Scan(&key)
	switch {
	case err == nil:
		return key, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("store: read secret key: %w", err)
	}
	// The look again inside a write transaction makes generate run once on
	// SQLite, whose writers take turns. PostgreSQL's may run side by side:
	// then each offers its key, the first insert wins and all read it.
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, readSetting, secretKeySetting).Scan(&key)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		offer, err := generate()
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		if offer == "" {
			return errors.New("generate: empty secret")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO vsauth_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, secretKeySetting, offer); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, readSetting, secretKeySetting).Scan(&key)
	})
	if err != nil {
		return "", fmt.Errorf("store: create secret key: %w", err)
	}
	return key, nil
}
