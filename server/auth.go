package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/otp"
	"github.com/virtualspaces/vsauth/server/store"
)

const wwwAuthenticate = `JWT realm="api"`

func unauthorized(msg string) *response {
	resp := detail(http.StatusUnauthorized, msg)
	resp.headers = map[string]string{"WWW-Authenticate": wwwAuthenticate}
	return &resp
}

// authenticate is drf-jwt's JSONWebTokenAuthentication: no JWT header means
// anonymous; a bad one is a 401 even on views that allow anonymous users.
func (s *Server) authenticate(r *request) *response {
	tok, present, err := authtoken.FromHeader(r.Header.Get("Authorization"))
	if err != nil {
		return unauthorized(err.Error())
	}
	if !present {
		return nil
	}
	user, payload, msg := s.verifyToken(r, tok)
	if msg != "" {
		return unauthorized(msg)
	}
	r.user, r.claims = &user.User, payload
	if user.read {
		r.auth = &user.AuthUser
	}
	return nil
}

// tokenUser is the user a token authenticates. read is false when only
// User is known: the devices and profile were read for another row.
type tokenUser struct {
	store.AuthUser
	read bool
}

// verifyToken decodes a token like jwt_decode_handler and then
// authenticate_credentials, returning the drf-jwt message on failure. The
// original crashes when the unverified user_id names no user (D1); vsauth
// answers "Error decoding signature." instead.
func (s *Server) verifyToken(r *request, tok string) (tokenUser, *authtoken.Payload, string) {
	payload, keyUser, err := s.decodeToken(r, tok)
	if err != nil {
		var te *authtoken.Error
		if errors.As(err, &te) {
			return tokenUser{}, nil, authMessage(te)
		}
		panic(err)
	}
	username := payload.Username()
	if username == "" {
		return tokenUser{}, nil, "Invalid payload."
	}
	// The key came from the user named by user_id, the user from the one
	// named by username; minted tokens name the same row, so it is read once.
	user := tokenUser{AuthUser: keyUser, read: true}
	if user.Email != username {
		u, err := s.store.UserByEmail(r.Context(), username)
		if errors.Is(err, store.ErrNotFound) {
			return tokenUser{}, nil, "Invalid signature."
		}
		if err != nil {
			panic(err)
		}
		user = tokenUser{AuthUser: store.AuthUser{User: u}}
	}
	if !user.IsActive {
		return tokenUser{}, nil, "User account is disabled."
	}
	return user, payload, ""
}

// decodeToken is jwt_decode_handler; it also returns the user whose
// jwt_secret verified the token (looked up by the unverified user_id). The
// same read fetches what the OTP gate and the user view need of that user,
// for the device the token names; that part is used only once the token is
// verified.
func (s *Server) decodeToken(r *request, tok string) (*authtoken.Payload, store.AuthUser, error) {
	var keyUser store.AuthUser
	p, err := authtoken.Decode(tok, s.now(), func(unverified *authtoken.Payload) (string, error) {
		u, err := s.store.AuthUser(r.Context(), unverified.UserID(), deviceRef(unverified.OTPDeviceID()))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			panic(err) // a store failure is a 500, not a bad token
		}
		if err != nil {
			return "", err
		}
		keyUser = u
		return u.JWTSecret, nil
	})
	return p, keyUser, err
}

// deviceRef is the device a persistent id names, or nil if it names none.
func deviceRef(persistentID string) *store.DeviceRef {
	if persistentID == "" {
		return nil
	}
	kind, id, ok := otp.ParsePersistentID(persistentID)
	switch {
	case !ok:
		return nil
	case kind == otp.KindStatic:
		return &store.DeviceRef{Static: true, ID: id}
	case kind == otp.KindTOTP:
		return &store.DeviceRef{ID: id}
	}
	return nil
}

// authMessage maps a decode failure to drf-jwt's words.
func authMessage(e *authtoken.Error) string {
	switch e.Kind {
	case authtoken.Expired:
		return "Signature has expired."
	case authtoken.Invalid:
		return "Incorrect authentication credentials."
	default: // DecodeError, and UnknownUser (the original's 500, D1)
		return "Error decoding signature."
	}
}

// isAuthenticated is DRF's IsAuthenticated.
func isAuthenticated(s *Server, r *request) *response {
	if r.user == nil {
		return unauthorized("Authentication credentials were not provided.")
	}
	return nil
}

// isOTPVerified is the project's IsOtpVerifed: users with a confirmed device
// need a token naming a confirmed device of theirs. The original also let
// through tokens naming a device that no longer exists (D9); vsauth doesn't.
func isOTPVerified(s *Server, r *request) *response {
	if s.otpVerified(r) {
		return nil
	}
	resp := detail(http.StatusForbidden, "You do not have permission to perform this action until you verify your OTP device.")
	return &resp
}

func (s *Server) otpVerified(r *request) bool {
	if a := r.auth; a != nil {
		return !a.HasConfirmedDevice || a.DeviceConfirmed
	}
	ctx := r.Context()
	has, err := s.store.HasConfirmedDevice(ctx, r.user.ID)
	if err != nil {
		panic(err)
	}
	if !has {
		return true
	}
	return s.deviceConfirmedFor(r, r.claims.OTPDeviceID(), r.user.ID)
}

// deviceConfirmedFor reports whether a persistent device id names a confirmed
// device of the user.
func (s *Server) deviceConfirmedFor(r *request, persistentID string, userID int64) bool {
	if persistentID == "" {
		return false
	}
	kind, id, ok := otp.ParsePersistentID(persistentID)
	if !ok {
		return false
	}
	ctx := r.Context()
	switch kind {
	case otp.KindTOTP:
		d, err := s.store.TOTPDevice(ctx, id)
		return err == nil && d.UserID == userID && d.Confirmed
	case otp.KindStatic:
		d, err := s.store.StaticDevice(ctx, id)
		return err == nil && d.UserID == userID && d.Confirmed
	}
	return false
}

// otpGateForHardened is D6: in the hardened profile, password change and
// logout-all also need a verified token once the user has a device.
func otpGateForHardened(s *Server, r *request) *response {
	if !s.hardened() {
		return nil
	}
	return isOTPVerified(s, r)
}

func (s *Server) now() time.Time { return s.cfg.Clock() }

// mintToken is jwt_otp_payload + jwt_encode_handler: the device id is set
// only for a confirmed device of the user.
func (s *Server) mintToken(u store.User, deviceID string, origIAT *int64) string {
	now := s.now()
	c := authtoken.Claims{UserID: u.ID, Username: u.Email, Exp: now.Unix() + 900}
	if deviceID != "" {
		c.OTPDeviceID = &deviceID
	}
	if origIAT == nil && s.hardened() { // D11: tokens carry orig_iat so refresh works
		iat := now.Unix()
		origIAT = &iat
	}
	c.OrigIAT = origIAT
	return authtoken.Sign(c, u.JWTSecret)
}

func tokenBody(tok string) struct {
	Token string `json:"token"`
} {
	return struct {
		Token string `json:"token"`
	}{tok}
}
