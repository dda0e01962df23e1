package server

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/virtualspaces/vsauth/internal/drf"
	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/emailaddr"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/store"
)

var required = drf.CharField{Required: true}

// emailText is EmailField's 'invalid' message, which replaces CharField's
// "Not a valid string." and is also its EmailValidator's message.
const emailText = "Enter a valid email address."

// emailField is DRF's EmailField: a CharField whose 'invalid' message and
// last validator are the email ones.
func emailField(f drf.CharField) drf.CharField {
	f.Invalid = emailText
	f.After = validEmail
	return f
}

func validEmail(v string) []string {
	if emailaddr.Valid(v) {
		return nil
	}
	return []string{emailText}
}

// userCreateView is djoser's UserCreateView with UserCreateSerializer.
func (s *Server) userCreateView() *view {
	return &view{
		name: "User Create", description: "Use this endpoint to register new user.",
		authenticate: true,
		methods:      map[string]handler{"POST": s.createUser},
		// UserCreateSerializer: Meta.fields order, the model's email and
		// read-only id, then the declared write-only password.
		actions: postActions(
			metaField{name: "email", typ: "email", label: "Email address", required: true, maxLength: 255},
			metaID,
			metaField{name: "password", typ: "string", label: "Password", required: true},
		),
	}
}

func (s *Server) createUser(r *request) response {
	obj, bad := r.object()
	if bad != nil {
		return *bad
	}
	ctx := r.Context()
	errs := &drf.Errors{}
	email, _ := obj.Char("email", emailField(drf.CharField{Required: true, MaxLength: 255, Before: func(v string) []string {
		var msgs []string
		if _, err := s.store.UserByEmail(ctx, s.uniqueEmailKey(v)); err == nil {
			msgs = append(msgs, "user with this email address already exists.")
		} else if !errors.Is(err, store.ErrNotFound) {
			panic(err)
		}
		return msgs
	}}), errs)
	pw, _ := obj.Char("password", required, errs)
	if !errs.Empty() {
		return fieldErrors(errs)
	}
	if msgs := password.Validate(pw.Value, email.Value, true); len(msgs) > 0 {
		errs.Add("password", msgs...)
		return fieldErrors(errs)
	}
	hash, err := s.hasher.Hash(pw.Value)
	if err != nil {
		panic(err)
	}
	secret, err := authtoken.NewSecret(s.cfg.Rand)
	if err != nil {
		panic(err)
	}
	u, err := s.store.CreateUser(ctx, store.User{
		Password:   hash,
		Email:      emailaddr.Normalize(email.Value),
		IsActive:   true,
		JWTSecret:  secret,
		DateJoined: s.now(),
	})
	if errors.Is(err, store.ErrDuplicateEmail) {
		// The uniqueness check saw the raw value, the insert the normalized
		// one: the original answers with a bare list here (D14, D17).
		return jsonResponse(http.StatusBadRequest, []string{"Unable to create account."})
	}
	if err != nil {
		panic(err)
	}
	return jsonResponse(http.StatusCreated, struct {
		Email string `json:"email"`
		ID    int64  `json:"id"`
	}{u.Email, u.ID})
}

// uniqueEmailKey is what the uniqueness check compares: the raw value in
// compat, the normalized one in hardened (D14).
func (s *Server) uniqueEmailKey(v string) string {
	if s.hardened() {
		return emailaddr.Normalize(v)
	}
	return v
}

// loginView is drf-jwt's ObtainJSONWebToken with the email as username.
func (s *Server) loginView() *view {
	return &view{
		name:        "Obtain Json Web Token",
		description: "API View that receives a POST with a user's username and password.\n\nReturns a JSON Web Token that can be used for authenticated requests.",
		methods:     map[string]handler{"POST": s.login},
		actions: postActions(
			metaField{name: "email", typ: "string", label: "Email", required: true},
			metaField{name: "password", typ: "string", label: "Password", required: true},
		),
	}
}

func (s *Server) login(r *request) response {
	obj, bad := r.object()
	if bad != nil {
		return *bad
	}
	errs := &drf.Errors{}
	email, _ := obj.Char("email", required, errs)
	pw, _ := obj.Char("password", required, errs)
	if !errs.Empty() {
		return fieldErrors(errs)
	}
	if s.hardened() {
		email.Value = emailaddr.Normalize(email.Value)
	}
	user, ok := s.checkCredentials(r, email.Value, pw.Value)
	if !ok {
		return nonField("Unable to log in with provided credentials.")
	}
	s.event(r.Request, evLoginOK, user.ID)
	return jsonResponse(http.StatusOK, tokenBody(s.mintToken(user, "", nil)))
}

// checkCredentials is Django's ModelBackend.authenticate: a dummy hash for
// unknown emails so timing does not reveal accounts, the password checked
// before is_active, and a hash upgrade when the iteration count differs.
//
// The hardened profile adds a per-account throttle: the attempt is claimed
// (and counted as a failure) before the password is checked, so that
// concurrent guesses are checked one at a time as the lock engages, and a
// right password clears the count. A refused attempt still pays for the
// dummy hash: a locked account answers as slowly as an unknown one.
func (s *Server) checkCredentials(r *request, email, pw string) (store.User, bool) {
	ctx := r.Context()
	// An unknown address costs the dummy hash and logs no address: what was
	// typed may be a password in the wrong box.
	unknown := func() (store.User, bool) {
		s.hasher.Dummy(pw)
		s.event(r.Request, evLoginFailed, 0, slog.String("reason", "unknown account"))
		return store.User{}, false
	}
	user, err := s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return unknown()
	case err != nil:
		panic(err)
	}
	if s.hardened() {
		claim, err := s.store.ClaimLoginAttempt(ctx, user.ID, s.now(), s.loginThrottle.Allows)
		switch {
		case errors.Is(err, store.ErrNotFound): // deleted meanwhile
			return unknown()
		case err != nil:
			panic(err)
		case !claim.Allowed:
			s.hasher.Dummy(pw)
			s.event(r.Request, evLoginThrottled, user.ID, slog.Time("locked_until", claim.LockedUntil.UTC()))
			return store.User{}, false
		}
	}
	ok := s.checkPassword(r, &user, pw)
	if ok && s.hardened() {
		if err := s.store.ResetLoginThrottle(ctx, user.ID); err != nil {
			panic(err)
		}
	}
	switch {
	case !ok:
		s.event(r.Request, evLoginFailed, user.ID, slog.String("reason", "wrong password"))
	case !user.IsActive:
		s.event(r.Request, evLoginFailed, user.ID, slog.String("reason", "inactive account"))
	}
	return user, ok && user.IsActive
}

// checkPassword is AbstractBaseUser.check_password with its setter: a correct
// password stored with another iteration count is re-hashed and saved.
func (s *Server) checkPassword(r *request, user *store.User, pw string) bool {
	ok, rehash := s.hasher.Check(pw, user.Password)
	if ok && rehash {
		hash, err := s.hasher.Hash(pw)
		if err != nil {
			panic(err)
		}
		// Compare-and-swap: a password change racing this login wins.
		done, err := s.store.UpdatePassword(r.Context(), user.ID, store.PasswordUpdate{ExpectHash: user.Password, NewHash: hash})
		if err != nil {
			panic(err)
		}
		if done {
			user.Password = hash
		}
	}
	return ok
}

// userView is the project's UserView (djoser's RetrieveUpdateAPIView).
func (s *Server) userView() *view {
	return &view{
		name: "User", description: "Uses the default Djoser view, but add the IsOtpVerified permission.\nUse this endpoint to retrieve/update user.",
		authenticate: true,
		permissions:  []permission{isAuthenticated, isOTPVerified},
		methods:      map[string]handler{"GET": s.getUser, "PUT": s.updateUser, "PATCH": s.updateUser},
		// The project's UserSerializer: email is in read_only_fields, which
		// drops its required and max_length; profile is the nested
		// ProfileSerializer over a model whose fields are all nullable.
		actions: &metaActions{method: "PUT", fields: []metaField{
			metaID,
			{name: "email", typ: "email", label: "Email address", readOnly: true},
			{name: "profile", typ: "nested object", label: "Profile", required: true, children: []metaField{
				{name: "display_name", typ: "string", label: "Display name", maxLength: 155},
				{name: "profile_image", typ: "image upload", label: "Profile image", maxLength: 100},
				{name: "about", typ: "string", label: "About"},
			}},
		}},
	}
}

type profileBody struct {
	DisplayName  *string `json:"display_name"`
	ProfileImage *string `json:"profile_image"`
	About        *string `json:"about"`
}

type userBody struct {
	ID      int64        `json:"id"`
	Email   string       `json:"email"`
	Profile *profileBody `json:"profile"`
}

func (s *Server) userBody(r *request, p *store.Profile) userBody {
	b := userBody{ID: r.user.ID, Email: r.user.Email}
	if p != nil {
		b.Profile = &profileBody{DisplayName: p.DisplayName, About: p.About}
		if p.ProfileImage != nil && *p.ProfileImage != "" {
			// ImageField.to_representation: request.build_absolute_uri(MEDIA_URL + name)
			o := s.origin(r.Request)
			u := o.scheme + "://" + o.host + "/media/" + *p.ProfileImage
			b.Profile.ProfileImage = &u
		}
	}
	return b
}

func (s *Server) getUser(r *request) response {
	if r.auth != nil {
		return rawJSON(http.StatusOK, s.userBody(r, r.auth.Profile).json())
	}
	p, err := s.store.Profile(r.Context(), r.user.ID)
	if err != nil {
		panic(err)
	}
	return rawJSON(http.StatusOK, s.userBody(r, p).json())
}

// updateUser implements what the original's PUT/PATCH meant to do (D3: it
// always crashed): validate like the serializer, then write display_name and
// about of the profile and answer with the GET body.
func (s *Server) updateUser(r *request) response {
	obj, bad := r.parse(r.Method == http.MethodPatch)
	if bad != nil {
		return *bad
	}
	errs := &drf.Errors{}
	prof, ok := obj.Nested("profile", true, errs)
	if !ok {
		return fieldErrors(errs)
	}
	var upd store.ProfileUpdate
	if prof != nil {
		sub := &drf.Errors{}
		opt := drf.CharField{AllowBlank: true, AllowNull: true}
		name := opt
		name.MaxLength = 155
		if v, ok := prof.Char("display_name", name, sub); ok && v.Present {
			upd.SetDisplayName, upd.DisplayName = true, nullable(v)
		}
		// profile_image is validated as the original does but never
		// written: vsauth keeps no uploads, and the original crashed on
		// every update that passed validation (D3).
		prof.OptionalFile("profile_image", sub)
		if v, ok := prof.Char("about", opt, sub); ok && v.Present {
			upd.SetAbout, upd.About = true, nullable(v)
		}
		if !sub.Empty() {
			errs.AddNested("profile", sub)
			return fieldErrors(errs)
		}
	}
	var p *store.Profile
	var err error
	if upd.SetAbout || upd.SetDisplayName {
		p, err = s.store.UpdateProfile(r.Context(), r.user.ID, upd)
	} else {
		p, err = s.store.Profile(r.Context(), r.user.ID)
	}
	if err != nil {
		panic(err)
	}
	return rawJSON(http.StatusOK, s.userBody(r, p).json())
}

// userDeleteView is the project's UserDeleteView.
func (s *Server) userDeleteView() *view {
	return &view{
		name: "User Delete", description: "Uses the default Djoser view, but add the IsOtpVerified permission.\nUse this endpoint to remove actually authenticated user.",
		authenticate: true,
		permissions:  []permission{isAuthenticated, isOTPVerified},
		methods:      map[string]handler{"POST": s.deleteUser},
		actions:      postActions(metaCurrentPassword),
	}
}

func (s *Server) deleteUser(r *request) response {
	obj, bad := r.object()
	if bad != nil {
		return *bad
	}
	if resp := s.currentPassword(r, obj, &drf.Errors{}); resp != nil {
		return *resp
	}
	if err := s.store.DeleteUser(r.Context(), r.user.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		panic(err)
	}
	s.event(r.Request, evAccountDeleted, r.user.ID)
	return empty(http.StatusNoContent)
}

// currentPassword is djoser's CurrentPasswordSerializer field; it adds its
// errors to errs and answers only when errs then holds something.
func (s *Server) currentPassword(r *request, obj drf.Object, errs *drf.Errors) *response {
	if pw, ok := obj.Char("current_password", required, errs); ok && !s.checkPassword(r, r.user, pw.Value) {
		errs.Add("current_password", "Invalid password.")
	}
	if errs.Empty() {
		return nil
	}
	resp := fieldErrors(errs)
	return &resp
}

// logoutAllView is the project's UserLogoutAllView: a new jwt_secret kills
// every token of the user. The body is never read.
func (s *Server) logoutAllView() *view {
	return &view{
		name: "User Logout All", description: "Use this endpoint to log out all sessions for a given user.",
		authenticate: true,
		permissions:  []permission{isAuthenticated, otpGateForHardened},
		methods:      map[string]handler{"POST": s.logoutAll},
	}
}

func (s *Server) logoutAll(r *request) response {
	secret, err := authtoken.NewSecret(s.cfg.Rand)
	if err != nil {
		panic(err)
	}
	if err := s.store.SetJWTSecret(r.Context(), r.user.ID, secret); err != nil {
		panic(err)
	}
	s.event(r.Request, evLogoutAll, r.user.ID)
	return empty(http.StatusNoContent)
}

func nullable(v drf.CharValue) *string {
	if v.Null {
		return nil
	}
	return &v.Value
}

// apiRootView is DRF's DefaultRouter root, kept so /api/ answers as before.
func (s *Server) apiRootView() *view {
	return &view{
		name: "Api Root", description: "The default basic root view for DefaultRouter",
		authenticate: true,
		methods: map[string]handler{"GET": func(r *request) response {
			o := s.origin(r.Request)
			base := o.scheme + "://" + o.host + "/api/"
			return jsonResponse(http.StatusOK, struct {
				Spaces  string `json:"spaces"`
				Threads string `json:"threads"`
			}{base + "spaces/", base + "threads/"})
		}},
	}
}
