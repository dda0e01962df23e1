package server_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/internal/servertest"
	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/resettoken"
)

// proxyFixture is a compat server answering for auth.example.com whose
// test client (127.0.0.1) is a trusted proxy or not, configured further by
// more.
func proxyFixture(t *testing.T, trustLoopback bool, more func(*server.Config)) *fixture {
	t.Helper()
	return &fixture{t: t, Env: servertest.Start(t, server.Compat, servertest.WithConfig(func(c *server.Config) {
		c.AllowedHosts = []string{"auth.example.com", "127.0.0.1", "public.example.org"}
		if trustLoopback {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		} else {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		}
		if more != nil {
			more(c)
		}
	}))}
}

// resetLinkFor asks for a reset mail with the given headers and returns
// the mail's link line and the mail.
func (f *fixture) resetLinkFor(email string, header map[string]string) (link, wantPath string) {
	f.t.Helper()
	f.expect(req{Method: "POST", Path: "/api/user/password/reset/", Body: `{"email":"` + email + `"}`, Header: header}, 204, "")
	m := f.Mail.Last()
	u := f.user(email)
	return m.Text, resettoken.EncodeUID(u.ID) + "/" + f.resetToken(email)
}

func TestResetLinkBehindProxy(t *testing.T) {
	fwd := map[string]string{"Host": "auth.example.com", "X-Forwarded-Proto": "https"}
	for _, tc := range []struct {
		name    string
		trusted bool
		header  map[string]string
		want    string // the link up to the uid
	}{
		{"trusted proxy, X-Forwarded-Proto", true, fwd, "https://auth.example.com/password/reset/confirm/"},
		{"untrusted peer, X-Forwarded-Proto ignored", false, fwd, "http://auth.example.com/password/reset/confirm/"},
		{"trusted proxy, X-Forwarded-Host", true, map[string]string{"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example.org"},
			"https://public.example.org/password/reset/confirm/"},
		{"untrusted peer, X-Forwarded-Host ignored", false, map[string]string{"Host": "auth.example.com", "X-Forwarded-Host": "public.example.org"},
			"http://auth.example.com/password/reset/confirm/"},
		{"trusted proxy, RFC 7239 Forwarded", true, map[string]string{"Host": "127.0.0.1", "Forwarded": `for=203.0.113.9;proto=https;host="public.example.org"`},
			"https://public.example.org/password/reset/confirm/"},
		{"untrusted peer, Forwarded ignored", false, map[string]string{"Host": "auth.example.com", "Forwarded": `for=203.0.113.9;proto=https;host=public.example.org`},
			"http://auth.example.com/password/reset/confirm/"},
		// A client behind the trusted proxy cannot name the scheme: its own
		// Forwarded element is left of the untrusted hop.
		{"client-written element ignored", true, map[string]string{"Host": "auth.example.com", "Forwarded": `proto=https;host=evil.example.net, for=203.0.113.9;proto=http`},
			"http://auth.example.com/password/reset/confirm/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := proxyFixture(t, tc.trusted, nil)
			f.createUser("alice@example.com", alicePW)
			text, path := f.resetLinkFor("alice@example.com", tc.header)
			if want := "\n" + tc.want + path + "\n"; !strings.Contains(text, want) {
				t.Errorf("mail text:\n%s\nwant the line %q", text, want)
			}
		})
	}
}

// A forwarded host is held to ALLOWED_HOSTS like the Host header.
func TestForwardedHostChecked(t *testing.T) {
	f := proxyFixture(t, true, nil)
	f.expect(req{Method: "GET", Path: "/api/", Header: map[string]string{"Host": "auth.example.com", "X-Forwarded-Host": "evil.example.net"}},
		400, `<h1>Bad Request (400)</h1>`)
	f.expect(req{Method: "GET", Path: "/api/", Header: map[string]string{"Host": "auth.example.com", "X-Forwarded-Proto": "https"}},
		200, `{"spaces":"https://auth.example.com/api/spaces/","threads":"https://auth.example.com/api/threads/"}`)
	u := proxyFixture(t, false, nil)
	u.expect(req{Method: "GET", Path: "/api/", Header: map[string]string{"Host": "auth.example.com", "X-Forwarded-Host": "evil.example.net", "X-Forwarded-Proto": "https"}},
		200, `{"spaces":"http://auth.example.com/api/spaces/","threads":"http://auth.example.com/api/threads/"}`)
}

func TestPublicURLResetURLMailFromSiteName(t *testing.T) {
	f := proxyFixture(t, false, func(c *server.Config) {
		c.PublicURL = "https://auth.example.com"
		c.ResetURL = "https://app.example.com/reset/{uid}/{token}?from=mail&x=1"
		c.MailFrom = "Support <support@example.com>"
		c.SiteName = "Virtual Spaces"
	})
	f.createUser("alice@example.com", alicePW)
	_, path := f.resetLinkFor("alice@example.com", map[string]string{"Host": "127.0.0.1"})
	m := f.Mail.Last()
	link := "https://app.example.com/reset/" + path + "?from=mail&amp;x=1"
	wantText := "You're receiving this email because you requested a password reset for your user account at Virtual Spaces.\n" +
		"\n" +
		"Please go to the following page and choose a new password:\n" +
		link + "\n" +
		"Your username, in case you've forgotten: alice@example.com\n" +
		"\n" +
		"Thanks for using our site!\n" +
		"\n" +
		"The Virtual Spaces team"
	if m.Text != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", m.Text, wantText)
	}
	if !strings.Contains(m.HTML, `<a href="`+link+`">`) {
		t.Errorf("HTML:\n%s", m.HTML)
	}
	if m.From != "Support <support@example.com>" || m.Subject != "Password reset on Virtual Spaces" {
		t.Errorf("from %q subject %q", m.From, m.Subject)
	}

	// Without --reset-url the public URL names the link whatever the Host.
	g := proxyFixture(t, false, func(c *server.Config) { c.PublicURL = "https://auth.example.com/" })
	g.createUser("alice@example.com", alicePW)
	text, path := g.resetLinkFor("alice@example.com", map[string]string{"Host": "127.0.0.1"})
	if want := "\nhttps://auth.example.com/password/reset/confirm/" + path + "\n"; !strings.Contains(text, want) {
		t.Errorf("mail text:\n%s\nwant the line %q", text, want)
	}
	if want := "The auth.example.com team"; !strings.Contains(text, want) {
		t.Errorf("site name: %s", text)
	}
	g.expect(req{Method: "GET", Path: "/api/", Header: map[string]string{"Host": "127.0.0.1"}},
		200, `{"spaces":"https://auth.example.com/api/spaces/","threads":"https://auth.example.com/api/threads/"}`)
}

func TestConfigRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"auth.example.com", "https://auth.example.com/prefix", "ftp://auth.example.com", "https://u:p@auth.example.com", "https://auth.example.com?x"} {
		if _, err := server.ParsePublicURL(u); err == nil {
			t.Errorf("public URL %q accepted", u)
		}
	}
	for _, u := range []string{"https://app.example.com/reset/{uid}", "/reset/{uid}/{token}", "https://app.example.com/{uid}/{uid}/{token}"} {
		if err := server.CheckResetURL(u); err == nil {
			t.Errorf("reset URL %q accepted", u)
		}
	}
	for _, u := range []string{"", "https://app.example.com/reset/{uid}/{token}", "http://localhost:3000/#/reset?uid={uid}&token={token}"} {
		if err := server.CheckResetURL(u); err != nil {
			t.Errorf("reset URL %q: %v", u, err)
		}
	}
}
