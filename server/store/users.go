package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

const userColumns = `id, password, last_login, is_superuser, email, is_active, is_admin, jwt_secret, date_joined`

func scanUser(r rowScanner) (User, error) {
	var x userScan
	if err := r.Scan(x.dest()...); err != nil {
		return User{}, err
	}
	return x.user()
}

// userScan is what a users row is scanned into, before the checks.
type userScan struct {
	u                 User
	lastLogin, joined nullTime
	secret            string
}

// dest is the scan destinations of the user's columns, followed by more.
func (x *userScan) dest(more ...any) []any {
	d := make([]any, 0, 9+len(more))
	d = append(d, &x.u.ID, &x.u.Password, &x.lastLogin, &x.u.IsSuperuser, &x.u.Email, &x.u.IsActive, &x.u.IsAdmin, &x.secret, &x.joined)
	return append(d, more...)
}

func (x *userScan) user() (User, error) {
	u := x.u
	var err error
	if u.JWTSecret, err = uuidFromDB(x.secret); err != nil {
		return User{}, fmt.Errorf("users.jwt_secret of user %d: %w", u.ID, err)
	}
	if !x.joined.Valid {
		return User{}, fmt.Errorf("users.date_joined of user %d is NULL", u.ID)
	}
	u.LastLogin = x.lastLogin.ptr()
	u.DateJoined = x.joined.Time
	return u, nil
}

func (s *DB) queryUsers(ctx context.Context, query string, args ...any) ([]User, error) {
	rows, err := s.query(ctx, query, args...)
	return scanAll(rows, err, scanUser)
}

// CreateUser inserts u (its ID is ignored) together with the user's empty
// account_profile row, as the original's post_save signal does (NULL text
// fields, an empty string for the ImageField's empty FieldFile), and returns the
// stored row. It returns ErrDuplicateEmail when the email is taken (an exact,
// case-sensitive match, like the column's UNIQUE constraint).
func (s *DB) CreateUser(ctx context.Context, u User) (User, error) {
	secret, err := uuidToDB(u.JWTSecret)
	if err != nil {
		return User{}, fmt.Errorf("store: create user: jwt secret: %w", err)
	}
	var created User
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx,
			`INSERT INTO users (password, last_login, is_superuser, email, is_active, is_admin, jwt_secret, date_joined) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			u.Password, timeArg(u.LastLogin), u.IsSuperuser, u.Email, u.IsActive, u.IsAdmin, secret, formatDjangoTime(u.DateJoined)).Scan(&id)
		if isUniqueViolation(err) {
			return ErrDuplicateEmail
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_profile (display_name, profile_image, about, user_id) VALUES (NULL, '', NULL, $1)`, id); err != nil {
			return fmt.Errorf("insert profile of user %d: %w", id, err)
		}
		created, err = scanUser(tx.QueryRowContext(ctx, s.d.users.byID, id))
		if err != nil {
			return fmt.Errorf("read back user %d: %w", id, err)
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrDuplicateEmail):
		return User{}, ErrDuplicateEmail
	case err != nil:
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return created, nil
}

// UserByID returns the user with primary key id, or ErrNotFound.
func (s *DB) UserByID(ctx context.Context, id int64) (User, error) {
	if !s.d.idFits(id) {
		return User{}, notFound("user %d", id)
	}
	u, err := scanUser(s.queryRow(ctx, s.d.users.byID, id))
	return readOne(u, err, "user %d", id)
}

// UserByEmail returns the user whose email is exactly email (case-sensitive, as
// the original's login lookup), or ErrNotFound.
func (s *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.queryRow(ctx, s.d.users.byEmail, email))
	return readOne(u, err, "user with that email")
}

// AuthUser is what authenticating a request and its OTP gate need, read
// together.
type AuthUser struct {
	User
	// HasConfirmedDevice is true when the user has a confirmed TOTP or
	// static device.
	HasConfirmedDevice bool
	// DeviceConfirmed is true when the device asked about is a confirmed
	// device of this user.
	DeviceConfirmed bool
	// Profile is the user's account_profile row, nil when there is none.
	Profile *Profile
}

// DeviceRef names a device by its table and primary key.
type DeviceRef struct {
	Static bool // otp_static_staticdevice; otherwise otp_totp_totpdevice
	ID     int64
}

// AuthUser returns the user with primary key id, whether they have a
// confirmed device, whether device (nil for none) is one of them, and their
// profile, or ErrNotFound. It is one statement, so one round trip and one
// snapshot: what it reports held together at one moment, as if the
// separate reads had run with nothing in between.
func (s *DB) AuthUser(ctx context.Context, id int64, device *DeviceRef) (AuthUser, error) {
	if !s.d.idFits(id) {
		return AuthUser{}, notFound("user %d", id)
	}
	var totpID, staticID any // NULL matches no device
	if device != nil && s.d.idFits(device.ID) {
		if device.Static {
			staticID = device.ID
		} else {
			totpID = device.ID
		}
	}
	var (
		a                  AuthUser
		x                  userScan
		hasProfile         bool
		name, image, about sql.NullString
	)
	err := s.queryRow(ctx, s.d.users.auth, id, totpID, staticID).Scan(x.dest(&a.HasConfirmedDevice, &a.DeviceConfirmed, &hasProfile, &name, &image, &about)...)
	if err == nil {
		a.User, err = x.user()
	}
	if _, err = readOne(a, err, "user %d", id); err != nil {
		return AuthUser{}, err
	}
	if hasProfile {
		a.Profile = &Profile{DisplayName: strPtr(name), ProfileImage: strPtr(image), About: strPtr(about)}
	}
	return a, nil
}

// UsersByEmailFold returns, ordered by id, the users whose email equals email
// ignoring case as Django's email__iexact does on the database. On SQLite
// that is LIKE with the wildcards escaped, and LIKE folds only ASCII letters.
// SQLite's lower() folds the same letters, so an equality of lower() gives the
// same rows without LIKE's pattern-length limit (a 50,000-byte address made
// the original fail), and it is answered from the vsauth_users_email_lower
// index instead of a scan. On PostgreSQL it is UPPER() = UPPER(), which folds
// Unicode letters, from the vsauth_users_email_upper index.
func (s *DB) UsersByEmailFold(ctx context.Context, email string) ([]User, error) {
	users, err := s.queryUsers(ctx, s.d.users.emailFold, email)
	if err != nil {
		return nil, fmt.Errorf("store: read users by email: %w", err)
	}
	return users, nil
}

// ListUsers returns every user, ordered by id.
func (s *DB) ListUsers(ctx context.Context) ([]User, error) {
	users, err := s.queryUsers(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// PasswordUpdate describes a password change for UpdatePassword.
type PasswordUpdate struct {
	ExpectHash   string     // if non-empty, update only if users.password still equals it (compare-and-swap)
	NewHash      string     // the new encoded hash
	LastLogin    *time.Time // if non-nil, set last_login
	NewJWTSecret string     // if non-empty (hyphenated form), rotate jwt_secret too
}

// UpdatePassword stores a new password hash, and optionally last_login and a new
// jwt_secret, and forgets the user's failed logins, in one transaction: a
// lock earned by guessing the old password must not outlive it (a reset by
// mail is how a locked-out owner gets back in). It reports false, changing
// nothing, when the user is gone or, with ExpectHash, when the stored hash has
// changed meanwhile.
func (s *DB) UpdatePassword(ctx context.Context, userID int64, u PasswordUpdate) (bool, error) {
	var done bool
	err := s.writeTx(ctx, func(tx *sql.Tx) (err error) {
		done, err = updatePassword(ctx, tx, userID, u)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: update password of user %d: %w", userID, err)
	}
	return done, nil
}

// updatePassword is UpdatePassword inside tx, which set-password
// (Administer) shares.
func updatePassword(ctx context.Context, tx *sql.Tx, userID int64, u PasswordUpdate) (bool, error) {
	args := []any{u.NewHash}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	query := `UPDATE users SET password = $1`
	if u.LastLogin != nil {
		query += `, last_login = ` + arg(timeArg(u.LastLogin))
	}
	if u.NewJWTSecret != "" {
		secret, err := uuidToDB(u.NewJWTSecret)
		if err != nil {
			return false, fmt.Errorf("jwt secret: %w", err)
		}
		query += `, jwt_secret = ` + arg(secret)
	}
	query += ` WHERE id = ` + arg(userID)
	if u.ExpectHash != "" {
		query += ` AND password = ` + arg(u.ExpectHash)
	}
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, clearLoginThrottle, userID); err != nil {
		return false, err
	}
	return true, nil
}

const setJWTSecret = `UPDATE users SET jwt_secret = $1 WHERE id = $2`

// SetJWTSecret replaces the user's jwt_secret (hyphenated form), which
// invalidates every token signed with the old one. ErrNotFound if no such user.
func (s *DB) SetJWTSecret(ctx context.Context, userID int64, secret string) error {
	stored, err := uuidToDB(secret)
	if err != nil {
		return fmt.Errorf("store: set jwt secret of user %d: %w", userID, err)
	}
	res, err := s.exec(ctx, setJWTSecret, stored, userID)
	if err != nil {
		return fmt.Errorf("store: set jwt secret of user %d: %w", userID, err)
	}
	return requireRow(res, "user %d", userID)
}

// requireRow turns "no row changed" into ErrNotFound.
func requireRow(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", fmt.Sprintf(format, args...), err)
	}
	if n == 0 {
		return notFound(format, args...)
	}
	return nil
}

// djangoUserLinks are tables of the original Django project (auth and admin
// apps) whose rows reference users. vsauth never writes them, but in a database
// the original created they must go with the user, or the foreign keys refuse
// the delete.
func djangoUserLinks() []string {
	return []string{"users_groups", "users_user_permissions", "django_admin_log"}
}

// DeleteUser deletes the user and everything that belongs to them, in one
// transaction: static tokens, static devices, TOTP devices, the profile (the
// original left it orphaned, defect D15), the login throttle, the reset mail
// count and the user row.
// ErrNotFound if no such user.
func (s *DB) DeleteUser(ctx context.Context, userID int64) error {
	return s.userTx(ctx, userID, fmt.Sprintf("delete user %d", userID), func(tx *sql.Tx) error {
		stmts := append(deviceDeletes(false),
			`DELETE FROM account_profile WHERE user_id = $1`,
			clearLoginThrottle,
			`DELETE FROM vsauth_reset_mail_limit WHERE user_id = $1`,
		)
		for _, table := range djangoUserLinks() {
			// The column is found from the foreign key: Django names it after the
			// model (customuser_id in the many-to-many tables, user_id elsewhere).
			// None means no such table.
			cols, err := s.d.userRefs(ctx, tx, table)
			if err != nil {
				return fmt.Errorf("inspect table %s: %w", table, err)
			}
			sort.Strings(cols)
			for _, c := range cols {
				stmts = append(stmts, fmt.Sprintf(`DELETE FROM %q WHERE %q = $1`, table, c))
			}
		}
		stmts = append(stmts, `DELETE FROM users WHERE id = $1`)
		return execEach(ctx, tx, userID, stmts...)
	})
}

// Profile returns the user's account_profile row, or nil, nil when there is none
// (users created by the original before profiles existed, or an unknown user).
func (s *DB) Profile(ctx context.Context, userID int64) (*Profile, error) {
	p, err := scanProfile(s.queryRow(ctx, profileQuery, userID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("store: read profile of user %d: %w", userID, err)
	}
	return p, nil
}

const profileQuery = `SELECT display_name, profile_image, about FROM account_profile WHERE user_id = $1`

func scanProfile(r rowScanner) (*Profile, error) {
	var name, image, about sql.NullString
	if err := r.Scan(&name, &image, &about); err != nil {
		return nil, err
	}
	return &Profile{DisplayName: strPtr(name), ProfileImage: strPtr(image), About: strPtr(about)}, nil
}

func strPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// ProfileUpdate selects the profile fields UpdateProfile changes; a nil value
// stores NULL.
type ProfileUpdate struct {
	SetDisplayName bool
	DisplayName    *string
	SetAbout       bool
	About          *string
}

// UpdateProfile applies u to the user's profile, creating the empty row first
// if the user has none, and returns the row as stored. ErrNotFound if no such
// user.
func (s *DB) UpdateProfile(ctx context.Context, userID int64, u ProfileUpdate) (*Profile, error) {
	var p *Profile
	err := s.userTx(ctx, userID, fmt.Sprintf("update profile of user %d", userID), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_profile (display_name, profile_image, about, user_id) SELECT NULL, '', NULL, $1 WHERE NOT EXISTS (SELECT 1 FROM account_profile WHERE user_id = $2)`, userID, userID); err != nil {
			return fmt.Errorf("create profile: %w", err)
		}
		if u.SetDisplayName {
			if _, err := tx.ExecContext(ctx, `UPDATE account_profile SET display_name = $1 WHERE user_id = $2`, nullString(u.DisplayName), userID); err != nil {
				return fmt.Errorf("update display_name: %w", err)
			}
		}
		if u.SetAbout {
			if _, err := tx.ExecContext(ctx, `UPDATE account_profile SET about = $1 WHERE user_id = $2`, nullString(u.About), userID); err != nil {
				return fmt.Errorf("update about: %w", err)
			}
		}
		var err error
		p, err = scanProfile(tx.QueryRowContext(ctx, `SELECT display_name, profile_image, about FROM account_profile WHERE user_id = $1`, userID))
		if err != nil {
			return fmt.Errorf("read back profile: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
