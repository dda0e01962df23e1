package server

import (
	"context"
	"time"

	"github.com/virtualspaces/vsauth/server/store"
)

// Store is what the server needs from persistence. store.SQLite implements it;
// every multi-row change is one transaction and every check-then-write that
// races (codes, reset tokens, device creation) is a conditional update.
type Store interface {
	CreateUser(ctx context.Context, u store.User) (store.User, error)
	UserByID(ctx context.Context, id int64) (store.User, error)
	AuthUser(ctx context.Context, id int64, device *store.DeviceRef) (store.AuthUser, error)
	UserByEmail(ctx context.Context, email string) (store.User, error)
	UsersByEmailFold(ctx context.Context, email string) ([]store.User, error)
	UpdatePassword(ctx context.Context, userID int64, u store.PasswordUpdate) (bool, error)
	SetJWTSecret(ctx context.Context, userID int64, secret string) error
	DeleteUser(ctx context.Context, userID int64) error
	Profile(ctx context.Context, userID int64) (*store.Profile, error)
	UpdateProfile(ctx context.Context, userID int64, u store.ProfileUpdate) (*store.Profile, error)

	TOTPDevice(ctx context.Context, id int64) (store.TOTPDevice, error)
	FirstTOTPDevice(ctx context.Context, userID int64) (store.TOTPDevice, error)
	CreateTOTPDeviceIfNone(ctx context.Context, d store.TOTPDevice) (store.TOTPDevice, bool, error)
	RecordTOTPSuccess(ctx context.Context, prev store.TOTPDevice, lastT int64, drift int) (bool, error)
	ClaimTOTPAttempt(ctx context.Context, deviceID int64, now time.Time, rule store.ThrottleRule) (store.Claim, error)
	StaticDevice(ctx context.Context, id int64) (store.StaticDevice, error)
	FirstStaticDevice(ctx context.Context, userID int64) (store.StaticDevice, error)
	ReplaceStaticTokens(ctx context.Context, userID int64, tokens []string) (store.StaticDevice, error)
	UseStaticToken(ctx context.Context, deviceID int64, token string) (bool, error)
	ClaimStaticAttempt(ctx context.Context, deviceID int64, now time.Time, rule store.ThrottleRule) (store.Claim, error)
	HasConfirmedDevice(ctx context.Context, userID int64) (bool, error)
	DeleteDevices(ctx context.Context, userID int64, confirmedOnly bool, newJWTSecret string) error

	ClaimLoginAttempt(ctx context.Context, userID int64, now time.Time, rule store.ThrottleRule) (store.Claim, error)
	ResetLoginThrottle(ctx context.Context, userID int64) error

	CountResetMail(ctx context.Context, userID int64, now time.Time, window time.Duration, limit int) (int, error)
}
