package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Support actions on an account, as vsauth admin names them.
const (
	ActionResetTwoStep   = "reset-two-step"
	ActionClearThrottle  = "clear-throttle"
	ActionRevokeSessions = "revoke-sessions"
	ActionSetPassword    = "set-password"
	// ActionResendMail queues a copy of an outbox message (Notice) again:
	// a support action on the account the message is about.
	ActionResendMail = "resend-mail"
)

// ErrChanged is returned by Administer when the account changed between the
// support person's look at it and the action (set-password's hash check).
var ErrChanged = errors.New("store: the account changed meanwhile")

// AdminRequest is one support action on an account. The change, its audit
// row and the optional notice to the account holder are one transaction:
// either all happen or none.
type AdminRequest struct {
	Action string // one of the Action constants
	UserID int64
	At     time.Time
	Actor  string // who did it (OS user and host by default)
	Reason string

	// NewJWTSecret (hyphenated) ends every session: reset-two-step,
	// revoke-sessions and set-password need it.
	NewJWTSecret string
	// NewHash replaces the password if it is still ExpectHash (set-password).
	NewHash, ExpectHash string

	// Notice, when set, is queued in the outbox with the change.
	Notice *Mail
	// ResendOf is the outbox id of the message Notice copies (resend-mail).
	ResendOf int64
	// DryRun computes what would change, then rolls everything back.
	DryRun bool
}

// AuditEntry is one row of vsauth_audit: who did what to which account, why,
// and what changed, as counts (resend-mail: the outbox ids of the original
// and of its copy). It never holds a secret.
type AuditEntry struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	UserID  int64          `json:"user_id"`
	Email   string         `json:"email"` // as it was at the time
	Reason  string         `json:"reason"`
	Changes map[string]int `json:"changes"`
}

var errNoSecret = errors.New("a new jwt secret is required")

// errDryRun unwinds a dry run's transaction.
var errDryRun = errors.New("dry run")

// Administer carries out req and records it in vsauth_audit, in one write
// transaction, and returns the audit entry (with ID 0 for a dry run, which
// changes nothing). ErrNotFound if the user does not exist; ErrChanged if a
// set-password lost its race.
func (s *DB) Administer(ctx context.Context, req AdminRequest) (AuditEntry, error) {
	e := AuditEntry{At: req.At.UTC().Truncate(time.Microsecond), Actor: req.Actor, Action: req.Action, UserID: req.UserID, Reason: req.Reason, Changes: map[string]int{}}
	var secret string
	if req.NewJWTSecret != "" {
		var err error
		if secret, err = uuidToDB(req.NewJWTSecret); err != nil {
			return AuditEntry{}, fmt.Errorf("store: %s of user %d: jwt secret: %w", req.Action, req.UserID, err)
		}
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, req.UserID).Scan(&e.Email); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("user %d", req.UserID)
			}
			return fmt.Errorf("look up user %d: %w", req.UserID, err)
		}
		if err := applyAdmin(ctx, tx, req, secret, e.Changes); err != nil {
			return err
		}
		if req.Notice != nil {
			id, err := insertMail(ctx, tx, *req.Notice)
			if err != nil {
				return fmt.Errorf("queue notice: %w", err)
			}
			if req.Action == ActionResendMail {
				// Ids, not counts: which message went out again, as which.
				e.Changes["resent_mail"], e.Changes["new_mail"] = int(req.ResendOf), int(id)
			} else {
				e.Changes["notice_queued"] = 1
			}
		}
		changes, err := json.Marshal(e.Changes)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx,
			`INSERT INTO vsauth_audit (created_at, actor, action, user_id, email, reason, changes) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			formatDjangoTime(e.At), e.Actor, e.Action, e.UserID, e.Email, e.Reason, string(changes)).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("record audit entry: %w", err)
		}
		if req.DryRun {
			return errDryRun
		}
		return nil
	})
	switch {
	case errors.Is(err, errDryRun):
		e.ID = 0
		return e, nil
	case err == nil:
		return e, nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrChanged):
		return AuditEntry{}, err
	}
	return AuditEntry{}, fmt.Errorf("store: %s of user %d: %w", req.Action, req.UserID, err)
}

// applyAdmin makes the change of req inside tx and counts what it changed.
func applyAdmin(ctx context.Context, tx *sql.Tx, req AdminRequest, secret string, changes map[string]int) error {
	exec := func(key, query string, args ...any) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", firstWords(query), err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if key != "" {
			changes[key] += int(n)
		}
		return nil
	}
	count := func(key, query string) error {
		var n int
		if err := tx.QueryRowContext(ctx, query, req.UserID).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", firstWords(query), err)
		}
		changes[key] = n
		return nil
	}
	revoke := func() error {
		if secret == "" {
			return errNoSecret
		}
		changes["sessions_revoked"] = 1
		return exec("", setJWTSecret, secret, req.UserID)
	}
	const loginFailures = `SELECT coalesce(sum(failure_count), 0) FROM vsauth_login_throttle WHERE user_id = $1`
	switch req.Action {
	case ActionResetTwoStep:
		keys := []string{"emergency_codes_deleted", "static_devices_deleted", "totp_devices_deleted"}
		for i, query := range deviceDeletes(false) {
			if err := exec(keys[i], query, req.UserID); err != nil {
				return err
			}
		}
		return revoke()
	case ActionClearThrottle:
		if err := count("failed_logins_cleared", loginFailures); err != nil {
			return err
		}
		if err := count("failed_codes_cleared", `SELECT
			(SELECT coalesce(sum(throttling_failure_count), 0) FROM otp_totp_totpdevice WHERE user_id = $1) +
			(SELECT coalesce(sum(throttling_failure_count), 0) FROM otp_static_staticdevice WHERE user_id = $1)`); err != nil {
			return err
		}
		return execEach(ctx, tx, req.UserID,
			`UPDATE otp_totp_totpdevice SET `+clearDeviceThrottle+` WHERE user_id = $1`,
			`UPDATE otp_static_staticdevice SET `+clearDeviceThrottle+` WHERE user_id = $1`,
			clearLoginThrottle,
		)
	case ActionRevokeSessions:
		return revoke()
	case ActionResendMail:
		if req.Notice == nil || req.ResendOf < 1 {
			return errors.New("resend-mail needs the copy and the id of the original")
		}
		return nil
	case ActionSetPassword:
		if req.NewHash == "" || req.ExpectHash == "" {
			return errors.New("set-password needs the new and the expected hash")
		}
		if secret == "" {
			return errNoSecret
		}
		if err := count("failed_logins_cleared", loginFailures); err != nil {
			return err
		}
		// The password, the new secret and the cleared throttle in one
		// compare-and-swap, as a reset by mail stores them.
		done, err := updatePassword(ctx, tx, req.UserID, PasswordUpdate{ExpectHash: req.ExpectHash, NewHash: req.NewHash, NewJWTSecret: req.NewJWTSecret})
		if err != nil {
			return fmt.Errorf("update password: %w", err)
		}
		if !done {
			return ErrChanged
		}
		changes["password_set"], changes["sessions_revoked"] = 1, 1
		return nil
	}
	return fmt.Errorf("unknown action %q", req.Action)
}

// AuditFilter selects audit entries: of one user (UserID > 0) or e-mail as
// it was recorded (Email, for deleted accounts), since a time, at most Limit
// of the newest (0: all).
type AuditFilter struct {
	UserID int64
	Email  string
	Since  time.Time
	Limit  int
}

// Audit returns the entries f selects, oldest first.
func (s *DB) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var q filter
	if f.UserID > 0 {
		q.cond(`user_id = $%d`, f.UserID)
	}
	if f.Email != "" {
		q.cond(`email = $%d`, f.Email)
	}
	if !f.Since.IsZero() {
		q.cond(`created_at >= $%d`, formatDjangoTime(f.Since))
	}
	rows, err := s.db.QueryContext(ctx, q.query(`SELECT id, created_at, actor, action, user_id, email, reason, changes FROM vsauth_audit`, `id DESC`, f.Limit), q.args...)
	out, err := scanAll(rows, err, scanAuditEntry)
	if err != nil {
		return nil, fmt.Errorf("store: read audit: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func scanAuditEntry(r rowScanner) (AuditEntry, error) {
	var (
		e       AuditEntry
		at      nullTime
		changes string
	)
	if err := r.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.UserID, &e.Email, &e.Reason, &changes); err != nil {
		return AuditEntry{}, err
	}
	e.At = at.Time
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return AuditEntry{}, fmt.Errorf("entry %d: %w", e.ID, err)
	}
	return e, nil
}
