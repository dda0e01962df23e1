package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/virtualspaces/vsauth/internal/drf"
	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/resettoken"
	"github.com/virtualspaces/vsauth/server/store"
)

// passwordChangeView is djoser's SetPasswordView (SET_PASSWORD_RETYPE off).
func (s *Server) passwordChangeView() *view {
	return &view{
		name: "Set Password", description: "Use this endpoint to change user password.",
		authenticate: true,
		permissions:  []permission{isAuthenticated, otpGateForHardened},
		methods:      map[string]handler{"POST": s.changePassword},
		actions:      postActions(metaNewPassword, metaCurrentPassword),
	}
}

func (s *Server) changePassword(r *request) response {
	obj, bad := r.object()
	if bad != nil {
		return *bad
	}
	errs := &drf.Errors{}
	newPW, _ := obj.Char("new_password", required, errs)
	if resp := s.currentPassword(r, obj, errs); resp != nil {
		return *resp
	}
	if msgs := password.Validate(newPW.Value, r.user.Email, true); len(msgs) > 0 {
		errs.Add("new_password", msgs...)
		return fieldErrors(errs)
	}
	hash, err := s.hasher.Hash(newPW.Value)
	if err != nil {
		panic(err)
	}
	upd := store.PasswordUpdate{NewHash: hash}
	if s.hardened() { // D5: a new password ends every session
		if upd.NewJWTSecret, err = authtoken.NewSecret(s.cfg.Rand); err != nil {
			panic(err)
		}
	}
	if _, err := s.store.UpdatePassword(r.Context(), r.user.ID, upd); err != nil {
		panic(err)
	}
	s.event(r.Request, evPasswordChanged, r.user.ID)
	return empty(http.StatusNoContent)
}

// passwordResetView is djoser's PasswordResetView: always 204, and a mail to
// every active user whose email matches case-insensitively.
func (s *Server) passwordResetView() *view {
	return &view{
		name: "Password Reset", description: "Use this endpoint to send email to user with password reset link.",
		authenticate: true,
		methods:      map[string]handler{"POST": s.resetPassword},
		// PasswordResetSerializer's plain EmailField has no max_length.
		actions: postActions(metaField{name: "email", typ: "email", label: "Email", required: true}),
	}
}

func (s *Server) resetPassword(r *request) response {
	obj, bad := r.object()
	if bad != nil {
		return *bad
	}
	errs := &drf.Errors{}
	email, _ := obj.Char("email", emailField(drf.CharField{Required: true}), errs)
	if !errs.Empty() {
		return fieldErrors(errs)
	}
	o := s.origin(r.Request)
	reset := resetRequest{email: email.Value, protocol: o.scheme, host: o.host}
	if s.hardened() {
		// D10: answer before looking the address up, so the time taken
		// does not tell whether an account exists. The 204 promises
		// nothing either way; Wait lets a shutdown finish the work.
		select {
		case s.pendingResets <- struct{}{}:
		default:
			// A flood: the answer stays the same 204, the lookup is dropped.
			s.cfg.Logger.Warn("password reset dropped: too many reset lookups in flight", "max", cap(s.pendingResets))
			return empty(http.StatusNoContent)
		}
		s.background.Add(1)
		go func() {
			defer func() { <-s.pendingResets; s.background.Done() }()
			if err := s.sendResetMail(context.WithoutCancel(r.Context()), reset); err != nil {
				s.cfg.Logger.Error("password reset mail", "err", err)
			}
		}()
		return empty(http.StatusNoContent)
	}
	if err := s.sendResetMail(r.Context(), reset); err != nil {
		panic(err)
	}
	return empty(http.StatusNoContent)
}

type resetRequest struct{ email, protocol, host string }

// sendResetMail mails a reset link to every active account with a usable
// password whose email matches case-insensitively (djoser's get_users).
func (s *Server) sendResetMail(ctx context.Context, rr resetRequest) error {
	users, err := s.store.UsersByEmailFold(ctx, rr.email)
	if err != nil {
		return err
	}
	gen := resettoken.Generator{SecretKey: s.cfg.SecretKey}
	for _, u := range users {
		if !u.IsActive || !password.Usable(u.Password) {
			continue
		}
		// Over the cap the account is skipped as an unknown address is; the
		// answer, a 204 sent before the lookup, is the same either way.
		ok, err := s.resetMailAllowed(ctx, u.ID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		site := rr.host
		if s.cfg.SiteName != "" {
			site = s.cfg.SiteName
		}
		msg := mail.PasswordReset(mail.ResetParams{
			Protocol: rr.protocol,
			Domain:   rr.host,
			SiteName: site,
			UID:      resettoken.EncodeUID(u.ID),
			Token:    gen.Make(u.ID, u.Password, u.LastLogin, s.now()),
			Email:    u.Email,
			URL:      s.cfg.ResetURL,
			From:     s.cfg.MailFrom,
		})
		if err := s.cfg.Mailer.Send(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

// resetMailAllowed counts a reset mail to the user against the hardened
// profile's cap and reports whether it may go out. Only the first refusal of
// a window is logged (later ones count 0), so a flood does not flood the log.
func (s *Server) resetMailAllowed(ctx context.Context, userID int64) (bool, error) {
	if !s.hardened() || s.cfg.ResetMailLimit < 0 {
		return true, nil
	}
	n, err := s.store.CountResetMail(ctx, userID, s.now(), s.cfg.ResetMailWindow, s.cfg.ResetMailLimit)
	if err != nil {
		return false, err
	}
	if n == s.cfg.ResetMailLimit+1 {
		s.cfg.Logger.Warn("password reset mail limit reached: no more reset mail to this account in this window",
			"user_id", userID, "limit", s.cfg.ResetMailLimit, "window", s.cfg.ResetMailWindow.String())
	}
	return n >= 1 && n <= s.cfg.ResetMailLimit, nil
}

// passwordResetConfirmView is djoser's PasswordResetConfirmView.
func (s *Server) passwordResetConfirmView() *view {
	return &view{
		name: "Password Reset Confirm", description: "Use this endpoint to finish reset password process.",
		authenticate: true,
		methods:      map[string]handler{"POST": s.confirmReset},
		actions: postActions(
			metaField{name: "uid", typ: "string", label: "Uid", required: true},
			metaField{name: "token", typ: "string", label: "Token", required: true},
			metaNewPassword,
		),
	}
}

func (s *Server) confirmReset(r *request) response {
	obj, bad := r.object()
	if bad != nil {
		return *bad
	}
	ctx := r.Context()
	errs := &drf.Errors{}
	var target store.User
	if uid, ok := obj.Char("uid", required, errs); ok {
		var found bool
		if pk, ok := resettoken.DecodeUID(uid.Value); ok {
			u, err := s.store.UserByID(ctx, pk)
			if err == nil {
				target, found = u, true
			} else if !errors.Is(err, store.ErrNotFound) {
				panic(err)
			}
		}
		if !found {
			errs.Add("uid", "Invalid user id or user doesn't exist.")
		}
	}
	tok, _ := obj.Char("token", required, errs)
	newPW, _ := obj.Char("new_password", required, errs)
	if !errs.Empty() {
		return fieldErrors(errs)
	}
	// The original compares the new password with the request's user, the
	// anonymous one unless a JWT was sent (D7); hardened uses the target.
	var msgs []string
	switch {
	case s.hardened():
		msgs = password.Validate(newPW.Value, target.Email, true)
	case r.user != nil:
		msgs = password.Validate(newPW.Value, r.user.Email, true)
	default:
		msgs = password.Validate(newPW.Value, "", false)
	}
	if len(msgs) > 0 {
		errs.Add("new_password", msgs...)
		return fieldErrors(errs)
	}
	gen := resettoken.Generator{SecretKey: s.cfg.SecretKey}
	now := s.now()
	if !gen.Check(tok.Value, target.ID, target.Password, target.LastLogin, now) {
		return nonField("Invalid token for given user.")
	}
	hash, err := s.hasher.Hash(newPW.Value)
	if err != nil {
		panic(err)
	}
	upd := store.PasswordUpdate{ExpectHash: target.Password, NewHash: hash, LastLogin: &now}
	if s.hardened() {
		if upd.NewJWTSecret, err = authtoken.NewSecret(s.cfg.Rand); err != nil {
			panic(err)
		}
	}
	// The compare-and-swap makes a reset link single-use even when two
	// confirmations race: the loser sees the token as spent.
	done, err := s.store.UpdatePassword(ctx, target.ID, upd)
	if err != nil {
		panic(err)
	}
	if !done {
		return nonField("Invalid token for given user.")
	}
	s.event(r.Request, evPasswordReset, target.ID)
	return empty(http.StatusNoContent)
}
