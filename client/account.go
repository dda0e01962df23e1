package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// User is the answer to CreateUser.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"` // as stored: the domain lower-cased
}

// Account is the current user with their profile.
type Account struct {
	ID      int64    `json:"id"`
	Email   string   `json:"email"`
	Profile *Profile `json:"profile"` // nil if the user has no profile row
}

// Profile is the user's public profile; nil fields are unset (JSON null).
type Profile struct {
	DisplayName  *string `json:"display_name"`
	ProfileImage *string `json:"profile_image"` // an absolute URL
	About        *string `json:"about"`
}

// Field is one value in a ProfileUpdate. The zero Field is left out of the
// request; Set sends a value and Null clears the field.
type Field struct {
	value *string
	set   bool
}

// Set is a Field that stores s.
func Set(s string) Field { return Field{value: &s, set: true} }

// Null is a Field that clears the stored value.
func Null() Field { return Field{set: true} }

func (f Field) raw() json.RawMessage {
	if !f.set {
		return nil
	}
	if f.value == nil {
		return json.RawMessage("null")
	}
	b, _ := json.Marshal(*f.value)
	return b
}

// ProfileUpdate is a change to the writable profile fields.
type ProfileUpdate struct {
	DisplayName Field // at most 155 characters
	About       Field
}

type token struct {
	Token Token `json:"token"`
}

func (t token) get() (Token, error) {
	if t.Token == "" {
		return "", errors.New("client: the server answered without a token")
	}
	return t.Token, nil
}

// CreateUser registers an account (POST /api/user/create/). Password rules
// come back as Error.Fields["password"].
func (c *Client) CreateUser(ctx context.Context, email, password string) (User, error) {
	var u User
	err := c.do(ctx, call{
		method: http.MethodPost, path: "/api/user/create/",
		body: struct {
			Email    string `json:"email"`
			Password string `json:"password"`
		}{email, password},
		want: http.StatusCreated, out: &u, secrets: []string{password},
	})
	return u, err
}

// Login exchanges an email and password for a first-factor token
// (POST /api/user/login/). Wrong credentials give an Error for which
// IsInvalidCredentials reports true.
//
// The server's answer is the same whether or not the account has two-step
// login, so Login cannot say if a second step is needed: SignIn does, at
// the cost of one more request.
func (c *Client) Login(ctx context.Context, email, password string) (Token, error) {
	var t token
	err := c.do(ctx, call{
		method: http.MethodPost, path: "/api/user/login/",
		body: struct {
			Email    string `json:"email"`
			Password string `json:"password"`
		}{email, password},
		want: http.StatusOK, out: &t, secrets: []string{password},
	})
	if err != nil {
		return "", err
	}
	return t.get()
}

// LoginResult is the outcome of SignIn's password step.
type LoginResult struct {
	// Token is the token the server minted. With SecondStep it is a
	// first-factor token: the protected endpoints answer it with the 403
	// of IsOTPRequired until a Client holding it calls TOTPLogin or
	// StaticLogin, which return the token to use instead.
	Token Token
	// SecondStep reports that the account has two-step login on and the
	// login is not finished.
	SecondStep bool
}

// SignIn is Login followed by one GET /api/user/view/ with the new token,
// which tells whether the account needs a second step. As everywhere in
// this package, neither request is retried.
func (c *Client) SignIn(ctx context.Context, email, password string) (LoginResult, error) {
	tok, err := c.Login(ctx, email, password)
	if err != nil {
		return LoginResult{}, err
	}
	var a Account
	err = c.do(ctx, call{method: http.MethodGet, path: "/api/user/view/", auth: true, token: tok, want: http.StatusOK, out: &a})
	switch {
	case err == nil:
		return LoginResult{Token: tok}, nil
	case IsOTPRequired(err):
		return LoginResult{Token: tok, SecondStep: true}, nil
	}
	return LoginResult{Token: tok}, fmt.Errorf("client: logged in, but could not tell whether a second step is needed: %w", err)
}

// Refresh asks for a new token for tok (POST /api/user/login/refresh/). The
// original backend never allows it (NonField "orig_iat field is required.");
// a hardened vsauth server does, for 7 days after the original login.
func (c *Client) Refresh(ctx context.Context, tok Token) (Token, error) {
	var t token
	err := c.do(ctx, call{
		method: http.MethodPost, path: "/api/user/login/refresh/",
		body: token{tok}, want: http.StatusOK, out: &t, secrets: []string{string(tok)},
	})
	if err != nil {
		return "", err
	}
	return t.get()
}

// User returns the logged-in account (GET /api/user/view/). Once the account
// has a confirmed second factor, it needs a verified token (see IsOTPRequired).
func (c *Client) User(ctx context.Context) (Account, error) {
	var a Account
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/user/view/", auth: true, want: http.StatusOK, out: &a})
	return a, err
}

// UpdateProfile changes the profile and returns the account as stored:
// PATCH when partial, else PUT (PUT /api/user/view/ requires the profile
// object, which is always sent).
func (c *Client) UpdateProfile(ctx context.Context, u ProfileUpdate, partial bool) (Account, error) {
	method := http.MethodPut
	if partial {
		method = http.MethodPatch
	}
	type profile struct {
		DisplayName json.RawMessage `json:"display_name,omitempty"`
		About       json.RawMessage `json:"about,omitempty"`
	}
	body := struct {
		Profile profile `json:"profile"`
	}{profile{u.DisplayName.raw(), u.About.raw()}}
	var a Account
	err := c.do(ctx, call{method: method, path: "/api/user/view/", auth: true, body: body, want: http.StatusOK, out: &a})
	return a, err
}

// DeleteUser deletes the logged-in account (POST /api/user/delete/).
func (c *Client) DeleteUser(ctx context.Context, currentPassword string) error {
	return c.do(ctx, call{
		method: http.MethodPost, path: "/api/user/delete/", auth: true,
		body: struct {
			CurrentPassword string `json:"current_password"`
		}{currentPassword},
		want: http.StatusNoContent, secrets: []string{currentPassword},
	})
}

// LogoutAll invalidates every token of the account, the Client's included
// (POST /api/user/logout/all/).
func (c *Client) LogoutAll(ctx context.Context) error {
	return c.do(ctx, call{method: http.MethodPost, path: "/api/user/logout/all/", auth: true, want: http.StatusNoContent})
}

// ChangePassword sets a new password (POST /api/user/password/change/).
// Tokens stay valid on the original backend; a hardened server revokes them.
func (c *Client) ChangePassword(ctx context.Context, currentPassword, newPassword string) error {
	return c.do(ctx, call{
		method: http.MethodPost, path: "/api/user/password/change/", auth: true,
		body: struct {
			NewPassword     string `json:"new_password"`
			CurrentPassword string `json:"current_password"`
		}{newPassword, currentPassword},
		want: http.StatusNoContent, secrets: []string{currentPassword, newPassword},
	})
}

// ResetPassword asks for a reset link by email (POST /api/user/password/reset/).
// It succeeds whether or not the account exists. It sends no token: the server
// would reject a stale one even here.
func (c *Client) ResetPassword(ctx context.Context, email string) error {
	return c.do(ctx, call{
		method: http.MethodPost, path: "/api/user/password/reset/",
		body: struct {
			Email string `json:"email"`
		}{email},
		want: http.StatusNoContent,
	})
}

// ConfirmReset sets a new password with the uid and token of a reset link
// (POST /api/user/password/reset/confirm/); see ParseResetLink. It sends no
// JWT, so the server checks the password rules against no one in particular,
// as the original's front end did.
func (c *Client) ConfirmReset(ctx context.Context, uid, token, newPassword string) error {
	return c.do(ctx, call{
		method: http.MethodPost, path: "/api/user/password/reset/confirm/",
		body: struct {
			UID         string `json:"uid"`
			Token       string `json:"token"`
			NewPassword string `json:"new_password"`
		}{uid, token, newPassword},
		want: http.StatusNoContent, secrets: []string{token, newPassword},
	})
}
