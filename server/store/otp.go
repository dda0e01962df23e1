package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const (
	totpColumns     = `id, user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, throttling_failure_timestamp, throttling_failure_count`
	totpByID        = `SELECT ` + totpColumns + ` FROM otp_totp_totpdevice WHERE id = $1`
	firstTOTPOfUser = `SELECT ` + totpColumns + ` FROM otp_totp_totpdevice WHERE user_id = $1 ORDER BY id LIMIT 1`
)

func scanTOTPDevice(r rowScanner) (TOTPDevice, error) {
	var (
		d  TOTPDevice
		ts nullTime
	)
	err := r.Scan(&d.ID, &d.UserID, &d.Name, &d.Confirmed, &d.Key, &d.Step, &d.T0, &d.Digits, &d.Tolerance, &d.Drift, &d.LastT, &ts, &d.Throttle.FailureCount)
	if err != nil {
		return TOTPDevice{}, err
	}
	d.Throttle.FailureTimestamp = ts.ptr()
	return d, nil
}

// TOTPDevice returns the TOTP device with primary key id, or ErrNotFound.
func (s *DB) TOTPDevice(ctx context.Context, id int64) (TOTPDevice, error) {
	if !s.d.idFits(id) {
		return TOTPDevice{}, notFound("TOTP device %d", id)
	}
	d, err := scanTOTPDevice(s.queryRow(ctx, totpByID, id))
	return readOne(d, err, "TOTP device %d", id)
}

// FirstTOTPDevice returns the user's TOTP device with the lowest id, confirmed or
// not (the original's get_user_totp_device), or ErrNotFound.
func (s *DB) FirstTOTPDevice(ctx context.Context, userID int64) (TOTPDevice, error) {
	d, err := scanTOTPDevice(s.queryRow(ctx, firstTOTPOfUser, userID))
	return readOne(d, err, "TOTP device of user %d", userID)
}

// CreateTOTPDeviceIfNone returns the first TOTP device of d.UserID if there is
// one, and otherwise inserts d as given (its ID is ignored) and returns the
// stored row with created true. The check and the insert share one write
// transaction, so concurrent callers create a single device. ErrNotFound if the
// user does not exist.
func (s *DB) CreateTOTPDeviceIfNone(ctx context.Context, d TOTPDevice) (dev TOTPDevice, created bool, err error) {
	err = s.userTx(ctx, d.UserID, fmt.Sprintf("create TOTP device for user %d", d.UserID), func(tx *sql.Tx) error {
		existing, err := scanTOTPDevice(tx.QueryRowContext(ctx, firstTOTPOfUser, d.UserID))
		if err == nil {
			dev = existing
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read first device: %w", err)
		}
		var id int64
		err = tx.QueryRowContext(ctx,
			`INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_timestamp, throttling_failure_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			d.Name, d.Confirmed, d.Key, d.Step, d.T0, d.Digits, d.Tolerance, d.Drift, d.LastT, d.UserID, timeArg(d.Throttle.FailureTimestamp), d.Throttle.FailureCount).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert device: %w", err)
		}
		dev, err = scanTOTPDevice(tx.QueryRowContext(ctx, totpByID, id))
		if err != nil {
			return fmt.Errorf("read back device %d: %w", id, err)
		}
		created = true
		return nil
	})
	if err != nil {
		return TOTPDevice{}, false, err
	}
	return dev, created, nil
}

// RecordTOTPSuccess stores the outcome of a verified code: last_t and drift,
// confirmed, and a reset throttle. It applies only if the device still has the
// last_t and drift of prev, the state the code was checked against; false means
// another request changed it first (perhaps with this very code), and the caller
// must treat the code as failed.
func (s *DB) RecordTOTPSuccess(ctx context.Context, prev TOTPDevice, lastT int64, drift int) (bool, error) {
	res, err := s.exec(ctx,
		`UPDATE otp_totp_totpdevice SET last_t = $1, drift = $2, confirmed = true, `+clearDeviceThrottle+` WHERE id = $3 AND last_t = $4 AND drift = $5`,
		lastT, drift, prev.ID, prev.LastT, prev.Drift)
	if err != nil {
		return false, fmt.Errorf("store: record TOTP success on device %d: %w", prev.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: record TOTP success on device %d: %w", prev.ID, err)
	}
	return n == 1, nil
}

const (
	staticColumns     = `id, user_id, name, confirmed, throttling_failure_timestamp, throttling_failure_count`
	staticByID        = `SELECT ` + staticColumns + ` FROM otp_static_staticdevice WHERE id = $1`
	firstStaticOfUser = `SELECT ` + staticColumns + ` FROM otp_static_staticdevice WHERE user_id = $1 ORDER BY id LIMIT 1`
)

func scanStaticDevice(r rowScanner) (StaticDevice, error) {
	var (
		d  StaticDevice
		ts nullTime
	)
	if err := r.Scan(&d.ID, &d.UserID, &d.Name, &d.Confirmed, &ts, &d.Throttle.FailureCount); err != nil {
		return StaticDevice{}, err
	}
	d.Throttle.FailureTimestamp = ts.ptr()
	return d, nil
}

// StaticDevice returns the static device with primary key id, or ErrNotFound.
func (s *DB) StaticDevice(ctx context.Context, id int64) (StaticDevice, error) {
	if !s.d.idFits(id) {
		return StaticDevice{}, notFound("static device %d", id)
	}
	d, err := scanStaticDevice(s.queryRow(ctx, staticByID, id))
	return readOne(d, err, "static device %d", id)
}

// FirstStaticDevice returns the user's static device with the lowest id, or
// ErrNotFound.
func (s *DB) FirstStaticDevice(ctx context.Context, userID int64) (StaticDevice, error) {
	d, err := scanStaticDevice(s.queryRow(ctx, firstStaticOfUser, userID))
	return readOne(d, err, "static device of user %d", userID)
}

// ReplaceStaticTokens gets the user's first static device, creating it (name
// "Static", confirmed) if there is none, and replaces all its tokens with tokens,
// in one transaction. An existing device is otherwise left as it is. ErrNotFound
// if the user does not exist.
func (s *DB) ReplaceStaticTokens(ctx context.Context, userID int64, tokens []string) (StaticDevice, error) {
	var dev StaticDevice
	err := s.userTx(ctx, userID, fmt.Sprintf("replace static tokens of user %d", userID), func(tx *sql.Tx) error {
		var err error
		dev, err = scanStaticDevice(tx.QueryRowContext(ctx, firstStaticOfUser, userID))
		if errors.Is(err, sql.ErrNoRows) {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO otp_static_staticdevice (name, confirmed, user_id, throttling_failure_timestamp, throttling_failure_count) VALUES ('Static', true, $1, NULL, 0) RETURNING id`, userID).Scan(&id)
			if err != nil {
				return fmt.Errorf("insert device: %w", err)
			}
			dev, err = scanStaticDevice(tx.QueryRowContext(ctx, staticByID, id))
			if err != nil {
				return fmt.Errorf("read back device %d: %w", id, err)
			}
		} else if err != nil {
			return fmt.Errorf("read first device: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM otp_static_statictoken WHERE device_id = $1`, dev.ID); err != nil {
			return fmt.Errorf("delete tokens of device %d: %w", dev.ID, err)
		}
		for _, t := range tokens {
			if _, err := tx.ExecContext(ctx, `INSERT INTO otp_static_statictoken (token, device_id) VALUES ($1, $2)`, t, dev.ID); err != nil {
				return fmt.Errorf("insert token of device %d: %w", dev.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return StaticDevice{}, err
	}
	return dev, nil
}

// StaticTokens returns the device's remaining tokens in creation order.
func (s *DB) StaticTokens(ctx context.Context, deviceID int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT token FROM otp_static_statictoken WHERE device_id = $1 ORDER BY id`, deviceID)
	tokens, err := scanAll(rows, err, func(r rowScanner) (string, error) {
		var t string
		err := r.Scan(&t)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read tokens of static device %d: %w", deviceID, err)
	}
	return tokens, nil
}

// UseStaticToken consumes one token row of the device equal to token (SQLite's =
// is case-sensitive) and, if it did, resets the device's throttle, in one
// transaction. It reports whether a row was consumed: of several concurrent
// callers with the same token, exactly one gets true.
func (s *DB) UseStaticToken(ctx context.Context, deviceID int64, token string) (bool, error) {
	var used bool
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM otp_static_statictoken WHERE id = (SELECT id FROM otp_static_statictoken WHERE device_id = $1 AND token = $2 ORDER BY id LIMIT 1)`, deviceID, token)
		if err != nil {
			return fmt.Errorf("delete token: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("delete token: %w", err)
		}
		if n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE otp_static_staticdevice SET `+clearDeviceThrottle+` WHERE id = $1`, deviceID); err != nil {
			return fmt.Errorf("reset throttle: %w", err)
		}
		used = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: use static token of device %d: %w", deviceID, err)
	}
	return used, nil
}

const hasConfirmedDevice = `SELECT EXISTS (SELECT 1 FROM otp_totp_totpdevice WHERE user_id = $1 AND confirmed) OR EXISTS (SELECT 1 FROM otp_static_staticdevice WHERE user_id = $2 AND confirmed)`

// HasConfirmedDevice reports whether the user has a confirmed TOTP device or a
// confirmed static device.
func (s *DB) HasConfirmedDevice(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	if err := s.queryRow(ctx, hasConfirmedDevice, userID, userID).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: look for confirmed devices of user %d: %w", userID, err)
	}
	return ok, nil
}

// DeleteDevices deletes the user's TOTP and static devices (all of them, or only
// the confirmed ones) with their static tokens, and rotates jwt_secret to
// newJWTSecret (hyphenated form) when it is not empty, in one transaction.
// ErrNotFound if the user does not exist.
func (s *DB) DeleteDevices(ctx context.Context, userID int64, confirmedOnly bool, newJWTSecret string) error {
	var secret string
	if newJWTSecret != "" {
		var err error
		if secret, err = uuidToDB(newJWTSecret); err != nil {
			return fmt.Errorf("store: delete devices of user %d: jwt secret: %w", userID, err)
		}
	}
	return s.userTx(ctx, userID, fmt.Sprintf("delete devices of user %d", userID), func(tx *sql.Tx) error {
		if err := execEach(ctx, tx, userID, deviceDeletes(confirmedOnly)...); err != nil {
			return err
		}
		if secret != "" {
			if _, err := tx.ExecContext(ctx, setJWTSecret, secret, userID); err != nil {
				return fmt.Errorf("rotate jwt secret: %w", err)
			}
		}
		return nil
	})
}

// deviceDeletes are the statements, in order, that delete the user's devices
// (with confirmedOnly only the confirmed ones) and their static tokens:
// tokens, static devices, TOTP devices. Their one argument is the user id.
func deviceDeletes(confirmedOnly bool) []string {
	filter := ``
	if confirmedOnly {
		filter = ` AND confirmed`
	}
	return []string{
		`DELETE FROM otp_static_statictoken WHERE device_id IN (SELECT id FROM otp_static_staticdevice WHERE user_id = $1` + filter + `)`,
		`DELETE FROM otp_static_staticdevice WHERE user_id = $1` + filter,
		`DELETE FROM otp_totp_totpdevice WHERE user_id = $1` + filter,
	}
}
