package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Account is what support sees of a user, read in one statement: the user
// row and the state of its first TOTP device, first static device (the
// ones the server uses) and failed logins.
type Account struct {
	User
	// TOTP is the first TOTP device; nil if there is none. Its Key is not read.
	TOTP *TOTPDevice
	// Static is the first static device; nil if there is none.
	Static *StaticDevice
	// Codes is how many emergency codes Static holds.
	Codes        int
	LoginFailure Throttle
}

// Two-step states of AccountFilter.TwoStep.
const (
	TwoStepOff     = "off"     // no TOTP device, no confirmed static device
	TwoStepPending = "pending" // a TOTP device not yet confirmed
	TwoStepOn      = "on"      // a confirmed TOTP device, or only confirmed emergency codes
)

// AccountFilter selects accounts for Accounts.
type AccountFilter struct {
	UserID  int64  // only this user (> 0)
	TwoStep string // a TwoStep… state, or "" for all
	// FailedLoginSince keeps the accounts whose last failed login is after
	// it: a superset of the locked ones, which the caller's rule narrows.
	FailedLoginSince time.Time
	AfterID          int64 // keyset paging: ids above this
	Limit            int   // at most this many; 0 for all
}

// The first devices are joined by their lowest id, from the user_id
// indexes Django created; the code count reads the device_id index. So one
// account costs a few index searches whatever the table sizes.
const accountQuery = `SELECT u.id, u.password, u.last_login, u.is_superuser, u.email, u.is_active, u.is_admin, u.jwt_secret, u.date_joined,
	t.id, t.confirmed, t.throttling_failure_timestamp, t.throttling_failure_count,
	s.id, s.confirmed, s.throttling_failure_timestamp, s.throttling_failure_count,
	(SELECT count(*) FROM otp_static_statictoken WHERE device_id = s.id),
	l.failure_count, l.failure_timestamp
FROM users u
LEFT JOIN otp_totp_totpdevice t ON t.id = (SELECT min(id) FROM otp_totp_totpdevice WHERE user_id = u.id)
LEFT JOIN otp_static_staticdevice s ON s.id = (SELECT min(id) FROM otp_static_staticdevice WHERE user_id = u.id)
LEFT JOIN vsauth_login_throttle l ON l.user_id = u.id`

// twoStepWhere are the conditions of the two-step states.
var twoStepWhere = map[string]string{
	TwoStepOff:     `t.id IS NULL AND (s.id IS NULL OR NOT s.confirmed)`,
	TwoStepPending: `t.id IS NOT NULL AND NOT t.confirmed`,
	TwoStepOn:      `(t.confirmed OR t.id IS NULL AND s.confirmed)`,
}

// Accounts returns the accounts f selects, ordered by id.
func (s *DB) Accounts(ctx context.Context, f AccountFilter) ([]Account, error) {
	var q filter
	if f.UserID > 0 {
		q.cond(`u.id = $%d`, f.UserID)
	}
	if f.TwoStep != "" {
		w, ok := twoStepWhere[f.TwoStep]
		if !ok {
			return nil, fmt.Errorf("store: unknown two-step state %q", f.TwoStep)
		}
		q.where = append(q.where, w)
	}
	if !f.FailedLoginSince.IsZero() {
		q.where = append(q.where, `l.failure_count > 0`)
		q.cond(`l.failure_timestamp > $%d`, formatDjangoTime(f.FailedLoginSince))
	}
	if f.AfterID > 0 {
		q.cond(`u.id > $%d`, f.AfterID)
	}
	rows, err := s.db.QueryContext(ctx, q.query(accountQuery, `u.id`, f.Limit), q.args...)
	out, err := scanAll(rows, err, scanAccount)
	if err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	return out, nil
}

func scanAccount(r rowScanner) (Account, error) {
	var (
		a                         Account
		x                         userScan
		totpID, staticID          sql.NullInt64
		totpOK, staticOK          sql.NullBool
		totpTS, staticTS, loginTS nullTime
		totpN, staticN, loginN    sql.NullInt64
	)
	err := r.Scan(x.dest(
		&totpID, &totpOK, &totpTS, &totpN,
		&staticID, &staticOK, &staticTS, &staticN,
		&a.Codes, &loginN, &loginTS)...)
	if err != nil {
		return Account{}, err
	}
	if a.User, err = x.user(); err != nil {
		return Account{}, err
	}
	if totpID.Valid {
		a.TOTP = &TOTPDevice{ID: totpID.Int64, UserID: a.ID, Confirmed: totpOK.Bool,
			Throttle: Throttle{FailureTimestamp: totpTS.ptr(), FailureCount: int(totpN.Int64)}}
	}
	if staticID.Valid {
		a.Static = &StaticDevice{ID: staticID.Int64, UserID: a.ID, Confirmed: staticOK.Bool,
			Throttle: Throttle{FailureTimestamp: staticTS.ptr(), FailureCount: int(staticN.Int64)}}
	}
	a.LoginFailure = Throttle{FailureTimestamp: loginTS.ptr(), FailureCount: int(loginN.Int64)}
	return a, nil
}

// filter builds the WHERE, ORDER BY and LIMIT of a listing.
type filter struct {
	where []string
	args  []any
}

// cond adds a condition on one argument, written as expr with a %d for the
// argument's number.
func (f *filter) cond(expr string, v any) {
	f.args = append(f.args, v)
	f.where = append(f.where, fmt.Sprintf(expr, len(f.args)))
}

// query is base with the conditions, ordered by order, at most limit rows
// (0: all).
func (f *filter) query(base, order string, limit int) string {
	q := base
	if len(f.where) > 0 {
		q += ` WHERE ` + strings.Join(f.where, ` AND `)
	}
	q += ` ORDER BY ` + order
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	return q
}
