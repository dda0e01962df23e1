package server

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/otp"
	"github.com/virtualspaces/vsauth/server/store"
)

// staticTokenCount is StaticCreateView.number_of_static_tokens.
const staticTokenCount = 6

// totpCreateView is the project's TOTPCreateView: get or create the user's
// first TOTP device and answer its otpauth URL as a bare JSON string.
func (s *Server) totpCreateView() *view {
	return &view{
		name: "Totp Create", description: "Use this endpoint to set up a new TOTP device",
		authenticate: true,
		permissions:  []permission{isAuthenticated},
		methods:      map[string]handler{"GET": s.totpCreate},
	}
}

func (s *Server) totpCreate(r *request) response {
	ctx := r.Context()
	dev, err := s.store.FirstTOTPDevice(ctx, r.user.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		key, kerr := otp.NewTOTPKey(s.cfg.Rand)
		if kerr != nil {
			panic(kerr)
		}
		dev = store.TOTPDevice{UserID: r.user.ID, Key: key, Step: 30, Digits: 6, Tolerance: 1, LastT: -1}
		if !r.head { // D12: HEAD shows what GET would, and creates nothing
			if dev, _, err = s.store.CreateTOTPDeviceIfNone(ctx, dev); err != nil {
				panic(err)
			}
		}
	case err != nil:
		panic(err)
	case dev.Confirmed && s.hardened():
		// D4: a confirmed secret is never shown again.
		return detail(http.StatusConflict, "A confirmed TOTP device exists; its secret is not shown again. Delete it to enrol a new one.")
	}
	url, err := otp.ConfigURL(r.user.Email, dev.Key, dev.Digits, dev.Step)
	if err != nil {
		panic(err)
	}
	return jsonResponse(http.StatusCreated, url)
}

// totpLoginView is the project's TOTPVerifyView. Every failure is a bare 400.
func (s *Server) totpLoginView() *view {
	return &view{
		name: "Totp Verify", description: "Use this endpoint to verify/enable a TOTP device",
		authenticate: true,
		permissions:  []permission{isAuthenticated},
		methods:      map[string]handler{"POST": s.totpLogin},
	}
}

func (s *Server) totpLogin(r *request) response {
	ctx := r.Context()
	dev, err := s.store.FirstTOTPDevice(ctx, r.user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return empty(http.StatusBadRequest)
	}
	if err != nil {
		panic(err)
	}
	return s.checkCode(r, codeCheck{
		device:    "totp",
		enrolling: !dev.Confirmed,
		claim: func(now time.Time) (store.Claim, error) {
			return s.store.ClaimTOTPAttempt(ctx, dev.ID, now, s.otpThrottle.Allows)
		},
		verify: func(now time.Time) (bool, error) {
			t, drift, ok := otp.VerifyTOTP(dev, r.args[0], now)
			if !ok {
				return false, nil
			}
			// Compare-and-swap on last_t and drift: of two requests with
			// the same code, only one moves last_t past it.
			return s.store.RecordTOTPSuccess(ctx, dev, t, drift)
		},
		deviceID: otp.PersistentID(otp.KindTOTP, dev.ID),
	})
}

// codeCheck is one device's part in a second-step login: how an attempt is
// claimed under the device's throttle, how a code is checked and consumed,
// and the device id the upgraded token names ("" for none).
type codeCheck struct {
	claim    func(now time.Time) (store.Claim, error)
	verify   func(now time.Time) (bool, error)
	deviceID string
	// device is "totp" or "static", for the log; enrolling says a good
	// code confirms a TOTP device that was not yet.
	device    string
	enrolling bool
}

// checkCode runs a second-step login: 201 with an upgraded token, or the
// original's bare 400 for every failure. In the hardened profile (D8) the
// attempt is first claimed from the device's throttle, which counts it as a
// failure in the same step; a code that then verifies clears the count.
// Concurrent wrong codes are therefore checked one at a time as the lock
// engages, never all at once.
func (s *Server) checkCode(r *request, c codeCheck) response {
	now := s.now()
	if s.hardened() {
		claim, err := c.claim(now)
		if errors.Is(err, store.ErrNotFound) { // the device went meanwhile
			return empty(http.StatusBadRequest)
		}
		if err != nil {
			panic(err)
		}
		if !claim.Allowed {
			s.event(r.Request, evSecondStepThrottled, r.user.ID, slog.String("device", c.device), slog.Time("locked_until", claim.LockedUntil.UTC()))
			return empty(http.StatusBadRequest)
		}
	}
	ok, err := c.verify(now)
	if err != nil {
		panic(err)
	}
	if !ok {
		s.event(r.Request, evSecondStepFailed, r.user.ID, slog.String("device", c.device))
		return empty(http.StatusBadRequest)
	}
	s.event(r.Request, evSecondStepOK, r.user.ID, slog.String("device", c.device))
	switch {
	case c.enrolling:
		s.event(r.Request, evTOTPEnrolled, r.user.ID)
	case c.device == "static":
		s.event(r.Request, evCodeUsed, r.user.ID)
	}
	return jsonResponse(http.StatusCreated, tokenBody(s.mintToken(*r.user, c.deviceID, nil)))
}

// totpDeleteView is the project's TOTPDeleteView: drop the confirmed devices
// (TOTP and static), rotate jwt_secret, hand back the only live token.
func (s *Server) totpDeleteView() *view {
	return &view{
		name: "Totp Delete", description: "Use this endpoint to delete a TOTP device",
		authenticate: true,
		permissions:  []permission{isAuthenticated, isOTPVerified},
		methods:      map[string]handler{"POST": s.totpDelete},
	}
}

func (s *Server) totpDelete(r *request) response {
	secret, err := authtoken.NewSecret(s.cfg.Rand)
	if err != nil {
		panic(err)
	}
	// D13: the original keeps unconfirmed TOTP devices, so an old secret
	// comes back on the next enrolment; hardened removes every device.
	if err := s.store.DeleteDevices(r.Context(), r.user.ID, !s.hardened(), secret); err != nil {
		panic(err)
	}
	s.event(r.Request, evTOTPDeleted, r.user.ID)
	u := *r.user
	u.JWTSecret = secret
	return jsonResponse(http.StatusOK, tokenBody(s.mintToken(u, "", nil)))
}

// staticCreateView is the project's StaticCreateView: six new emergency
// codes, the old ones gone.
func (s *Server) staticCreateView() *view {
	return &view{
		name: "Static Create", description: "Use this endpoint to create static recovery codes.",
		authenticate: true,
		permissions:  []permission{isAuthenticated, isOTPVerified},
		methods:      map[string]handler{"GET": s.staticCreate},
	}
}

func (s *Server) staticCreate(r *request) response {
	ctx := r.Context()
	if s.hardened() {
		// D13: codes without a confirmed TOTP device would lock the user
		// into a second step they cannot otherwise pass.
		dev, err := s.store.FirstTOTPDevice(ctx, r.user.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			panic(err)
		}
		if err != nil || !dev.Confirmed {
			return detail(http.StatusConflict, "Verify a TOTP device before creating emergency codes.")
		}
	}
	codes := make([]string, staticTokenCount)
	for i := range codes {
		c, err := otp.NewStaticToken(s.cfg.Rand)
		if err != nil {
			panic(err)
		}
		codes[i] = c
	}
	if !r.head { // D12
		if _, err := s.store.ReplaceStaticTokens(ctx, r.user.ID, codes); err != nil {
			panic(err)
		}
		s.event(r.Request, evCodesMade, r.user.ID, slog.Int("count", len(codes)))
	}
	return jsonResponse(http.StatusCreated, codes)
}

// staticLoginView is the project's StaticVerifyView: an emergency code is
// consumed by its first successful use.
func (s *Server) staticLoginView() *view {
	return &view{
		name: "Static Verify", description: "Use this endpoint to verify a static token.",
		authenticate: true,
		permissions:  []permission{isAuthenticated},
		methods:      map[string]handler{"POST": s.staticLogin},
	}
}

func (s *Server) staticLogin(r *request) response {
	ctx := r.Context()
	dev, err := s.store.FirstStaticDevice(ctx, r.user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return empty(http.StatusBadRequest)
	}
	if err != nil {
		panic(err)
	}
	c := codeCheck{
		device: "static",
		claim: func(now time.Time) (store.Claim, error) {
			return s.store.ClaimStaticAttempt(ctx, dev.ID, now, s.otpThrottle.Allows)
		},
		verify: func(time.Time) (bool, error) { return s.store.UseStaticToken(ctx, dev.ID, r.args[0]) },
	}
	if dev.Confirmed {
		c.deviceID = otp.PersistentID(otp.KindStatic, dev.ID)
	}
	return s.checkCode(r, c)
}
