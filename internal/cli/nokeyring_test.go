package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/internal/qr"
	"github.com/virtualspaces/vsauth/server"
)

// What go-keyring answers on Linux without a Secret Service, and what the
// CLI then says.
const (
	nkDBus        = "The name org.freedesktop.secrets was not provided by any .service files"
	nkUnavailable = "the OS keyring is unavailable (" + nkDBus + "): run a Secret Service (e.g. gnome-keyring) and retry, " +
		"set VSAUTH_TOKEN, or pass --insecure-storage to keep the token in a plain file"
)

func (e *cliEnv) tokensPath() string { return filepath.Join(e.Config, "tokens.json") }

func (e *cliEnv) plainWarning() string {
	return "warning: storing the token in plain text at " + e.tokensPath() + "\n"
}

// TestInsecureStorageThenEnroll: after 'login --insecure-storage' on a
// machine without a keyring, 'totp enroll' without the flag replaces the
// token in the file, warns once, and offers the emergency codes.
func TestInsecureStorageThenEnroll(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	e.Keyring.failing = errors.New(nkDBus)
	inFile := "file " + e.tokensPath()

	r := e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin", "--insecure-storage")
	e.expect(r, 0, "", e.plainWarning()+"Logged in to "+e.URL+" as alice@example.com (token in "+inFile+").\n")

	dev := e.tfPending(uid)
	code := e.tfCode(dev)
	r = e.run("\n", true, nil, "totp", "enroll", "--qr", "none", "--otp-code", code)
	codes := e.tfStaticCodes(uid)
	if len(codes) != 6 {
		t.Fatalf("%d emergency codes stored\n%s", len(codes), r.ErrOut)
	}
	e.expect(r, 0, tfLines(codes), tfIntro(t, e.tfLink(dev), qr.None, false)+e.plainWarning()+tfEnrolled+tfAskCodes+tfCodesNote)
	if !e.tfDevice(uid).Confirmed {
		t.Fatal("device not confirmed")
	}

	// The verified token replaced the first-factor one in the file.
	if e.tfVerifiedBy() == "" {
		t.Error("the stored token is not the verified one")
	}
	raw, err := os.ReadFile(e.tokensPath())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), `": "eyJ`); n != 1 {
		t.Errorf("tokens.json holds %d tokens, want 1:\n%s", n, raw)
	}
	r = e.run("", false, nil, "auth", "status")
	if r.Code != 0 || !strings.Contains(r.Out, "Token in:  "+inFile+"\n") || !strings.Contains(r.Out, "Two-step:  yes") {
		t.Errorf("auth status: exit %d\n%s%s", r.Code, r.Out, r.ErrOut)
	}
}

// TestTwoStepLoginWarnsOnce: a login that stores two tokens (password step,
// then second step) prints the plain-text warning once.
func TestTwoStepLoginWarnsOnce(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	uid := e.tfUser()
	e.tfLogin(0)
	dev := e.tfEnroll(uid)
	e.Keyring.failing = errors.New(nkDBus)

	r := e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin", "--insecure-storage", "--otp-code", e.tfCode(dev))
	e.expect(r, 0, "", e.plainWarning()+"Logged in to "+e.URL+" as alice@example.com with two-step verification (token in file "+e.tokensPath()+").\n")
}

// TestLoginChecksStorageFirst: without a keyring and without
// --insecure-storage, login fails before asking anything or calling the
// server.
func TestLoginChecksStorageFirst(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	e.tfUser()
	e.Keyring.failing = errors.New(nkDBus)
	rt := &recordingTransport{}
	e.HTTPClient = rt.client()

	e.expect(e.run("", true, []string{tfPassword}, "login"), ExitError, "", "vsauth: "+nkUnavailable+"\n")
	e.expect(e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin"), ExitError, "", "vsauth: "+nkUnavailable+"\n")
	if got := rt.requests(); len(got) != 0 {
		t.Errorf("requests sent: %q", got)
	}
	if _, err := os.Stat(e.tokensPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tokens.json: %v", err)
	}
}

// failSetsAfter makes the keyring refuse writes after n have succeeded, as
// a keyring that locks during a command would.
func failSetsAfter(n int) func(string) error {
	return func(op string) error {
		if op != "set" {
			return nil
		}
		if n > 0 {
			n--
			return nil
		}
		return errors.New(nkDBus)
	}
}

// failDeletes is a keyring whose deletes fail and everything else works.
func failDeletes(op string) error {
	if op == "delete" {
		return errors.New(nkDBus)
	}
	return nil
}

// TestFailureAfterServerChange: when storing or removing a token fails
// after the server has changed state, the command says what changed there
// and how to go on, and finishes what it can.
func TestFailureAfterServerChange(t *testing.T) {
	t.Run("totp enroll", func(t *testing.T) {
		e := newCLIEnv(t, server.Compat)
		uid := e.tfUser()
		e.tfLogin(0)
		dev := e.tfPending(uid)
		e.Keyring.fail = failSetsAfter(0)
		r := e.run("", false, nil, "totp", "enroll", "--qr", "none", "--recovery-codes", "--otp-code", e.tfCode(dev))
		codes := e.tfStaticCodes(uid)
		if len(codes) != 6 || !e.tfDevice(uid).Confirmed {
			t.Fatalf("codes %v, device %+v", codes, e.tfDevice(uid))
		}
		e.expect(r, ExitError, tfLines(codes), tfIntro(t, e.tfLink(dev), qr.None, false)+tfEnrolled+tfCodesNote+
			"vsauth: two-step login is on, but the new token could not be stored: "+nkUnavailable+"\n"+
			"log in again with a code from the app: 'vsauth login'\n")
	})
	t.Run("totp disable", func(t *testing.T) {
		e := newCLIEnv(t, server.Compat)
		uid := e.tfUser()
		e.tfLogin(0)
		dev := e.tfEnroll(uid)
		e.tfLogin(0, "--otp-code", e.tfCode(dev))
		e.Keyring.fail = failSetsAfter(0)
		e.expect(e.run("", false, nil, "totp", "disable", "--yes"), ExitError, "",
			"Two-step login is off for alice@example.com; every other session has ended.\n"+
				"vsauth: two-step login is off, but the new token could not be stored: "+nkUnavailable+"\n"+
				"log in again with your password: 'vsauth login'\n")
	})
	t.Run("recovery use", func(t *testing.T) {
		e := newCLIEnv(t, server.Compat)
		uid := e.tfUser()
		e.tfLogin(0)
		e.tfEnroll(uid)
		if r := e.run("", false, nil, "recovery", "create", "--yes"); r.Code != 0 {
			t.Fatalf("recovery create: %s", r.ErrOut)
		}
		codes := e.tfStaticCodes(uid)
		e.tfLogin(ExitSecondStep)
		e.Keyring.fail = failSetsAfter(0)
		e.expect(e.run(codes[0]+"\n", false, nil, "recovery", "use", "--code-stdin"), ExitError, "",
			"vsauth: the emergency code was accepted and is used up, but the new token could not be stored: "+nkUnavailable+"\n"+
				"the password step's token is kept: finish with another emergency code ('vsauth recovery use') or a code from the app ('vsauth login')\n")
		if left := e.tfStaticCodes(uid); len(left) != 5 {
			t.Errorf("%d codes left, want 5", len(left))
		}
		e.tfStatus(ExitSecondStep)
	})
	t.Run("login second step", func(t *testing.T) {
		e := newCLIEnv(t, server.Compat)
		uid := e.tfUser()
		e.tfLogin(0)
		dev := e.tfEnroll(uid)
		e.Keyring.fail = failSetsAfter(1)
		r := e.run(tfPassword+"\n", false, nil, "login", "--email", tfEmail, "--password-stdin", "--otp-code", e.tfCode(dev))
		e.expect(r, ExitError, "", "vsauth: the second step was accepted and its code is used up, but the new token could not be stored: "+nkUnavailable+"\n"+
			"the password step's token is kept: run 'vsauth login' again with the next code, or 'vsauth recovery use'\n")
		e.Keyring.fail = nil
		e.tfStatus(ExitSecondStep)
	})
	t.Run("logout --all", func(t *testing.T) {
		e := newCLIEnv(t, server.Compat)
		e.tfUser()
		e.tfLogin(0)
		e.Keyring.fail = failDeletes
		e.expect(e.run("", false, nil, "logout", "--all"), ExitError, "",
			"Ended every session of alice@example.com on "+e.URL+".\n"+
				"vsauth: every session has ended on the server, but the dead token could not be removed here: "+
				"removing the token of alice@example.com on "+e.URL+": the OS keyring is unavailable ("+nkDBus+")\n"+
				"run 'vsauth logout' to remove it\n")
		e.tfStatus(ExitAuth)
	})
	t.Run("user delete", func(t *testing.T) {
		e := newCLIEnv(t, server.Compat)
		e.tfUser()
		e.tfLogin(0)
		e.Keyring.fail = failDeletes
		e.expect(e.run(tfPassword+"\n", false, nil, "user", "delete", "--yes", "--password-stdin"), ExitError, "",
			"Deleted the account alice@example.com on "+e.URL+".\n"+
				"vsauth: the account is deleted, but its local token could not be removed: "+
				"removing the token of alice@example.com on "+e.URL+": the OS keyring is unavailable ("+nkDBus+")\n"+
				"run 'vsauth logout' to remove it\n")
	})
}
