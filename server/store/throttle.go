package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ThrottleRule is the caller's throttling policy: whether a throttle in state
// th lets an attempt at now be checked, and if not, until when it refuses.
// otp.ThrottlePolicy.Allows is one.
type ThrottleRule func(th Throttle, now time.Time) (allowed bool, lockedUntil time.Time)

// Claim is the answer to a request to check one attempt (a password, a TOTP
// code, an emergency code) under a ThrottleRule.
type Claim struct {
	Allowed     bool
	LockedUntil time.Time // when refused: the moment the rule allows again
}

// The Claim… methods make throttling hold under concurrency. Reading the
// state, applying the rule and counting the attempt happen in one write
// transaction, and an allowed attempt is counted as a failure before it is
// checked. Of N concurrent wrong attempts exactly one is checked while the
// lock engages: the others already see its failure. A check that succeeds
// then clears the count (ResetLoginThrottle, RecordTOTPSuccess,
// UseStaticToken), so a right answer costs nothing but the brief lock its
// own attempt held.

// ClaimLoginAttempt claims the check of one password for the user (vsauth's
// per-account login throttle). ErrNotFound if the user does not exist. The
// user's row is locked first (userTx), so that on PostgreSQL two first
// failures cannot both read "no throttle row" and both be allowed.
func (s *DB) ClaimLoginAttempt(ctx context.Context, userID int64, now time.Time, rule ThrottleRule) (Claim, error) {
	var c Claim
	err := s.userTx(ctx, userID, fmt.Sprintf("claim login attempt of user %d", userID), func(tx *sql.Tx) error {
		th, err := scanThrottle(tx.QueryRowContext(ctx, loginThrottleOfUser, userID))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read throttle: %w", err)
		}
		if c.Allowed, c.LockedUntil = rule(th, now); !c.Allowed {
			return nil
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO vsauth_login_throttle (user_id, failure_count, failure_timestamp) VALUES ($1, 1, $2)
			ON CONFLICT (user_id) DO UPDATE SET failure_count = vsauth_login_throttle.failure_count + 1, failure_timestamp = excluded.failure_timestamp`,
			userID, formatDjangoTime(now))
		if err != nil {
			return fmt.Errorf("count attempt: %w", err)
		}
		return nil
	})
	return c, err
}

// ClaimTOTPAttempt claims the check of one code against the TOTP device, in
// django-otp 1.x's throttling columns. ErrNotFound if no such device.
func (s *DB) ClaimTOTPAttempt(ctx context.Context, deviceID int64, now time.Time, rule ThrottleRule) (Claim, error) {
	return s.claimDeviceAttempt(ctx, "otp_totp_totpdevice", "TOTP device", deviceID, now, rule)
}

// ClaimStaticAttempt claims the check of one emergency code against the
// static device, like ClaimTOTPAttempt. ErrNotFound if no such device.
func (s *DB) ClaimStaticAttempt(ctx context.Context, deviceID int64, now time.Time, rule ThrottleRule) (Claim, error) {
	return s.claimDeviceAttempt(ctx, "otp_static_staticdevice", "static device", deviceID, now, rule)
}

func (s *DB) claimDeviceAttempt(ctx context.Context, table, what string, id int64, now time.Time, rule ThrottleRule) (Claim, error) {
	var c Claim
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		th, err := scanThrottle(tx.QueryRowContext(ctx,
			fmt.Sprintf(`SELECT throttling_failure_count, throttling_failure_timestamp FROM %q WHERE id = $1`+s.d.lockRow, table), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("%s %d", what, id)
		}
		if err != nil {
			return fmt.Errorf("read throttle: %w", err)
		}
		if c.Allowed, c.LockedUntil = rule(th, now); !c.Allowed {
			return nil
		}
		_, err = tx.ExecContext(ctx,
			fmt.Sprintf(`UPDATE %q SET throttling_failure_count = throttling_failure_count + 1, throttling_failure_timestamp = $1 WHERE id = $2`, table),
			formatDjangoTime(now), id)
		if err != nil {
			return fmt.Errorf("count attempt: %w", err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("store: claim attempt on %s %d: %w", what, id, err)
	}
	return c, err
}

// The statements that read and clear failures, shared by the methods above
// and the support actions (Administer).
const (
	loginThrottleOfUser = `SELECT failure_count, failure_timestamp FROM vsauth_login_throttle WHERE user_id = $1`
	clearLoginThrottle  = `DELETE FROM vsauth_login_throttle WHERE user_id = $1`
	// clearDeviceThrottle is the SET list that forgets a device's failures.
	clearDeviceThrottle = `throttling_failure_timestamp = NULL, throttling_failure_count = 0`
)

func scanThrottle(r rowScanner) (Throttle, error) {
	var (
		t  Throttle
		ts nullTime
	)
	if err := r.Scan(&t.FailureCount, &ts); err != nil {
		return Throttle{}, err
	}
	t.FailureTimestamp = ts.ptr()
	return t, nil
}

// LoginThrottle returns the user's failed-login state, the zero Throttle if
// there is none.
func (s *DB) LoginThrottle(ctx context.Context, userID int64) (Throttle, error) {
	t, err := scanThrottle(s.db.QueryRowContext(ctx, loginThrottleOfUser, userID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Throttle{}, nil
	case err != nil:
		return Throttle{}, fmt.Errorf("store: read login throttle of user %d: %w", userID, err)
	}
	return t, nil
}

// ResetLoginThrottle forgets the user's failed logins.
func (s *DB) ResetLoginThrottle(ctx context.Context, userID int64) error {
	if _, err := s.exec(ctx, clearLoginThrottle, userID); err != nil {
		return fmt.Errorf("store: reset login throttle of user %d: %w", userID, err)
	}
	return nil
}
