package server_test

import (
	"testing"

	"github.com/virtualspaces/vsauth/server"
)

// TestOptionsEveryView pins DRF 3.9.0's SimpleMetadata answer of every view,
// derived from rest_framework/metadata.py and the original's serializers:
// only views with a serializer (GenericAPIView, drf-jwt's views) list
// actions; ModelSerializer fields carry their model's verbose_name and
// max_length; read_only_fields lose required and max_length; a nested
// serializer is a "nested object" with its children.
func TestOptionsEveryView(t *testing.T) {
	const head = `"renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]`
	const reqString = `"type":"string","required":true,"read_only":false`
	cases := []struct{ path, want string }{
		{"/api/", `{"name":"Api Root","description":"The default basic root view for DefaultRouter",` + head + `}`},
		{"/api/user/create/", `{"name":"User Create","description":"Use this endpoint to register new user.",` + head +
			`,"actions":{"POST":{"email":{"type":"email","required":true,"read_only":false,"label":"Email address","max_length":255},` +
			`"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},` +
			`"password":{` + reqString + `,"label":"Password"}}}}`},
		{"/api/user/login/", `{"name":"Obtain Json Web Token","description":"API View that receives a POST with a user's username and password.\n\nReturns a JSON Web Token that can be used for authenticated requests.",` + head +
			`,"actions":{"POST":{"email":{` + reqString + `,"label":"Email"},"password":{` + reqString + `,"label":"Password"}}}}`},
		{"/api/user/login/refresh/", `{"name":"Refresh Json Web Token","description":"API View that returns a refreshed token (with new expiration) based on\nexisting token\n\nIf 'orig_iat' field (original issued-at-time) is found, will first check\nif it's within expiration window, then copy it to the new token",` + head +
			`,"actions":{"POST":{"token":{` + reqString + `,"label":"Token"}}}}`},
		{"/api/user/view/", `{"name":"User","description":"Uses the default Djoser view, but add the IsOtpVerified permission.\nUse this endpoint to retrieve/update user.",` + head +
			`,"actions":{"PUT":{"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},` +
			`"email":{"type":"email","required":false,"read_only":true,"label":"Email address"},` +
			`"profile":{"type":"nested object","required":true,"read_only":false,"label":"Profile","children":{` +
			`"display_name":{"type":"string","required":false,"read_only":false,"label":"Display name","max_length":155},` +
			`"profile_image":{"type":"image upload","required":false,"read_only":false,"label":"Profile image","max_length":100},` +
			`"about":{"type":"string","required":false,"read_only":false,"label":"About"}}}}}}`},
		{"/api/user/delete/", `{"name":"User Delete","description":"Uses the default Djoser view, but add the IsOtpVerified permission.\nUse this endpoint to remove actually authenticated user.",` + head +
			`,"actions":{"POST":{"current_password":{` + reqString + `,"label":"Current password"}}}}`},
		{"/api/user/logout/all/", `{"name":"User Logout All","description":"Use this endpoint to log out all sessions for a given user.",` + head + `}`},
		{"/api/user/password/change/", `{"name":"Set Password","description":"Use this endpoint to change user password.",` + head +
			`,"actions":{"POST":{"new_password":{` + reqString + `,"label":"New password"},"current_password":{` + reqString + `,"label":"Current password"}}}}`},
		{"/api/user/password/reset/", `{"name":"Password Reset","description":"Use this endpoint to send email to user with password reset link.",` + head +
			`,"actions":{"POST":{"email":{"type":"email","required":true,"read_only":false,"label":"Email"}}}}`},
		{"/api/user/password/reset/confirm/", `{"name":"Password Reset Confirm","description":"Use this endpoint to finish reset password process.",` + head +
			`,"actions":{"POST":{"uid":{` + reqString + `,"label":"Uid"},"token":{` + reqString + `,"label":"Token"},"new_password":{` + reqString + `,"label":"New password"}}}}`},
		{"/api/totp/create/", `{"name":"Totp Create","description":"Use this endpoint to set up a new TOTP device",` + head + `}`},
		{"/api/totp/login/123456/", `{"name":"Totp Verify","description":"Use this endpoint to verify/enable a TOTP device",` + head + `}`},
		{"/api/totp/delete/", `{"name":"Totp Delete","description":"Use this endpoint to delete a TOTP device",` + head + `}`},
		{"/api/static/create/", `{"name":"Static Create","description":"Use this endpoint to create static recovery codes.",` + head + `}`},
		{"/api/static/login/abcdefgh/", `{"name":"Static Verify","description":"Use this endpoint to verify a static token.",` + head + `}`},
	}
	for _, profile := range []server.Profile{server.Compat, server.Hardened} {
		f := newFixture(t, profile)
		f.createUser("alice@example.com", alicePW)
		tok := f.login("alice@example.com", alicePW)
		for _, c := range cases {
			t.Run(string(profile)+c.path, func(t *testing.T) {
				f.t = t
				f.expect(req{Method: "OPTIONS", Path: c.path, Token: tok}, 200, c.want)
			})
		}
	}
}
