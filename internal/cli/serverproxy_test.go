package cli

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func TestServerProxyFlags(t *testing.T) {
	parse := func(t *testing.T, env map[string]string, args ...string) (*serverOptions, error) {
		for k, v := range env {
			t.Setenv(k, v)
		}
		var got *serverOptions
		d, _ := newTestDeps("", nil)
		cmd := newCmdServer(d, func(_ context.Context, o *serverOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		return got, cmd.Execute()
	}
	o, err := parse(t, map[string]string{"VSAUTH_TRUSTED_PROXIES": "10.0.0.0/8, ::1", "VSAUTH_MAIL_FROM": "Support <support@example.com>"},
		"--public-url", "https://auth.example.com", "--reset-url", "https://app.example.com/reset/{uid}/{token}",
		"--site-name", "Virtual Spaces", "--trusted-proxies", "127.0.0.1,192.168.1.7/24")
	if err != nil {
		t.Fatal(err)
	}
	wantPrefixes := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("192.168.1.0/24")}
	if o.PublicURL != "https://auth.example.com" || o.ResetURL != "https://app.example.com/reset/{uid}/{token}" ||
		o.SiteName != "Virtual Spaces" || o.MailFrom != "Support <support@example.com>" || !reflect.DeepEqual(o.TrustedProxies, wantPrefixes) {
		t.Errorf("options: %+v", o)
	}
	o, err = parse(t, map[string]string{"VSAUTH_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
	if err != nil || !reflect.DeepEqual(o.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}) {
		t.Errorf("from the environment: %v %v", o.TrustedProxies, err)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--public-url", "auth.example.com"}, `--public-url "auth.example.com" must be a scheme and host, like https://auth.example.com`},
		{[]string{"--trusted-proxies", "proxy.local"}, `--trusted-proxies: "proxy.local" is not an address or CIDR (like 10.0.0.0/8 or ::1)`},
		{[]string{"--reset-url", "https://app.example.com/reset/{uid}"}, `--reset-url "https://app.example.com/reset/{uid}" must be an http(s) URL with {uid} and {token} once each`},
		{[]string{"--mail-from", "not an address"}, `--mail-from "not an address" is not an e-mail address`},
	} {
		_, err := parse(t, nil, tc.args...)
		var ue usageError
		if !errors.As(err, &ue) || err.Error() != tc.msg {
			t.Errorf("%v: %v, want usage error %q", tc.args, err, tc.msg)
		}
	}
}
