package client_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/client"
	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server"
)

var (
	otpauthRE = regexp.MustCompile(`^otpauth://totp/alice%40example\.com\?secret=([A-Z2-7]{32})&algorithm=SHA1&digits=6&period=30$`)
	codeRE    = regexp.MustCompile(`^[a-z2-7]{8}$`)
	linkRE    = regexp.MustCompile(`(?m)^http://127\.0\.0\.1:[0-9]+/password/reset/confirm/MQ/[0-9a-z]+-[0-9a-f]{20}$`)
)

// keyOf returns the hex TOTP key inside an otpauth:// URL.
func keyOf(t *testing.T, u string) string {
	t.Helper()
	m := otpauthRE.FindStringSubmatch(u)
	if m == nil {
		t.Fatalf("TOTPCreate = %q", u)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(key)
}

func claimsOf(t *testing.T, tok client.Token) client.TokenClaims {
	t.Helper()
	c, err := tok.Claims()
	if err != nil {
		t.Fatalf("claims: %v", err)
	}
	return c
}

// TestWalkthrough runs every typed method once against the real server, in
// the order a user meets them, with exact results.
func TestWalkthrough(t *testing.T) {
	f := newFixture(t, server.Compat)
	ctx := context.Background()
	var trace bytes.Buffer
	c := f.client(t, client.WithTrace(&trace))
	const pw2, pw3 = "N3w-pass-phrase", "Th1rd-pass-phrase"

	// Account and first factor.
	u, err := c.CreateUser(ctx, " alice@Example.COM ", alicePW)
	if err != nil || u != (client.User{ID: 1, Email: "alice@example.com"}) {
		t.Fatalf("CreateUser = %+v, %v", u, err)
	}
	first, err := c.Login(ctx, "alice@example.com", alicePW)
	if err != nil {
		t.Fatal(err)
	}
	want := client.TokenClaims{UserID: 1, Username: "alice@example.com", Expires: start.Add(15 * time.Minute)}
	if got := claimsOf(t, first); !reflect.DeepEqual(got, want) || first.OTPVerified() {
		t.Fatalf("login claims = %+v, want %+v", got, want)
	}

	// No token: a typed error and no request.
	trace.Reset()
	if _, err := c.User(ctx); !errors.Is(err, client.ErrNoToken) || !client.IsUnauthorized(err) {
		t.Fatalf("User without token: %v", err)
	}
	if trace.Len() != 0 {
		t.Fatalf("a request was sent without a token: %s", trace.String())
	}

	c.SetToken(first)
	blank := client.Account{ID: 1, Email: "alice@example.com", Profile: &client.Profile{}}
	if acc, err := c.User(ctx); err != nil || !reflect.DeepEqual(acc, blank) {
		t.Fatalf("User = %+v, %v", acc, err)
	}

	// Profile: PATCH sends only what is set, PUT the profile object.
	profileCases := []struct {
		name    string
		upd     client.ProfileUpdate
		partial bool
		want    client.Profile
	}{
		{"patch name", client.ProfileUpdate{DisplayName: client.Set("Alice")}, true, client.Profile{DisplayName: strp("Alice")}},
		{"put about", client.ProfileUpdate{About: client.Set("<b>hi</b> & /é")}, false, client.Profile{DisplayName: strp("Alice"), About: strp("<b>hi</b> & /é")}},
		{"patch nothing", client.ProfileUpdate{}, true, client.Profile{DisplayName: strp("Alice"), About: strp("<b>hi</b> & /é")}},
		{"clear name", client.ProfileUpdate{DisplayName: client.Null()}, true, client.Profile{About: strp("<b>hi</b> & /é")}},
	}
	for _, pc := range profileCases {
		acc, err := c.UpdateProfile(ctx, pc.upd, pc.partial)
		want := client.Account{ID: 1, Email: "alice@example.com", Profile: &pc.want}
		if err != nil || !reflect.DeepEqual(acc, want) {
			t.Fatalf("%s: UpdateProfile = %+v %+v, %v", pc.name, acc, acc.Profile, err)
		}
	}
	_, err = c.UpdateProfile(ctx, client.ProfileUpdate{DisplayName: client.Set(strings.Repeat("x", 156))}, true)
	e := wantErr(t, "long name", err, "400 Bad Request: profile.display_name: Ensure this field has no more than 155 characters.")
	if !reflect.DeepEqual(e.Fields, map[string][]string{"profile.display_name": {"Ensure this field has no more than 155 characters."}}) {
		t.Fatalf("Fields = %v", e.Fields)
	}

	// TOTP enrolment, with codes from the server's clock.
	url, err := c.TOTPCreate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := keyOf(t, url)
	code := func(offset time.Duration) string {
		s, err := totp.Code(key, f.Clock.Now().Add(offset), 6, 30)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	_, err = c.TOTPLogin(ctx, code(90*time.Second))
	wantErr(t, "wrong code", err, "400 Bad Request: the code was not accepted")
	if !errors.Is(err, client.ErrCodeRejected) {
		t.Fatalf("wrong code: %v does not match ErrCodeRejected", err)
	}
	now := code(0)
	verified, err := c.TOTPLogin(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want.OTPDeviceID = "otp_totp.totpdevice/1"
	if got := claimsOf(t, verified); !reflect.DeepEqual(got, want) || !verified.OTPVerified() {
		t.Fatalf("TOTP claims = %+v", got)
	}
	if _, err := c.TOTPLogin(ctx, now); !errors.Is(err, client.ErrCodeRejected) {
		t.Fatalf("replayed code: %v", err)
	}

	// The gate: the first-factor token is refused now.
	_, err = c.User(ctx)
	wantErr(t, "gated User", err, otpRequired)
	if !client.IsOTPRequired(err) || client.IsUnauthorized(err) {
		t.Fatalf("gated User: IsOTPRequired false for %v", err)
	}
	c.SetToken(verified)
	if acc, err := c.User(ctx); err != nil || acc.ID != 1 {
		t.Fatalf("verified User = %+v, %v", acc, err)
	}

	// Emergency codes.
	codes, err := c.StaticCreate(ctx)
	if err != nil || len(codes) != 6 {
		t.Fatalf("StaticCreate = %q, %v", codes, err)
	}
	for _, s := range codes {
		if !codeRE.MatchString(s) {
			t.Fatalf("emergency code %q", s)
		}
	}
	c.SetToken(first)
	byCode, err := c.StaticLogin(ctx, " "+strings.ToUpper(codes[0])+"\n")
	if err != nil {
		t.Fatal(err)
	}
	want.OTPDeviceID = "otp_static.staticdevice/1"
	if got := claimsOf(t, byCode); !reflect.DeepEqual(got, want) {
		t.Fatalf("static claims = %+v", got)
	}
	_, err = c.StaticLogin(ctx, codes[0])
	wantErr(t, "used code", err, "400 Bad Request: the code was not accepted")

	// TOTP delete revokes every earlier token.
	c.SetToken(verified)
	after, err := c.TOTPDelete(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := claimsOf(t, after); got.OTPDeviceID != "" || after.OTPVerified() {
		t.Fatalf("after delete claims = %+v", got)
	}
	for _, old := range []client.Token{first, verified, byCode} {
		c.SetToken(old)
		_, err := c.User(ctx)
		wantErr(t, "revoked token", err, "401 Unauthorized: Error decoding signature.")
		if !client.IsUnauthorized(err) {
			t.Fatal("IsUnauthorized false for a 401")
		}
	}
	c.SetToken(after)

	// Password change.
	err = c.ChangePassword(ctx, "not-my-password", pw2)
	wantErr(t, "bad current", err, "400 Bad Request: current_password: Invalid password.")
	if err := c.ChangePassword(ctx, alicePW, pw2); err != nil {
		t.Fatal(err)
	}
	_, err = c.Login(ctx, "alice@example.com", alicePW)
	e = wantErr(t, "old password", err, "400 Bad Request: Unable to log in with provided credentials.")
	if !reflect.DeepEqual(e.NonField, []string{"Unable to log in with provided credentials."}) || e.Fields != nil {
		t.Fatalf("NonField = %q, Fields = %v", e.NonField, e.Fields)
	}

	// Password reset through the captured mail.
	if err := c.ResetPassword(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.ResetPassword(ctx, "nobody@example.com"); err != nil {
		t.Fatal(err)
	}
	msgs := f.Mail.All()
	if len(msgs) != 1 || msgs[0].To != "alice@example.com" {
		t.Fatalf("mail = %+v", msgs)
	}
	link := linkRE.FindString(msgs[0].Text)
	if link == "" {
		t.Fatalf("no reset link in:\n%s", msgs[0].Text)
	}
	uid, tok, err := client.ParseResetLink(link + "/\n")
	if err != nil || uid != "MQ" || !strings.HasSuffix(link, "/"+tok) {
		t.Fatalf("ParseResetLink = %q, %q, %v", uid, tok, err)
	}
	if err := c.ConfirmReset(ctx, uid, tok, pw3); err != nil {
		t.Fatal(err)
	}
	err = c.ConfirmReset(ctx, uid, tok, pw3)
	wantErr(t, "used reset token", err, "400 Bad Request: Invalid token for given user.")
	third, err := c.Login(ctx, "alice@example.com", pw3)
	if err != nil {
		t.Fatal(err)
	}

	// Logout-all, then deletion.
	c.SetToken(third)
	if err := c.LogoutAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.User(ctx); !client.IsUnauthorized(err) {
		t.Fatalf("User after LogoutAll: %v", err)
	}
	last, err := c.Login(ctx, "alice@example.com", pw3)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(last)
	err = c.DeleteUser(ctx, pw2)
	wantErr(t, "delete with a wrong password", err, "400 Bad Request: current_password: Invalid password.")
	if err := c.DeleteUser(ctx, pw3); err != nil {
		t.Fatal(err)
	}
	err = c.LogoutAll(ctx)
	wantErr(t, "deleted user's token", err, "401 Unauthorized: Error decoding signature.")
	_, err = c.Login(ctx, "alice@example.com", pw3)
	wantErr(t, "deleted user's login", err, "400 Bad Request: Unable to log in with provided credentials.")

	// Nothing secret reached the trace.
	for _, s := range []string{alicePW, pw2, pw3, string(first), string(verified), string(byCode), string(after),
		string(third), string(last), key, otpauthRE.FindStringSubmatch(url)[1], now, codes[0], tok} {
		if strings.Contains(trace.String(), s) {
			t.Errorf("trace holds a secret %.6s…", s)
		}
	}
}

// TestRefresh covers both server profiles: the original never refreshes; a
// hardened server does, keeping orig_iat.
func TestRefresh(t *testing.T) {
	ctx := context.Background()

	f := newFixture(t, server.Compat)
	c, tok := f.signup(t, "alice@example.com", alicePW)
	_, err := c.Refresh(ctx, tok)
	e := wantErr(t, "compat refresh", err, "400 Bad Request: orig_iat field is required.")
	if !reflect.DeepEqual(e.NonField, []string{"orig_iat field is required."}) {
		t.Fatalf("NonField = %q", e.NonField)
	}
	_, err = c.Refresh(ctx, "")
	wantErr(t, "blank refresh", err, "400 Bad Request: token: This field may not be blank.")

	h := newFixture(t, server.Hardened)
	c, tok = h.signup(t, "alice@example.com", alicePW)
	iat := claimsOf(t, tok).OrigIAT
	if iat == nil || !iat.Equal(start) {
		t.Fatalf("hardened login orig_iat = %v", iat)
	}
	h.Clock.Advance(10 * time.Minute)
	fresh, err := c.Refresh(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	got := claimsOf(t, fresh)
	if !got.Expires.Equal(start.Add(25*time.Minute)) || got.OrigIAT == nil || !got.OrigIAT.Equal(start) || got.UserID != 1 {
		t.Fatalf("refreshed claims = %+v", got)
	}
	h.Clock.Advance(10 * time.Minute)
	_, err = c.Refresh(ctx, tok)
	wantErr(t, "expired refresh", err, "400 Bad Request: Signature has expired.")
}
