package cli

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/server"
)

const acctNewPw = "An0ther-pass-789"

// acctPasswordIs checks that email logs in with pw and no longer with the other.
func acctPasswordIs(pw, old string) func(e *cliEnv) {
	return func(e *cliEnv) {
		e.t.Helper()
		if !e.acctCanLogin(acctEmail, pw) {
			e.t.Fatalf("cannot log in with %q", pw)
		}
		if e.acctCanLogin(acctEmail, old) {
			e.t.Fatalf("can still log in with %q", old)
		}
	}
}

const acctChangeNote = "note: if this server keeps sessions across a password change, as the original backend does, " +
	"other logins stay valid: run 'vsauth logout --all' to end them.\n"

func TestPasswordChange(t *testing.T) {
	acctRunCases(t, []acctCase{
		{
			name: "terminal prompts", setup: (*cliEnv).acctLoggedIn,
			tty: true, secrets: []string{acctPw, acctNewPw, acctNewPw},
			args:   []string{"password", "change"},
			errOut: "Current password: \nNew password: \nAgain: \nChanged the password of alice@example.com on {URL}.\n" + acctChangeNote,
			after: func(e *cliEnv) {
				acctPasswordIs(acctNewPw, acctPw)(e)
				// The original backend keeps the session: the stored token still works.
				e.expect(e.run("", false, nil, "user", "view"), 0, acctView, "")
			},
		},
		{
			name: "two lines on stdin", setup: (*cliEnv).acctLoggedIn,
			stdin: acctPw + "\n" + acctNewPw + "\n", args: []string{"password", "change", "--password-stdin"},
			errOut: "Changed the password of alice@example.com on {URL}.\n" + acctChangeNote,
			after:  acctPasswordIs(acctNewPw, acctPw),
		},
		{
			name: "last line without newline", setup: (*cliEnv).acctLoggedIn,
			stdin: acctPw + "\r\n" + acctNewPw, args: []string{"password", "change", "--password-stdin"},
			errOut: "Changed the password of alice@example.com on {URL}.\n" + acctChangeNote,
			after:  acctPasswordIs(acctNewPw, acctPw),
		},
		{
			name: "one line on stdin", setup: (*cliEnv).acctLoggedIn,
			stdin: acctPw + "\n", args: []string{"password", "change", "--password-stdin"}, code: ExitError,
			errOut: "vsauth: reading standard input: want 2 lines, the current password, then the new one; got 1\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		},
		{
			name: "no terminal, no --password-stdin", setup: (*cliEnv).acctLoggedIn,
			stdin: acctPw + "\n" + acctNewPw + "\n", args: []string{"password", "change"}, code: ExitUsage,
			errOut: "vsauth: not a terminal: pass the secret on standard input with --password-stdin\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		},
		{
			name: "new passwords differ", setup: (*cliEnv).acctLoggedIn,
			tty: true, secrets: []string{acctPw, acctNewPw, acctNewPw + "!"},
			args: []string{"password", "change"}, code: ExitError,
			errOut: "Current password: \nNew password: \nAgain: \nvsauth: the two passwords differ; nothing changed\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		},
		{
			name: "wrong current password", setup: (*cliEnv).acctLoggedIn,
			stdin: "wrong-password\n" + acctNewPw + "\n", args: []string{"password", "change", "--password-stdin"}, code: ExitError,
			errOut: "vsauth: password not changed:\ncurrent_password: Invalid password.\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		},
		{
			name: "new password breaks the rules", setup: (*cliEnv).acctLoggedIn,
			stdin: acctPw + "\nalice@example\n", args: []string{"password", "change", "--password-stdin"}, code: ExitError,
			errOut: "vsauth: password not changed:\nnew_password: The password is too similar to the email address.\n",
			after:  acctPasswordIs(acctPw, "alice@example"),
		},
		{
			name: "not logged in", setup: func(e *cliEnv) { e.acctCreate(acctEmail, acctPw) },
			stdin: acctPw + "\n" + acctNewPw + "\n", args: []string{"password", "change", "--password-stdin"}, code: ExitAuth,
			errOut: "vsauth: not logged in to {URL}: run 'vsauth login'\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		},
		{
			name: "an argument", args: []string{"password", "change", acctNewPw}, code: ExitUsage,
			errOut: "vsauth: vsauth password change takes no arguments (got \"" + acctNewPw + "\")\n",
		},
	})
}

var acctResetLinkRE = regexp.MustCompile(`http://\S+/password/reset/confirm/(\S+)/(\S+)`)

// acctResetLink asks for a reset mail for acctEmail and returns its link, uid and token.
func (e *cliEnv) acctResetLink() (link, uid, token string) {
	e.t.Helper()
	e.expect(e.run("", false, nil, "password", "reset", acctEmail), 0, "",
		"If an account exists for alice@example.com, a reset link has been sent.\n")
	m := acctResetLinkRE.FindStringSubmatch(e.Mail.Last().Text)
	if m == nil {
		e.t.Fatalf("no reset link in %q", e.Mail.Last().Text)
	}
	return m[0], m[1], m[2]
}

func TestPasswordReset(t *testing.T) {
	noMail := func(e *cliEnv) {
		e.t.Helper()
		if m := e.Mail.Last(); m.To != "" {
			e.t.Fatalf("mail sent to %s", m.To)
		}
	}
	acctRunCases(t, []acctCase{
		{
			name: "existing account gets a link", setup: func(e *cliEnv) { e.acctCreate(acctEmail, acctPw) },
			args:   []string{"password", "reset", acctEmail},
			errOut: "If an account exists for alice@example.com, a reset link has been sent.\n",
			after: func(e *cliEnv) {
				m := e.Mail.Last()
				if m.To != acctEmail || !acctResetLinkRE.MatchString(m.Text) {
					e.t.Fatalf("mail to %q:\n%s", m.To, m.Text)
				}
			},
		},
		{
			name: "unknown account, same answer", setup: func(e *cliEnv) { e.acctCreate(acctEmail, acctPw) },
			args:   []string{"password", "reset", "bob@example.com"},
			errOut: "If an account exists for bob@example.com, a reset link has been sent.\n",
			after:  noMail,
		},
		{
			name: "bad email", args: []string{"password", "reset", "a@b"}, code: ExitError,
			errOut: "vsauth: no reset link sent:\nemail: Enter a valid email address.\n",
			after:  noMail,
		},
		{
			name: "works while logged in", setup: (*cliEnv).acctLoggedIn,
			args:   []string{"password", "reset", acctEmail},
			errOut: "If an account exists for alice@example.com, a reset link has been sent.\n",
		},
		{
			name: "no email", args: []string{"password", "reset"}, code: ExitUsage,
			errOut: "vsauth: vsauth password reset takes an email address\n",
		},
		{
			name: "two emails", args: []string{"password", "reset", acctEmail, "bob@example.com"}, code: ExitUsage,
			errOut: "vsauth: vsauth password reset takes an email address\n",
		},
	})
}

func TestPasswordResetConfirm(t *testing.T) {
	done := "Password reset on {URL}; the link is used up. Log in with the new password: 'vsauth login'.\n"
	askLink := "Asking {URL} (the server in the link).\n"
	askFlags := "Asking {URL} (the selected server).\n"
	var link, uid, token string
	mailed := func(e *cliEnv) {
		e.acctCreate(acctEmail, acctPw)
		link, uid, token = e.acctResetLink()
	}
	// Each case's args are built after setup, from the mailed link.
	cases := []struct {
		acctCase
		args func() []string
	}{
		{acctCase{
			name: "link, terminal", setup: mailed, tty: true, secrets: []string{acctNewPw, acctNewPw},
			errOut: "New password: \nAgain: \n" + askLink + done,
			after: func(e *cliEnv) {
				acctPasswordIs(acctNewPw, acctPw)(e)
				// Single use: the same link fails now.
				e.expect(e.run(acctNewPw+"x\n", false, nil, "password", "reset-confirm", link, "--password-stdin"), ExitError, "",
					e.acctSubst(askLink)+"vsauth: password not reset:\nInvalid token for given user.\n")
				acctPasswordIs(acctNewPw, acctNewPw+"x")(e)
				// And the new password is the one `vsauth login` takes.
				e.acctLogin(acctEmail, acctNewPw)
				e.expect(e.run("", false, nil, "user", "view"), 0, acctView, "")
			},
		}, func() []string { return []string{"password", "reset-confirm", link} }},
		{acctCase{
			name: "link with a trailing slash and spaces, stdin", setup: mailed, stdin: acctNewPw + "\n",
			errOut: askLink + done, after: acctPasswordIs(acctNewPw, acctPw),
		}, func() []string { return []string{"password", "reset-confirm", " " + link + "/ ", "--password-stdin"} }},
		{acctCase{
			name: "uid and token, stdin", setup: mailed, stdin: acctNewPw + "\n",
			errOut: askFlags + done, after: acctPasswordIs(acctNewPw, acctPw),
		}, func() []string {
			return []string{"password", "reset-confirm", "--uid", uid, "--token", token, "--password-stdin"}
		}},
		{acctCase{
			name: "no terminal, no --password-stdin", setup: mailed, stdin: acctNewPw + "\n", code: ExitUsage,
			errOut: "vsauth: not a terminal: pass the secret on standard input with --password-stdin\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		}, func() []string { return []string{"password", "reset-confirm", link} }},
		{acctCase{
			name: "passwords differ", setup: mailed, tty: true, secrets: []string{acctNewPw, acctPw}, code: ExitError,
			errOut: "New password: \nAgain: \nvsauth: the two passwords differ; nothing changed\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		}, func() []string { return []string{"password", "reset-confirm", link} }},
		{acctCase{
			name: "weak password", setup: mailed, stdin: "1234\n", code: ExitError,
			errOut: askLink + "vsauth: password not reset:\nnew_password: This password is too short. It must contain at least 8 characters.\n" +
				"new_password: This password is too common.\nnew_password: This password is entirely numeric.\n",
			after: acctPasswordIs(acctPw, "1234"),
		}, func() []string { return []string{"password", "reset-confirm", link, "--password-stdin"} }},
		{acctCase{
			name: "wrong token", setup: mailed, stdin: acctNewPw + "\n", code: ExitError,
			errOut: askFlags + "vsauth: password not reset:\nInvalid token for given user.\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		}, func() []string {
			return []string{"password", "reset-confirm", "--uid", uid, "--token", "7ar-0000000000000000000", "--password-stdin"}
		}},
		{acctCase{
			name: "unknown uid", setup: mailed, stdin: acctNewPw + "\n", code: ExitError,
			errOut: askFlags + "vsauth: password not reset:\nuid: Invalid user id or user doesn't exist.\n",
			after:  acctPasswordIs(acctPw, acctNewPw),
		}, func() []string {
			return []string{"password", "reset-confirm", "--uid", "OTk", "--token", token, "--password-stdin"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLIEnv(t, server.Compat)
			tc.setup(e)
			r := e.run(tc.stdin, tc.tty, tc.secrets, tc.args()...)
			e.expect(r, tc.code, e.acctSubst(tc.out), e.acctSubst(tc.errOut))
			tc.after(e)
		})
	}
}

// TestPasswordResetConfirmParse checks the two ways of naming the link,
// without a server.
func TestPasswordResetConfirmParse(t *testing.T) {
	const link = "http://localhost:8000/password/reset/confirm/MQ/7ar-d149efd841d4c80d659e"
	tests := []struct {
		name       string
		args       []string
		uid, token string
		wantErr    string
	}{
		{name: "link", args: []string{link}, uid: "MQ", token: "7ar-d149efd841d4c80d659e"},
		{name: "flags", args: []string{"--uid", "MTA", "--token", "7ar-abc"}, uid: "MTA", token: "7ar-abc"},
		{name: "neither", args: nil, wantErr: "give the reset link from the email, or --uid and --token"},
		{name: "both", args: []string{link, "--uid", "MQ"}, wantErr: "give the reset link or --uid and --token, not both"},
		{name: "uid alone", args: []string{"--uid", "MQ"}, wantErr: "--uid and --token go together, and neither may be empty"},
		{name: "token alone", args: []string{"--token", "7ar-abc"}, wantErr: "--uid and --token go together, and neither may be empty"},
		{name: "empty uid", args: []string{"--uid=", "--token", "7ar-abc"}, wantErr: "--uid and --token go together, and neither may be empty"},
		{name: "two links", args: []string{link, link}, wantErr: "reset-confirm takes at most one argument, the reset link"},
		{
			name: "not a reset link, not quoted back", args: []string{"http://localhost:8000/password/reset/MQ/7ar-d149efd841d4c80d659e"},
			wantErr: "client: not a password reset link (want http(s)://host/password/reset/confirm/<uid>/<token>)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newTestDeps("", nil)
			var got *passwordResetConfirmOptions
			cmd := newCmdPasswordResetConfirm(newApp(d), func(_ context.Context, o *passwordResetConfirmOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tc.wantErr != "" {
				var ue usageError
				if !errors.As(err, &ue) || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want usage error %q", err, tc.wantErr)
				}
				if got != nil {
					t.Fatal("ran despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.UID != tc.uid || got.Token != tc.token {
				t.Fatalf("uid %q token %q, want %q %q", got.UID, got.Token, tc.uid, tc.token)
			}
		})
	}
}

// TestPasswordChangeHardened: a hardened server ends every session on a
// change (API.md D5), the stored one included; the advice stays the same
// because the command cannot tell the servers apart.
func TestPasswordChangeHardened(t *testing.T) {
	e := newCLIEnv(t, server.Hardened)
	e.acctLoggedIn()
	r := e.run(acctPw+"\n"+acctNewPw+"\n", false, nil, "password", "change", "--password-stdin")
	e.expect(r, 0, "", e.acctSubst("Changed the password of alice@example.com on {URL}.\n"+acctChangeNote))
	acctPasswordIs(acctNewPw, acctPw)(e)
	e.expect(e.run("", false, nil, "user", "view"), ExitAuth, "",
		"vsauth: 401 Unauthorized: Error decoding signature.\nlog in again: 'vsauth login'\n")
}

// Without --server a link is confirmed where it came from, and the command
// says so; --server wins and says what it overrides.
func TestPasswordResetConfirmUsesTheLinksServer(t *testing.T) {
	e := newCLIEnv(t, server.Compat)
	e.acctCreate(acctEmail, acctPw)
	link, _, _ := e.acctResetLink()
	d, tio := newTestDeps(acctNewPw+"\n", nil)
	if code := Main(context.Background(), []string{"--server", "http://127.0.0.1:1", "password", "reset-confirm", link, "--password-stdin"}, d); code != ExitError ||
		!strings.HasPrefix(tio.errOut.String(), "Asking http://127.0.0.1:1 (--server, not the link's "+e.URL+").\nvsauth: ") {
		t.Fatalf("--server: %d %s", code, tio.errOut)
	}
	acctPasswordIs(acctPw, acctNewPw)(e)
	d, tio = newTestDeps(acctNewPw+"\n", nil)
	if code := Main(context.Background(), []string{"password", "reset-confirm", link, "--password-stdin"}, d); code != 0 ||
		tio.errOut.String() != "Asking "+e.URL+" (the server in the link).\nPassword reset on "+e.URL+"; the link is used up. Log in with the new password: 'vsauth login'.\n" {
		t.Fatalf("link: %d %s", code, tio.errOut)
	}
	acctPasswordIs(acctNewPw, acctPw)(e)
}
