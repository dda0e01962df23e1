package server

import (
	"errors"
	"net/http"

	"github.com/virtualspaces/vsauth/internal/drf"
	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/store"
)

// refreshWindow is JWT_REFRESH_EXPIRATION_DELTA (7 days).
const refreshWindow = 7 * 24 * 3600

// refreshView is drf-jwt's RefreshJSONWebToken. In compat no minted token
// carries orig_iat, so refresh always fails as in the original (D11).
func (s *Server) refreshView() *view {
	return &view{
		name:        "Refresh Json Web Token",
		description: "API View that returns a refreshed token (with new expiration) based on\nexisting token\n\nIf 'orig_iat' field (original issued-at-time) is found, will first check\nif it's within expiration window, then copy it to the new token",
		methods:     map[string]handler{"POST": s.refresh},
		actions:     postActions(metaField{name: "token", typ: "string", label: "Token", required: true}),
	}
}

func (s *Server) refresh(r *request) response {
	obj, bad := r.object()
	if bad != nil {
		return *bad
	}
	errs := &drf.Errors{}
	tok, _ := obj.Char("token", required, errs)
	if !errs.Empty() {
		return fieldErrors(errs)
	}
	payload, _, err := s.decodeToken(r, tok.Value)
	if err != nil {
		var te *authtoken.Error
		if !errors.As(err, &te) {
			panic(err)
		}
		// Only expiry has its own words; everything else the original either
		// called a decode error or crashed on (D1, D2).
		if te.Kind == authtoken.Expired {
			return nonField("Signature has expired.")
		}
		return nonField("Error decoding signature.")
	}
	username := payload.Username()
	if username == "" {
		return nonField("Invalid payload.")
	}
	user, err := s.store.UserByEmail(r.Context(), username)
	if errors.Is(err, store.ErrNotFound) {
		return nonField("User doesn't exist.")
	}
	if err != nil {
		panic(err)
	}
	if !user.IsActive {
		return nonField("User account is disabled.")
	}
	origIAT, ok := payload.OrigIAT()
	if !ok {
		return nonField("orig_iat field is required.")
	}
	if s.now().Unix() > origIAT+refreshWindow {
		return nonField("Refresh has expired.")
	}
	device := ""
	if s.hardened() {
		// D11: keep the second factor only while that device still stands.
		rq := &request{Request: r.Request}
		if id := payload.OTPDeviceID(); s.deviceConfirmedFor(rq, id, user.ID) {
			device = id
		}
	}
	return jsonResponse(http.StatusOK, tokenBody(s.mintToken(user, device, &origIAT)))
}
