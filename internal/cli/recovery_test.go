package cli

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/otp"
)

func TestRecoveryFlags(t *testing.T) {
	d, _ := newTestDeps("", nil)
	a := newApp(d)
	var create *recoveryCreateOptions
	if err := execParse(newCmdRecoveryCreate(a, func(_ context.Context, o *recoveryCreateOptions) error { create = o; return nil }), d, []string{"--yes"}); err != nil {
		t.Fatal(err)
	}
	if !create.Yes {
		t.Error("--yes not parsed")
	}
	if err := execParse(newCmdRecoveryCreate(a, func(_ context.Context, o *recoveryCreateOptions) error { create = o; return nil }), d, []string{"--json"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*create, recoveryCreateOptions{a: a, JSON: true}) {
		t.Errorf("options %+v", *create)
	}
	var use *recoveryUseOptions
	if err := execParse(newCmdRecoveryUse(a, func(_ context.Context, o *recoveryUseOptions) error { use = o; return nil }), d, []string{"--code-stdin"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*use, recoveryUseOptions{a: a, CodeStdin: true}) {
		t.Errorf("options %+v", *use)
	}
	err := execParse(newCmdRecoveryUse(a, func(context.Context, *recoveryUseOptions) error { return nil }), d, []string{"abcdefgh"})
	if err == nil || err.Error() != `unknown command "abcdefgh" for "use"` {
		t.Errorf("a code as an argument: %v", err)
	}
}

func TestRecoveryCreate(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	notLogged := strings.ReplaceAll(tfNotLogged, "{URL}", e.URL)
	e.expect(e.run("", false, nil, "recovery", "create", "--yes"), ExitAuth, "", notLogged)
	e.tfLogin(0)
	e.tfEnroll(uid)
	question := "Replace the emergency codes of alice@example.com? The earlier codes stop working."

	e.expect(e.run("", false, nil, "recovery", "create"), ExitUsage, "", "vsauth: "+question+"\nnot a terminal: pass --yes to confirm\n")
	if codes := e.tfStaticCodes(uid); codes != nil {
		t.Fatalf("codes created without confirmation: %d", len(codes))
	}

	r := e.run("", false, nil, "recovery", "create", "--yes")
	first := e.tfStaticCodes(uid)
	if len(first) != 6 {
		t.Fatalf("%d codes", len(first))
	}
	e.expect(r, 0, tfLines(first), tfCodesNote)

	e.expect(e.run("no\n", true, nil, "recovery", "create"), ExitError, "", question+" [y/N] vsauth: cancelled; nothing changed\n")
	if got := e.tfStaticCodes(uid); !slices.Equal(got, first) {
		t.Fatalf("codes changed after a refusal")
	}

	r = e.run("y\n", true, nil, "recovery", "create")
	second := e.tfStaticCodes(uid)
	e.expect(r, 0, tfLines(second), question+" [y/N] "+tfCodesNote)
	for _, c := range first {
		if slices.Contains(second, c) {
			t.Errorf("old code %q survived", c)
		}
	}

	r = e.run("", false, nil, "recovery", "create", "--yes", "--json")
	third := e.tfStaticCodes(uid)
	e.expect(r, 0, "{\n  \"recovery_codes\": "+tfCodesJSON(third)+"\n}\n", tfCodesNote)
	if slices.Equal(third, second) {
		t.Error("codes not replaced")
	}
}

// TestRecoveryCreateHardened: a hardened server refuses codes without a
// confirmed TOTP device (D13).
func TestRecoveryCreateHardened(t *testing.T) {
	e := newCLIEnv(t, server.Hardened)
	uid := e.tfUser()
	e.tfLogin(0)
	e.expect(e.run("", false, nil, "recovery", "create", "--yes"), ExitError, "",
		"vsauth: 409 Conflict: Verify a TOTP device before creating emergency codes.\nturn two-step login on first: 'vsauth totp enroll'\n")
	if codes := e.tfStaticCodes(uid); codes != nil {
		t.Fatalf("%d codes", len(codes))
	}
	e.expect(e.run("", false, nil, "recovery", "create", "--yes", "--json"), ExitError, "",
		"vsauth: 409 Conflict: Verify a TOTP device before creating emergency codes.\nturn two-step login on first: 'vsauth totp enroll'\n")
}

// TestRecoveryUse finishes a login that stopped at the second step (exit 5)
// with emergency codes.
func TestRecoveryUse(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	notLogged := strings.ReplaceAll(tfNotLogged, "{URL}", e.URL)
	e.expect(e.run("abcdefgh\n", false, nil, "recovery", "use", "--code-stdin"), ExitAuth, "", notLogged)
	e.tfLogin(0)
	e.tfEnroll(uid)
	r := e.run("", false, nil, "recovery", "create", "--yes")
	codes := strings.Fields(r.Out)
	if r.Code != 0 || len(codes) != 6 {
		t.Fatalf("recovery create: exit %d, %q", r.Code, r.Out)
	}
	sd, err := e.Store.FirstStaticDevice(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	done := "Two-step verification done with an emergency code for alice@example.com on " + e.URL +
		"; that code is used up now. When few are left, make new ones with 'vsauth recovery create'.\n"

	e.tfLogin(ExitSecondStep)
	e.tfStatus(ExitSecondStep)
	e.expect(e.run("", false, nil, "recovery", "use"), ExitUsage, "", "vsauth: not a terminal: pass the emergency code on standard input with --code-stdin\n")
	e.expect(e.run("12\n", false, nil, "recovery", "use", "--code-stdin"), ExitUsage, "", "vsauth: an emergency code is 8 letters and digits\n")
	e.expect(e.run("", false, nil, "recovery", "use", "--code-stdin"), ExitError, "", "vsauth: reading standard input: nothing was sent\n")

	// Upper case and spaces are forgiven.
	e.expect(e.run(" "+strings.ToUpper(codes[0])+" \n", false, nil, "recovery", "use", "--code-stdin"), 0, "", done)
	e.tfStatus(0)
	if got, want := e.tfVerifiedBy(), otp.PersistentID(otp.KindStatic, sd.ID); got != want {
		t.Errorf("verified by %q, want %q", got, want)
	}
	if left := e.tfStaticCodes(uid); !slices.Equal(left, codes[1:]) {
		t.Errorf("codes left %v, want %v", left, codes[1:])
	}

	// A used code fails the second time, and the session stays at the
	// password step.
	e.tfLogin(ExitSecondStep)
	e.expect(e.run(codes[0]+"\n", false, nil, "recovery", "use", "--code-stdin"), ExitSecondStep, "",
		"vsauth: the emergency code was not accepted (wrong or already used)\n")
	e.tfStatus(ExitSecondStep)

	// At a terminal the code is asked at a hidden prompt.
	e.expect(e.run("", true, []string{codes[1]}, "recovery", "use"), 0, "", "Emergency code: \n"+done)
	e.tfStatus(0)
}

// TestRecoveryCreateWithoutTOTP covers the original's D13 trap: codes made
// by a password-only session turn two-step login on, and the command says so.
func TestRecoveryCreateWithoutTOTP(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	e.tfLogin(0)
	question := "Create emergency codes for alice@example.com? Without a verified TOTP device this turns two-step login on: every later login needs an emergency code."
	e.expect(e.run("", false, nil, "recovery", "create"), ExitUsage, "", "vsauth: "+question+"\nnot a terminal: pass --yes to confirm\n")
	r := e.run("", false, nil, "recovery", "create", "--yes")
	codes := e.tfStaticCodes(uid)
	e.expect(r, 0, strings.Join(codes, "\n")+"\n",
		"Store these 6 emergency codes somewhere safe (a password manager, or on paper): each one logs you in once without the app ('vsauth recovery use'). They are not shown again, and earlier codes no longer work.\n"+
			"Two-step login is now on: this session's token no longer opens protected endpoints; finish with 'vsauth recovery use'.\n")
	if got := e.run("", false, nil, "user", "view"); got.Code != ExitSecondStep {
		t.Fatalf("user view after codes without TOTP: exit %d, want %d", got.Code, ExitSecondStep)
	}
	if got := e.run(codes[0]+"\n", false, nil, "recovery", "use", "--code-stdin"); got.Code != 0 {
		t.Fatalf("recovery use: exit %d\n%s", got.Code, got.ErrOut)
	}
	e.tfStatus(0)
}
