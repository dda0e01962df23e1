package server

import (
	"errors"
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
		throttle: dev.Throttle,
		verify: func(now time.Time) (bool, error) {
			t, drift, ok := otp.VerifyTOTP(dev, r.args[0], now)
			if !ok {
				return false, nil
			}
			// Compare-and-swap on last_t and drift: of two requests with
			// the same code, only one moves last_t past it.
			return s.store.RecordTOTPSuccess(ctx, dev, t, drift)
		},
		fail:     func(now time.Time) error { return s.store.RecordTOTPFailure(ctx, dev.ID, now) },
		deviceID: otp.PersistentID(otp.KindTOTP, dev.ID),
	})
}

// codeCheck is one device's part in a second-step login: its throttling
// state, how a code is checked and consumed, how a failure is counted, and
// the device id the upgraded token names ("" for none).
type codeCheck struct {
	throttle store.Throttle
	verify   func(now time.Time) (bool, error)
	fail     func(now time.Time) error
	deviceID string
}

// checkCode runs a second-step login: 201 with an upgraded token, or the
// original's bare 400 for every failure. The hardened profile refuses
// without checking while the device is throttled (D8) and counts failures.
func (s *Server) checkCode(r *request, c codeCheck) response {
	now := s.now()
	if s.hardened() {
		if ok, _ := otp.ThrottleAllows(c.throttle, s.cfg.OTPThrottleFactor, now); !ok {
			return empty(http.StatusBadRequest)
		}
	}
	ok, err := c.verify(now)
	if err != nil {
		panic(err)
	}
	if !ok {
		if s.hardened() {
			if err := c.fail(now); err != nil {
				panic(err)
			}
		}
		return empty(http.StatusBadRequest)
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
		throttle: dev.Throttle,
		verify:   func(time.Time) (bool, error) { return s.store.UseStaticToken(ctx, dev.ID, r.args[0]) },
		fail:     func(now time.Time) error { return s.store.RecordStaticFailure(ctx, dev.ID, now) },
	}
	if dev.Confirmed {
		c.deviceID = otp.PersistentID(otp.KindStatic, dev.ID)
	}
	return s.checkCode(r, c)
}

// loginAllowed applies the django-otp 1.x delay rule to failed logins of one
// account (hardened only).
func (s *Server) loginAllowed(r *request, u store.User) bool {
	th, err := s.store.LoginThrottle(r.Context(), u.ID)
	if err != nil {
		panic(err)
	}
	ok, _ := otp.ThrottleAllows(th, s.cfg.LoginThrottleFactor, s.now())
	return ok
}

func (s *Server) recordLogin(r *request, u store.User, ok bool) {
	var err error
	if ok {
		err = s.store.ResetLoginThrottle(r.Context(), u.ID)
	} else {
		err = s.store.RecordLoginFailure(r.Context(), u.ID, s.now())
	}
	if err != nil {
		panic(err)
	}
}
