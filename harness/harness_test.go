package harness_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/harness"
	"github.com/virtualspaces/vsauth/server"
)

// fakeCLI stands in for cli.Main, so these tests exercise the harness
// alone. Its commands:
//
//	echo WORDS…            prints the words
//	exit N                 prints "exiting" on stderr and returns N
//	cat                    copies stdin to stdout
//	count FILE N           counts calls in FILE, fails below N
//	now                    prints the clock's Unix time, or "wall"
//	keyring set|get V      uses the flow's keyring
//	http METHOD PATH [BODY [TOKEN]]
//	                       calls the server, prints "STATUS BODY"
func fakeCLI(ctx context.Context, args []string, e harness.CLIEnv) int {
	base := e.Getenv("VSAUTH_SERVER")
	if len(args) < 1 || base == "" {
		fmt.Fprintln(e.Stderr, "fake: want VSAUTH_SERVER and CMD")
		return 2
	}
	switch args[0] {
	case "echo":
		fmt.Fprintln(e.Stdout, strings.Join(args[1:], " "))
	case "exit":
		n, _ := strconv.Atoi(args[1])
		fmt.Fprintln(e.Stderr, "exiting")
		return n
	case "count":
		// count FILE N: adds one to the number in FILE of the work
		// directory, prints it, and fails until it reaches N.
		file := filepath.Join(e.Getenv("WORK"), args[1])
		b, _ := os.ReadFile(file)
		n, _ := strconv.Atoi(string(b))
		n++
		os.WriteFile(file, []byte(strconv.Itoa(n)), 0o644)
		want, _ := strconv.Atoi(args[2])
		if n < want {
			fmt.Fprintln(e.Stderr, "not yet")
			return 1
		}
		fmt.Fprintln(e.Stdout, n)
	case "cat":
		io.Copy(e.Stdout, e.Stdin)
	case "now":
		if e.Now == nil {
			fmt.Fprintln(e.Stdout, "wall")
		} else {
			fmt.Fprintln(e.Stdout, e.Now().Unix())
		}
	case "keyring":
		if args[1] == "set" {
			e.Keyring.Set("svc", "user", args[2])
			return 0
		}
		v, err := e.Keyring.Get("svc", "user")
		if err != nil {
			fmt.Fprintln(e.Stderr, err)
			return 1
		}
		fmt.Fprintln(e.Stdout, v)
	case "http":
		var body io.Reader
		if len(args) > 3 {
			body = strings.NewReader(args[3])
		}
		req, err := http.NewRequestWithContext(ctx, args[1], base+args[2], body)
		if err != nil {
			fmt.Fprintln(e.Stderr, err)
			return 1
		}
		req.Header.Set("Content-Type", "application/json")
		if len(args) > 4 {
			req.Header.Set("Authorization", "JWT "+args[4])
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			fmt.Fprintln(e.Stderr, "fake: request failed:", err)
			return 1
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(e.Stdout, "%d %s\n", resp.StatusCode, b)
	default:
		fmt.Fprintln(e.Stderr, "fake: unknown command", args[0])
		return 2
	}
	return 0
}

// writeFlows writes name → script files into a new directory.
func writeFlows(t *testing.T, flows map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, script := range flows {
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, paths []string, opts harness.Options) (harness.Summary, string) {
	t.Helper()
	var out bytes.Buffer
	opts.Out = &out
	if opts.CLI == nil {
		opts.CLI = fakeCLI
	}
	sum, err := harness.RunFlows(context.Background(), paths, opts)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	return sum, out.String()
}

// times matches the parts of reports that vary from run to run.
var times = regexp.MustCompile(`\(\d+\.\d{3}s\)|time="\d+\.\d{3}"`)

func normalize(s string) string {
	return times.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "(") {
			return "(T)"
		}
		return `time="T"`
	})
}

const passFlow = `# echo works
vsauth echo hello
stdout '^hello$'
`

// failFlow captures a token, then fails on an assertion that shows it.
const failFlow = `vsauth echo token=eyJhbGciOiJIUzI1NiJ9.secret-part
capture TOKEN 'token=(\S+)'
vsauth echo the token is $TOKEN
stdout 'nope'
`

func TestRunReportsAndRedacts(t *testing.T) {
	dir := writeFlows(t, map[string]string{"a-pass": passFlow, "b-fail": failFlow})
	junit := filepath.Join(t.TempDir(), "out.xml")
	sum, out := run(t, []string{dir}, harness.Options{JUnit: junit})

	if sum.Passed != 1 || sum.Failed != 1 || len(sum.Cases) != 2 {
		t.Fatalf("summary = %+v", sum)
	}
	fail := sum.Cases[1]
	if fail.Name != "b-fail" || fail.File != filepath.Join(dir, "b-fail.txtar") {
		t.Errorf("case = %q %q", fail.Name, fail.File)
	}
	wantFailure := filepath.Join(dir, "b-fail.txtar") + ":4: no match for `nope` found in stdout"
	if fail.Failure != wantFailure {
		t.Errorf("Failure = %q, want %q", fail.Failure, wantFailure)
	}
	// The script line holds the token too, so it is redacted as well.
	wantLog := "> vsauth echo token=[redacted:TOKEN]\n" +
		"[stdout]\ntoken=[redacted:TOKEN]\n\n" +
		"> capture TOKEN 'token=(\\S+)'\ncaptured TOKEN (secret: redacted in reports)\n" +
		"> vsauth echo the token is $TOKEN\n[stdout]\nthe token is [redacted:TOKEN]\n\n" +
		"> stdout 'nope'\n" +
		"FAIL: " + wantFailure + "\n" +
		"--- output of the last command: vsauth echo the token is [redacted:TOKEN]\n[stdout]\nthe token is [redacted:TOKEN]\n[stderr]"
	if fail.Log != wantLog {
		t.Errorf("Log =\n%s\nwant\n%s", fail.Log, wantLog)
	}
	wantOut := "PASS a-pass (T)\n" +
		"FAIL b-fail (T)\n" + "    " + strings.ReplaceAll(wantLog, "\n", "\n    ") + "\n" +
		"1 passed, 1 failed, 0 skipped\n"
	if got := normalize(out); got != wantOut {
		t.Errorf("output =\n%s\nwant\n%s", got, wantOut)
	}

	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	wantXML := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="vsauth flows" tests="2" failures="1" skipped="0" time="T">
    <testcase name="a-pass" classname="flows" time="T"></testcase>
    <testcase name="b-fail" classname="flows" time="T">
      <failure message="` + esc(wantFailure) + `"><![CDATA[` + wantLog + `]]></failure>
    </testcase>
  </testsuite>
</testsuites>
`
	if got := normalize(string(raw)); got != wantXML {
		t.Errorf("JUnit =\n%s\nwant\n%s", got, wantXML)
	}
	for _, s := range []string{string(raw), out, fail.Log} {
		if strings.Contains(s, "secret-part") {
			t.Errorf("the captured token leaked:\n%s", s)
		}
	}
}

func TestRunSelection(t *testing.T) {
	dir := writeFlows(t, map[string]string{"login-ok": passFlow, "login-bad": passFlow, "reset": passFlow})
	sum, out := run(t, []string{dir}, harness.Options{Run: regexp.MustCompile(`^login-`)})
	var names []string
	for _, c := range sum.Cases {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "login-bad,login-ok" {
		t.Errorf("ran %s", got)
	}
	if got, want := normalize(out), "PASS login-bad (T)\nPASS login-ok (T)\n2 passed, 0 failed, 0 skipped\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}

	// A file given twice, once through its directory, runs once.
	sum, _ = run(t, []string{filepath.Join(dir, "reset.txtar"), dir}, harness.Options{Run: regexp.MustCompile(`reset`)})
	if len(sum.Cases) != 1 {
		t.Errorf("cases = %+v", sum.Cases)
	}

	_, err := harness.RunFlows(context.Background(), []string{dir}, harness.Options{CLI: fakeCLI, Run: regexp.MustCompile(`nothing`)})
	if err == nil || !strings.Contains(err.Error(), `no flow in `+dir+` matches --run "nothing"`) {
		t.Errorf("err = %v", err)
	}
	_, err = harness.RunFlows(context.Background(), []string{filepath.Join(dir, "missing")}, harness.Options{CLI: fakeCLI})
	if err == nil || !os.IsNotExist(errorsUnwrapAll(err)) {
		t.Errorf("err = %v", err)
	}
}

func errorsUnwrapAll(err error) error {
	for {
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			errs := u.Unwrap()
			err = errs[len(errs)-1]
		case interface{ Unwrap() error }:
			if err = u.Unwrap(); err == nil {
				return nil
			}
		default:
			return err
		}
	}
}

// TestCommands runs one small flow per case; the flow must pass or fail
// with exactly the given message (after the file:line prefix).
func TestCommands(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		profile server.Profile
		failure string // "" means the flow passes
	}{
		{name: "status", script: "! vsauth exit 4\nstatus 4\nstderr exiting\n"},
		{name: "status-mismatch", script: "! vsauth exit 5\nstatus 4\n", failure: "last vsauth exit status is 5, want 4"},
		{name: "status-before-vsauth", script: "status 0\n", failure: "status: no vsauth command has run yet"},
		{name: "nonzero-exit-fails", script: "vsauth exit 1\n", failure: "vsauth exited with status 1"},
		{name: "unexpected-success", script: "! vsauth echo hi\n", failure: "vsauth succeeded unexpectedly"},
		{name: "stdin-file", script: "vsauth cat <in.txt\ncmp stdout in.txt\n-- in.txt --\nline one\nline two\n"},
		{name: "stdin-anywhere", script: "vsauth <in.txt cat\nstdout '^x$'\nvsauth cat < in.txt --flag\nstdout '^x$'\n-- in.txt --\nx\n"},
		{name: "stdin-twice", script: "vsauth cat <in.txt <in.txt\n-- in.txt --\nx\n", failure: "vsauth: standard input is redirected twice (<in.txt)"},
		{name: "stdin-no-file", script: "vsauth cat <\n", failure: "vsauth: < needs a file name"},
		{name: "json-eq", script: "vsauth echo '{\"id\":12,\"ok\":true,\"p\":{\"name\":\"x y\",\"n\":null}}'\njson id == 12\njson ok == true\njson p.name == 'x y'\njson p.n == null\njson id != 13\njson p.name exists\n! json p.other exists\n"},
		{name: "json-mismatch", script: "vsauth echo '{\"ok\":false}'\njson ok == true\n", failure: "json ok: got false, want true"},
		{name: "json-ne-mismatch", script: "vsauth echo '{\"ok\":false}'\njson ok != false\n", failure: "json ok: got false, want anything else"},
		{name: "json-missing", script: "vsauth echo '{\"ok\":false}'\njson nope == 1\n", failure: "json nope: stdout: no field \"nope\" on path nope"},
		{name: "json-not-exists", script: "vsauth echo '{\"ok\":false}'\n! json ok exists\n", failure: "json ok: the field exists in stdout"},
		{name: "json-not-json", script: "vsauth echo hello\njson ok exists\n", failure: "json ok: stdout: not JSON: invalid character 'h' looking for beginning of value"},
		{name: "json-usage", script: "vsauth echo '{}'\njson ok = 1\n", failure: "usage: json [-stderr] PATH (== VALUE | != VALUE | exists)"},
		{name: "vars", script: "env A=same\nenv B=same\nenv C=other\nvars A == B\nvars A != C\n"},
		{name: "vars-differ", script: "env A=secret-one\nenv B=secret-two\nvars A == B\n", failure: "vars: A and B differ"},
		{name: "vars-unset", script: "env A=x\nvars A == NOPE\n", failure: "vars: NOPE is not set"},
		{name: "write", script: "vsauth echo 12345678\ncapture -secret CODE\nwrite code.txt $CODE\nvsauth cat <code.txt\nstdout '^12345678$'\n"},
		{name: "eventually", script: "eventually -timeout 5s vsauth count n 3\nstdout '^3$'\n! stderr .\n"},
		{name: "eventually-neg", script: "eventually ! vsauth exit 1\nstatus 1\n"},
		{name: "eventually-timeout", script: "eventually -timeout 100ms vsauth exit 1\n", failure: "eventually: still failing after 100ms (2 attempts): vsauth exited with status 1"},
		{name: "eventually-builtin", script: "eventually stdout x\n", failure: "eventually runs vsauth or mail lines, not stdout"},
		{name: "failure-shows-last-output", script: "vsauth echo '{\"ok\":false}'\n# a new phase\njson ok == true\n", failure: "json ok: got false, want true"},
		{name: "stdin-stdout", script: "vsauth echo piped\nvsauth cat <stdout\nstdout '^piped$'\n"},
		{name: "capture-whole", script: "vsauth echo '  abc def  '\ncapture V\nvsauth echo [$V]\nstdout '^\\[abc def\\]$'\n"},
		{name: "capture-regexp-no-group", script: "vsauth echo id 42\ncapture V '\\d+'\nvsauth echo $V\nstdout '^42$'\n"},
		{name: "capture-stderr", script: "! vsauth exit 3\ncapture -stderr V 'exit(ing)'\nvsauth echo $V\nstdout '^ing$'\n"},
		{name: "capture-json", script: "vsauth echo '{\"a\":{\"b\":[1,{\"c\":\"deep\"}]},\"n\":7}'\ncapture -json V a.b.1.c\ncapture -json N n\nvsauth echo $V $N\nstdout '^deep 7$'\n"},
		{name: "capture-json-missing", script: "vsauth echo '{\"a\":1}'\ncapture -json V b\n", failure: "capture V: stdout: no field \"b\" on path b"},
		{name: "capture-no-match", script: "vsauth echo abc\ncapture V 'x(y)'\n", failure: "capture V: no match for `x(y)` in stdout"},
		{name: "capture-empty", script: "vsauth echo '   '\ncapture V\n", failure: "capture V: the captured value is empty"},
		{name: "unique-and-server", script: "vsauth echo $UNIQUE $SERVER\nstdout '^[0-9a-f]{8} http://127\\.0\\.0\\.1:\\d+$'\n"},
		{name: "keyring-per-flow", script: "! vsauth keyring get\nvsauth keyring set v1\nvsauth keyring get\nstdout '^v1$'\n"},
		{name: "clock", script: "vsauth now\ncapture T0\nclock advance 90s\nvsauth now\ncapture T1\nexec expr $T1 - $T0\nstdout '^90$'\n"},
		{name: "clock-negative", script: "clock advance -1s\n", failure: "clock advance: the clock only moves forward (got -1s)"},
		{name: "clock-usage", script: "clock back 1s\n", failure: "usage: clock advance DURATION"},
		{name: "conditions", script: "[!inprocess] stop\n[external] stop\n[hardened] stop\nvsauth echo ok\n"},
		{name: "conditions-hardened", profile: server.Hardened, script: "[!hardened] stop\n[hardened] vsauth echo ok\nstdout ok\n"},
		{name: "unknown-condition", script: "[cloud] vsauth echo\n", failure: "bad condition \"cloud\": unknown condition \"cloud\" (harness conditions: inprocess, external, hardened, mail)"},
		{name: "no-mail", script: "mail nobody@example.com\n", failure: "mail: no message to nobody@example.com (0 in the outbox)"},
		{name: "neg-mail", script: "! mail nobody@example.com\n"},
		{name: "totp-bad-secret", script: "totp not!base32\n", failure: "totp: the secret is not base32"},
		{name: "totp-url-and-secret-agree", script: "totp JBSWY3DPEHPK3PXP\ncp stdout a\ntotp 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30'\ncmp stdout a\ntotp 'jbswy3dp ehpk3pxp'\ncmp stdout a\n"},
		{name: "totp-usage", script: "totp -var C a b\n", failure: "usage: totp [-offset DURATION] [-var NAME] SECRET|OTPAUTH-URL"},
		{name: "server-stop-start", script: "vsauth http GET /api/user/view/\nstdout '^401 '\nserver stop\n! vsauth http GET /api/user/view/\nstderr 'request failed'\nserver start\nvsauth http GET /api/user/view/\nstdout '^401 '\n"},
		{name: "server-stop-twice", script: "server stop\nserver stop\n", failure: "server stop: the server is not running"},
	}
	flows, hardened := map[string]string{}, map[string]string{}
	for _, tt := range tests {
		if tt.profile == server.Hardened {
			hardened[tt.name] = tt.script
		} else {
			flows[tt.name] = tt.script
		}
	}
	sum, _ := run(t, []string{writeFlows(t, flows)}, harness.Options{})
	hsum, _ := run(t, []string{writeFlows(t, hardened)}, harness.Options{Profile: server.Hardened})
	byName := map[string]harness.Case{}
	for _, c := range append(sum.Cases, hsum.Cases...) {
		byName[c.Name] = c
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := byName[tt.name]
			if !ok {
				t.Fatal("flow did not run")
			}
			got := c.Failure
			if i := strings.Index(got, ".txtar:"); i >= 0 {
				if j := strings.Index(got[i+len(".txtar:"):], ": "); j >= 0 {
					got = got[i+len(".txtar:")+j+2:]
				}
			}
			if got != tt.failure {
				t.Errorf("failure = %q, want %q\nlog:\n%s", got, tt.failure, c.Log)
			}
		})
	}
}

// TestTOTPAndMailAgainstServer drives the real in-process server: TOTP
// codes at the flow's clock, replay, clock advance, and the reset mail.
func TestTOTPAndMailAgainstServer(t *testing.T) {
	const flow = `# sign up and log in
vsauth http POST /api/user/create/ '{"email":"bob-'$UNIQUE'@example.com","password":"correct-horse-battery"}'
stdout '^201 '
vsauth http POST /api/user/login/ '{"email":"bob-'$UNIQUE'@example.com","password":"correct-horse-battery"}'
capture TOKEN '"token":"([^"]+)"'

# enrol TOTP
vsauth http GET /api/totp/create/ '' $TOKEN
capture URL '"(otpauth://[^"]+)"'
totp -var CODE $URL
vsauth http POST /api/totp/login/$CODE/ '' $TOKEN
stdout '^201 \{"token":'
# the same code again is a replay
vsauth http POST /api/totp/login/$CODE/ '' $TOKEN
stdout '^400 $'
# the next code works
clock advance 30s
totp $URL
capture NEXT
vsauth http POST /api/totp/login/$NEXT/ '' $TOKEN
stdout '^201 '
# a code from the previous window, shifted back, is the replayed one
totp -offset -30s -var PREV $URL
exec test $PREV = $CODE

# reset by mail
vsauth http POST /api/user/password/reset/ '{"email":"bob-'$UNIQUE'@example.com"}'
stdout '^204 '
mail bob-$UNIQUE@example.com
stdout '^Subject: '
vsauth http POST /api/user/password/reset/confirm/ '{"uid":"'$RESET_UID'","token":"'$RESET_TOKEN'","new_password":"another-long-phrase"}'
stdout '^204 '
vsauth echo $RESET_LINK
stdout '/password/reset/confirm/'
stop 'keep the log'
`
	for _, profile := range []server.Profile{server.Compat, server.Hardened} {
		t.Run(string(profile), func(t *testing.T) {
			dir := writeFlows(t, map[string]string{"walk": flow})
			sum, out := run(t, []string{dir}, harness.Options{Profile: profile, Verbose: true})
			if sum.Failed != 0 {
				t.Fatalf("flow failed:\n%s", out)
			}
			log := sum.Cases[0].Log
			for _, want := range []string{"[redacted:TOKEN]", "[redacted:URL]", "[redacted:RESET_LINK]", "[redacted:totp]"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %s:\n%s", want, log)
				}
			}
			if strings.Contains(log, "secret=") {
				t.Errorf("the TOTP secret leaked:\n%s", log)
			}
		})
	}
}

func TestExternalServer(t *testing.T) {
	flows := map[string]string{
		"vars":  "vsauth echo $SERVER\nstdout '^http://example.invalid:1$'\nvsauth now\nstdout '^wall$'\n[inprocess] stop\n[external] vsauth echo ok\n",
		"mail":  "mail a@example.com\n",
		"clock": "clock advance 50ms\nclock advance 11s\n",
		"srv":   "server stop\n",
	}
	dir := writeFlows(t, flows)
	sum, _ := run(t, []string{dir}, harness.Options{ServerURL: "http://example.invalid:1/"})
	want := map[string]string{
		"clock": "clock advance 11s: against an external server this is a real wait, at most 10s (guard the line with [inprocess])",
		"mail":  "mail is read from the in-process server's outbox, or from --mail-dir with --server (guard the line with [mail])",
		"srv":   "server stop: only the in-process server can be stopped and started (guard the line with [inprocess])",
		"vars":  "",
	}
	for _, c := range sum.Cases {
		if !strings.HasSuffix(c.Failure, want[c.Name]) || (want[c.Name] == "") != (c.Failure == "") {
			t.Errorf("%s: failure = %q, want …%q\n%s", c.Name, c.Failure, want[c.Name], c.Log)
		}
	}
}

func TestParallelBound(t *testing.T) {
	// Eight flows, one at a time: each sees the flag file absent, creates
	// it in a shared directory, and removes it; with two at once one would
	// find the other's file.
	shared := t.TempDir()
	script := "! exists " + shared + "/busy\nexec touch " + shared + "/busy\nexec sleep 0.05\nrm " + shared + "/busy\n"
	flows := map[string]string{}
	for i := range 8 {
		flows[fmt.Sprintf("f%d", i)] = script
	}
	dir := writeFlows(t, flows)
	sum, out := run(t, []string{dir}, harness.Options{Parallel: 1})
	if sum.Passed != 8 {
		t.Fatalf("output:\n%s", out)
	}
}

// uncapturedFlow prints secrets it never captured, then fails.
const uncapturedFlow = `vsauth echo eyJ0eXAiOiJKV1QifQ.eyJ1c2VyX2lkIjoxfQ.c2ln
vsauth echo otpauth://totp/a%40b.c?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=6
vsauth echo http://h/password/reset/confirm/MQ/7ar-d149efd841d4c80d659e
stdout 'nope'
`

func TestRunRedactsUncapturedSecretShapes(t *testing.T) {
	dir := writeFlows(t, map[string]string{"leaky": uncapturedFlow})
	sum, out := run(t, []string{dir}, harness.Options{})
	if sum.Failed != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	for _, want := range []string{"[stdout]\n[redacted:token]\n", "secret=[redacted]&digits=6", "/password/reset/confirm/[redacted]\n"} {
		if !strings.Contains(sum.Cases[0].Log, want) {
			t.Errorf("log lacks %q:\n%s", want, sum.Cases[0].Log)
		}
	}
	for _, leak := range []string{"eyJ1c2VyX2lkIjoxfQ", "GEZDGNBVGY3TQOJQ", "d149efd841d4c80d659e"} {
		if strings.Contains(out, leak) {
			t.Errorf("%s leaked:\n%s", leak, out)
		}
	}
}

func TestSkipsCountedApart(t *testing.T) {
	dir := writeFlows(t, map[string]string{
		"a-pass":      passFlow,
		"b-skip":      "[external] skip 'needs the in-process clock'\nvsauth echo hello\n",
		"c-skip-bare": "skip\n",
	})
	junit := filepath.Join(t.TempDir(), "out.xml")
	sum, out := run(t, []string{dir}, harness.Options{ServerURL: "http://example.invalid:1", JUnit: junit})
	if sum.Passed != 1 || sum.Failed != 0 || sum.Skipped != 2 {
		t.Fatalf("summary = %+v", sum)
	}
	if c := sum.Cases[1]; !c.Skipped || c.SkipReason != "needs the in-process clock" || c.Failure != "" {
		t.Errorf("case = %+v", c)
	}
	wantOut := "PASS a-pass (T)\n" +
		"SKIP b-skip (T)\n" +
		"SKIP c-skip-bare (T)\n" +
		"1 passed, 0 failed, 2 skipped\n"
	if got := normalize(out); got != wantOut {
		t.Errorf("output =\n%s\nwant\n%s", got, wantOut)
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	wantXML := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="vsauth flows" tests="3" failures="0" skipped="2" time="T">
    <testcase name="a-pass" classname="flows" time="T"></testcase>
    <testcase name="b-skip" classname="flows" time="T">
      <skipped message="skipped: needs the in-process clock"><![CDATA[> [external] skip 'needs the in-process clock'
SKIP: needs the in-process clock]]></skipped>
    </testcase>
    <testcase name="c-skip-bare" classname="flows" time="T">
      <skipped message="skipped (the flow gave no reason)"><![CDATA[> skip]]></skipped>
    </testcase>
  </testsuite>
</testsuites>
`
	if got := normalize(string(raw)); got != wantXML {
		t.Errorf("JUnit =\n%s\nwant\n%s", got, wantXML)
	}
}

// TestMailDir: against --server with MailDir, the mail command reads the
// directory (here the original's file-backend output) and [mail] holds.
func TestMailDir(t *testing.T) {
	defer harness.SetMailWaits(200*time.Millisecond, 10*time.Millisecond)()
	fixture, err := os.ReadFile(filepath.Join("testdata", "django-mail", "sqlite-dave-reset-1-before-password-change.eml"))
	if err != nil {
		t.Fatal(err)
	}
	mailDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(mailDir, "20261201-133450-140234567.log"), fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	flows := map[string]string{
		"found": "[!mail] stop\nmail DAVE@example.com\nstdout '^To: dave@example.com$'\nstdout '^Subject: Password reset on 127.0.0.1:8002$'\n" +
			"vsauth echo $RESET_UID $RESET_LINK\nstdout '^NA http://127.0.0.1:8002/password/reset/confirm/NA/7ax-fea2fb73cc70f3583f5c$'\n",
		"absent":  "! mail nobody@example.com\n",
		"missing": "mail nobody@example.com\n",
		"present": "! mail dave@example.com\n",
	}
	sum, _ := run(t, []string{writeFlows(t, flows)}, harness.Options{ServerURL: "http://example.invalid:1", MailDir: mailDir})
	want := map[string]string{
		"absent":  "",
		"found":   "",
		"missing": "mail: no message to nobody@example.com (1 messages in 1 files of " + mailDir + " after 200ms)",
		"present": "mail: unexpected message to dave@example.com",
	}
	for _, c := range sum.Cases {
		if !strings.HasSuffix(c.Failure, want[c.Name]) || (want[c.Name] == "") != (c.Failure == "") {
			t.Errorf("%s: failure = %q, want …%q\n%s", c.Name, c.Failure, want[c.Name], c.Log)
		}
	}

	// Without an external server a mail directory makes no sense.
	_, err = harness.RunFlows(context.Background(), []string{writeFlows(t, flows)}, harness.Options{CLI: fakeCLI, MailDir: mailDir})
	if err == nil || err.Error() != "harness: --mail-dir is for an external server (--server); the in-process server's mail is read from its outbox" {
		t.Errorf("Run with MailDir alone: %v", err)
	}
}
