package harness

import (
	"bytes"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server/mail"
)

// parseFlags parses a command's flags; an error fails the line with usage.
func parseFlags(ts *testscript.TestScript, fs *flag.FlagSet, args []string, usage string) []string {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		ts.Fatalf("usage: %s (%v)", usage, err)
	}
	return fs.Args()
}

func noNeg(ts *testscript.TestScript, neg bool, name string) {
	if neg {
		ts.Fatalf("%s does not support !", name)
	}
}

// cmdVsauth runs the CLI in-process against the flow's server. An
// argument <FILE (or < FILE) feeds that file to standard input, wherever it
// stands, as in a shell.
func cmdVsauth(ts *testscript.TestScript, neg bool, args []string) {
	f := getFlow(ts)
	var stdin io.Reader = strings.NewReader("")
	var rest []string
	redirected := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "<") {
			rest = append(rest, a)
			continue
		}
		file := a[1:]
		if file == "" {
			if i+1 == len(args) {
				ts.Fatalf("vsauth: < needs a file name")
			}
			i++
			file = args[i]
		}
		if redirected {
			ts.Fatalf("vsauth: standard input is redirected twice (%s)", a)
		}
		redirected = true
		stdin = strings.NewReader(ts.ReadFile(file))
	}
	// The server is named in the environment, not by --server, which
	// only the API commands take (admin, mail and help have none).
	getenv := func(k string) string {
		if k == "VSAUTH_SERVER" {
			return ts.Getenv("SERVER")
		}
		return ts.Getenv(k)
	}
	var hc *http.Client
	if f.rec != nil {
		hc = f.rec.client()
	}
	var stdout, stderr bytes.Buffer
	code := f.opts.CLI(f.ctx, rest, CLIEnv{
		HTTPClient: hc,
		Stdin:      stdin,
		Stdout:     &stdout,
		Stderr:     &stderr,
		Getenv:     getenv,
		Keyring:    f.keyring,
		Now:        f.now(),
		ConfigDir:  f.configDir,
	})
	var failure string
	switch {
	case code != 0 && !neg:
		failure = fmt.Sprintf("vsauth exited with status %d", code)
	case code == 0 && neg:
		failure = "vsauth succeeded unexpectedly"
	}
	f.lastExit, f.ran = code, true
	f.setLast("vsauth "+strings.Join(rest, " "), stdout.String(), stderr.String())
	if failure != "" && f.retrying {
		panic(retryFailure(failure))
	}
	// Written only now, so that a failed attempt under eventually leaves
	// nothing behind for the assertions that follow.
	ts.Stdout().Write(stdout.Bytes())
	ts.Stderr().Write(stderr.Bytes())
	if failure != "" {
		ts.Fatalf("%s", failure)
	}
	if code != 0 {
		ts.Logf("[exit status %d]", code)
	}
}

// cmdStatus asserts the exit code of the last vsauth command.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "status")
	if len(args) != 1 {
		ts.Fatalf("usage: status N")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("usage: status N (%q is not a number)", args[0])
	}
	f := getFlow(ts)
	if !f.ran {
		ts.Fatalf("status: no vsauth command has run yet")
	}
	if f.lastExit != want {
		ts.Fatalf("last vsauth exit status is %d, want %d", f.lastExit, want)
	}
}

// cmdCapture sets a variable from the last command's output, and records
// it as a secret when it is one (see looksSecret) or -secret says so.
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "capture")
	const usage = "capture [-stderr] [-json] [-plain|-secret] NAME [REGEXP | JSON.PATH]"
	fs := flag.NewFlagSet("capture", flag.ContinueOnError)
	fromStderr := fs.Bool("stderr", false, "")
	asJSON := fs.Bool("json", false, "")
	plain := fs.Bool("plain", false, "")
	forceSecret := fs.Bool("secret", false, "")
	args = parseFlags(ts, fs, args, usage)
	if len(args) < 1 || len(args) > 2 || (*asJSON && len(args) != 2) || (*plain && *forceSecret) {
		ts.Fatalf("usage: %s", usage)
	}
	name, stream := args[0], "stdout"
	if *fromStderr {
		stream = "stderr"
	}
	out := ts.ReadFile(stream)
	var value, path string
	switch {
	case *asJSON:
		path = args[1]
		v, err := jsonPath([]byte(out), path)
		if err != nil {
			ts.Fatalf("capture %s: %s: %v", name, stream, err)
		}
		value = v
	case len(args) == 2:
		// Multi-line mode, as testscript's stdout and stderr commands use.
		re, err := regexp.Compile("(?m)" + args[1])
		if err != nil {
			ts.Fatalf("capture %s: bad regexp: %v", name, err)
		}
		m := re.FindStringSubmatch(out)
		switch {
		case m == nil:
			ts.Fatalf("capture %s: no match for `%s` in %s", name, args[1], stream)
		case len(m) > 1:
			value = m[1]
		default:
			value = m[0]
		}
	default:
		value = strings.TrimSpace(out)
	}
	if value == "" {
		ts.Fatalf("capture %s: the captured value is empty", name)
	}
	secret := *forceSecret || (!*plain && looksSecret(name, path, value))
	if secret {
		getFlow(ts).addSecret(name, value)
	}
	ts.Setenv(name, value)
	if secret {
		ts.Logf("captured %s (secret: redacted in reports)", name)
	} else {
		ts.Logf("captured %s = %s", name, value)
	}
}

// jsonPath returns the value at a dotted path (object keys, array indexes)
// of a JSON document: strings as they are, anything else as compact JSON.
func jsonPath(doc []byte, path string) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("not JSON: %v", err)
	}
	for _, key := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[key]
			if !ok {
				return "", &missingFieldError{fmt.Sprintf("no field %q on path %s", key, path)}
			}
			v = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				return "", &missingFieldError{fmt.Sprintf("no index %q in an array of %d on path %s", key, len(node), path)}
			}
			v = node[i]
		default:
			return "", fmt.Errorf("no field %q on path %s: not an object or array", key, path)
		}
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// cmdTOTP prints the TOTP code of a secret at the flow's clock.
func cmdTOTP(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "totp")
	const usage = "totp [-offset DURATION] [-var NAME] SECRET|OTPAUTH-URL"
	fs := flag.NewFlagSet("totp", flag.ContinueOnError)
	offset := fs.Duration("offset", 0, "")
	name := fs.String("var", "", "")
	args = parseFlags(ts, fs, args, usage)
	if len(args) != 1 {
		ts.Fatalf("usage: %s", usage)
	}
	key, digits, period, err := parseTOTPSecret(args[0])
	if err != nil {
		ts.Fatalf("totp: %v", err)
	}
	f := getFlow(ts)
	// The secret is as sensitive as the codes, in every form it is printed.
	f.addSecret("totp-secret", base32.StdEncoding.EncodeToString(key))
	code, err := totp.Code(hex.EncodeToString(key), f.timeNow().Add(*offset), digits, period)
	if err != nil {
		ts.Fatalf("totp: %v", err)
	}
	if *name != "" {
		f.addSecret(*name, code)
		ts.Setenv(*name, code)
		ts.Logf("set %s to the TOTP code", *name)
		return
	}
	f.addSecret("totp", code)
	fmt.Fprintln(ts.Stdout(), code)
}

// parseTOTPSecret accepts a base32 secret (any case, spaces and padding
// ignored) or an otpauth://totp/ URL with its digits and period.
func parseTOTPSecret(s string) (key []byte, digits, period int, err error) {
	digits, period = 6, 30
	secret := s
	if strings.HasPrefix(strings.ToLower(s), "otpauth://") {
		u, err := url.Parse(s)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("not an otpauth URL: %v", err)
		}
		q := u.Query()
		secret = q.Get("secret")
		if d := q.Get("digits"); d != "" {
			if digits, err = strconv.Atoi(d); err != nil || digits < 1 || digits > 10 {
				return nil, 0, 0, fmt.Errorf("otpauth URL has bad digits %q", d)
			}
		}
		if p := q.Get("period"); p != "" {
			if period, err = strconv.Atoi(p); err != nil || period < 1 {
				return nil, 0, 0, fmt.Errorf("otpauth URL has bad period %q", p)
			}
		}
		if secret == "" {
			return nil, 0, 0, fmt.Errorf("otpauth URL has no secret")
		}
	}
	secret = strings.TrimRight(strings.ToUpper(strings.ReplaceAll(secret, " ", "")), "=")
	key, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(key) == 0 {
		// The secret itself stays out of the message.
		return nil, 0, 0, fmt.Errorf("the secret is not base32")
	}
	return key, digits, period, nil
}

func groupsOfFour(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// cmdMail prints the newest message to an address and sets the variables
// of its password-reset link.
func cmdMail(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "mail [-var PREFIX] ADDRESS"
	fs := flag.NewFlagSet("mail", flag.ContinueOnError)
	prefix := fs.String("var", "RESET", "")
	args = parseFlags(ts, fs, args, usage)
	if len(args) != 1 {
		ts.Fatalf("usage: %s", usage)
	}
	f := getFlow(ts)
	addr := args[0]
	var msg *mailMessage
	var looked string
	var err error
	switch {
	case f.srv != nil:
		msg, looked, err = f.outboxMail(addr)
	case f.opts.MailDir != "":
		msg, looked, err = f.dirMail(addr, neg)
	default:
		ts.Fatalf("mail is read from the in-process server's outbox, or from --mail-dir with --server (guard the line with [mail])")
	}
	if err != nil {
		f.fail(ts, "mail: %v", err)
	}
	switch {
	case neg && msg != nil:
		f.fail(ts, "mail: unexpected message to %s", addr)
	case neg:
		return
	case msg == nil:
		f.fail(ts, "mail: no message to %s (%s)", addr, looked)
	}
	raw := msg.Raw
	text, err := mail.TextPart(raw)
	if err != nil {
		f.fail(ts, "mail: %v", err)
	}
	link, uid, token, linkErr := mail.ResetLink(raw)
	if linkErr != nil && f.retrying {
		panic(retryFailure(fmt.Sprintf("mail: the newest message to %s has no password reset link", addr)))
	}
	if linkErr == nil {
		for _, v := range []struct{ name, value string }{{"_LINK", link}, {"_UID", uid}, {"_TOKEN", token}} {
			f.addSecret(*prefix+v.name, v.value)
			ts.Setenv(*prefix+v.name, v.value)
		}
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	out := fmt.Sprintf("To: %s\nSubject: %s\n\n%s", msg.To, msg.Subject, text)
	f.setLast("mail "+addr, out, "")
	fmt.Fprint(ts.Stdout(), out)
	if linkErr != nil {
		ts.Fatalf("mail: the newest message to %s has no password reset link", addr)
	}
}

// newestTo is the last message to addr in msgs (oldest first), or nil.
func newestTo(msgs []mailMessage, addr string) *mailMessage {
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.EqualFold(msgs[i].To, addr) {
			return &msgs[i]
		}
	}
	return nil
}

// outboxMail is the newest message to addr in the in-process server's
// outbox; looked says what was searched.
func (f *flow) outboxMail(addr string) (*mailMessage, string, error) {
	// Hardened reset mail is sent after the answer; the flow is sequential,
	// so nothing else is in flight.
	f.srv.api.Wait()
	stored, err := f.srv.st.ListMail(f.ctx)
	if err != nil {
		return nil, "", err
	}
	msgs := make([]mailMessage, len(stored))
	for i, m := range stored {
		msgs[i] = mailMessage{To: m.To, Subject: m.Subject, Raw: m.Raw}
	}
	return newestTo(msgs, addr), fmt.Sprintf("%d in the outbox", len(msgs)), nil
}

// How long the mail command waits on an external server's mail directory:
// a hardened server writes reset mail after its answer, and any server may
// write it a moment later. A positive check polls until the message is
// there; a negative one waits mailSettle once, so that a message that
// should not exist has had the time to appear.
var (
	mailWait   = 10 * time.Second
	mailPoll   = 50 * time.Millisecond
	mailSettle = time.Second
)

// dirMail is the newest message to addr in the run's mail directory.
func (f *flow) dirMail(addr string, neg bool) (*mailMessage, string, error) {
	dir := f.opts.MailDir
	wait := mailWait
	if neg {
		wait = mailSettle
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(mailPoll)
	defer tick.Stop()
	for {
		c, err := readMailDir(dir)
		if err != nil {
			return nil, "", err
		}
		if m := newestTo(c.msgs, addr); m != nil && !neg {
			return m, "", nil
		}
		select {
		case <-f.ctx.Done():
			return nil, "", f.ctx.Err()
		case <-deadline.C:
			if neg {
				// Read once more: the settle time is over.
				if c, err = readMailDir(dir); err != nil {
					return nil, "", err
				}
				return newestTo(c.msgs, addr), "", nil
			}
			looked := fmt.Sprintf("%d messages in %d files of %s after %s", len(c.msgs), c.files, dir, wait)
			if c.skipped > 0 {
				looked += fmt.Sprintf("; %d files or parts could not be read", c.skipped)
			}
			return nil, looked, nil
		case <-tick.C:
		}
	}
}

// cmdClock moves the in-process server's clock (and the CLI's) forward;
// against an external server it waits that long, within Options.MaxWait.
func cmdClock(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "clock")
	if len(args) != 2 || args[0] != "advance" {
		ts.Fatalf("usage: clock advance DURATION")
	}
	d, err := time.ParseDuration(args[1])
	if err != nil {
		ts.Fatalf("clock advance: %v", err)
	}
	if d < 0 { // checked here: clock.Manual.Advance panics on a negative d
		ts.Fatalf("clock advance: the clock only moves forward (got %s)", args[1])
	}
	f := getFlow(ts)
	if f.clock == nil {
		f.clockWait(ts, d)
		return
	}
	f.clock.Advance(d)
	ts.Logf("clock is now %s", f.clock.Now().UTC().Format(time.RFC3339))
}

// maxSleep bounds the sleep command: it is for a server's short delays
// (throttling), and a flow must not stall a CI run.
const maxSleep = time.Minute

// cmdSleep waits on the wall clock, for the delays of an external server
// whose clock cannot be moved.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sleep")
	if len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d < 0 || d > maxSleep {
		ts.Fatalf("sleep: want a duration from 0 to %s, got %q", maxSleep, args[0])
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-getFlow(ts).ctx.Done():
		ts.Fatalf("sleep: %v", getFlow(ts).ctx.Err())
	}
}

// cmdServer stops or starts the in-process server, keeping its database.
func cmdServer(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "server")
	if len(args) != 1 || (args[0] != "stop" && args[0] != "start") {
		ts.Fatalf("usage: server stop|start")
	}
	f := getFlow(ts)
	if f.srv == nil {
		ts.Fatalf("server %s: only the in-process server can be stopped and started (guard the line with [inprocess])", args[0])
	}
	if args[0] == "stop" {
		if err := f.srv.stop(); err != nil {
			ts.Fatalf("server stop: %v", err)
		}
		return
	}
	if f.srv.http != nil {
		ts.Fatalf("server start: the server is already running")
	}
	url, err := f.srv.start(f.srv.addr)
	if err != nil {
		// The port was taken meanwhile: serve on a new one.
		if url, err = f.srv.start("127.0.0.1:0"); err != nil {
			ts.Fatalf("server start: %v", err)
		}
		ts.Logf("server moved to %s", url)
	}
	ts.Setenv("SERVER", url)
}
