// Package harness runs scripted end-to-end flows against the Virtual Spaces
// auth API, for QA teams and CI: `vsauth harness run [FILES|DIRS…]`.
//
// A flow is a text script in the testscript (txtar) format of
// github.com/rogpeppe/go-internal/testscript: commands, one per line, then
// optional files after "-- name --" lines, which are written to the flow's
// work directory ($WORK) before it starts. Lines starting with # begin a
// phase and are echoed in the log. The flow's name is its file name without
// .txtar; --run PATTERN selects flows by name.
//
// Each flow runs against its own fresh in-process server, unless --server
// URL points all flows at an external one. The in-process server listens on
// 127.0.0.1 with an empty SQLite database, keeps password-reset mail in its
// outbox, hashes passwords cheaply (2 PBKDF2 iterations) and has a clock of
// its own that starts at the real time, truncated to the second, and stands
// still until the flow moves it. Each flow also has its own in-memory
// keyring and config directory, so flows run in parallel without seeing
// each other's logins.
//
// # Commands
//
// All of testscript's built-in commands are available: exec, stdout and
// stderr (regular-expression assertions on the last command's output), cmp
// and cmpenv, cp, env, exists, grep, skip, stop, … A command prefixed with
// ! must fail; a line prefixed with a condition runs only when it holds.
// The harness adds:
//
//	vsauth ARGS… [<FILE]
//		Runs the vsauth CLI in-process against $SERVER (given to it as
//		VSAUTH_SERVER), with the flow's keyring, config directory and clock.
//		Its output becomes stdout and stderr for the assertions. An
//		argument <FILE (or < FILE), wherever it stands, feeds that file of
//		the work directory to standard input, as in a shell (testscript's
//		own stdin command feeds exec only); <stdout feeds the previous
//		command's output. A non-zero exit fails the line unless it is
//		prefixed with !.
//	status N
//		Asserts the exit status of the last vsauth command (see
//		`vsauth help exit-codes`: 2 usage, 4 not logged in or token
//		rejected, 5 second step of the login needed, 1 other errors).
//	capture [-stderr] [-plain|-secret] NAME [REGEXP]
//		Sets the variable NAME from the last command's stdout (stderr with
//		-stderr): the first submatch of REGEXP, the whole match when it has
//		no group, or the trimmed output without REGEXP. REGEXP is in
//		multi-line mode like stdout's (^ and $ match at line ends). Fails
//		when nothing matches or the value is empty. Whether the value is
//		a secret is decided as described under Secrets in reports; -secret
//		and -plain say it outright.
//	capture -json [-stderr] [-plain|-secret] NAME PATH
//		Sets NAME from a field of the JSON output: PATH is dotted, with
//		array indexes as numbers (token, profile.display_name, 0). Strings
//		are taken as they are, anything else as compact JSON (true, 12,
//		null, {"a":1}).
//	[!] json [-stderr] PATH == VALUE | PATH != VALUE | PATH exists
//		Asserts on a field of the last command's JSON output, PATH and the
//		value's text as for capture -json (json otp_verified == true,
//		json email == $EMAIL, json profile.about == null). With !, exists
//		asserts the field is absent.
//	vars NAME == NAME | NAME != NAME
//		Compares two variables, both of which must be set; the failure
//		names them and never shows their values.
//	write FILE [WORDS…]
//		Writes the words, joined by spaces, as one line to FILE of the
//		work directory: `write code.txt $CODE`, then
//		`vsauth recovery use --code-stdin <code.txt`.
//	eventually [-timeout DURATION] [!] vsauth|mail ARGS…
//		Runs the vsauth or mail line (with its own !) every 200 ms until
//		it passes, for at most -timeout (default 10s, at most 1m): for
//		effects a server completes after answering. Only the passing
//		attempt's output is kept for the assertions that follow.
//	totp [-offset DURATION] [-var NAME] SECRET
//		Prints (or, with -var, sets NAME to) the TOTP code of a base32
//		secret or an otpauth:// URL at the flow's clock, shifted by
//		-offset (e.g. -30s for the previous code).
//	[!] mail [-var PREFIX] ADDRESS
//		Prints the newest message to ADDRESS (To, Subject and the text
//		part) and sets RESET_LINK, RESET_UID and RESET_TOKEN (PREFIX_LINK,
//		… with -var) from its password-reset link. Fails when there is no
//		message or no link; with ! it asserts there is no message. The mail
//		is the in-process server's outbox or, against --server, the files
//		of --mail-dir: vsauth's .eml files and the .log files of Django's
//		file backend (several messages per file, each followed by a line
//		of 79 dashes). There it waits up to 10 s for the message to appear
//		(servers may write it after answering), and with ! it waits 1 s
//		before looking. Without either it fails: guard the line with [mail].
//	clock advance DURATION
//		Moves the in-process server's clock, and the CLI's, forward
//		(30s, 5m, 48h); it never goes back. Against --server, whose clock
//		cannot be moved, it waits DURATION on the wall clock instead, at
//		most Options.MaxWait (10 s): a longer advance fails there, so guard
//		it with [inprocess]. The same flow then runs both ways: `clock
//		advance 1100ms` lets the hardened profile's 1 s throttle pass.
//	sleep DURATION
//		Waits on the wall clock (at most 1m): for an external server's
//		short delays, such as the hardened profile's 1 s throttle after a
//		failure (`[external] [hardened] sleep 1100ms`).
//	server stop | server start
//		Stops the in-process server (requests fail to connect) and starts
//		it again on the same database, on the same port when it is still
//		free (else $SERVER changes). Fails against --server.
//
// # Conditions
//
//	[inprocess]  the flow runs against its own in-process server
//	[external]   the flow runs against --server
//	[hardened]   the server's profile is hardened (--profile hardened)
//	[mail]       the mail command works: in-process, or --server with --mail-dir
//
// Lines that need more than a short clock advance, or the server's life
// cycle, should be guarded with [inprocess] so that the flow also runs
// against --server; flows that
// cannot do without them (or without mail) can start with
// `[!mail] skip 'why'`. A skipped flow is reported as SKIP with its reason
// and counted apart, never as passed.
//
// # Variables
//
//	SERVER  the server's base URL
//	UNIQUE  8 random hex digits, new for every flow: use it in email
//	        addresses, so flows do not collide on a shared server
//	WORK    the flow's work directory (testscript)
//
// # Secrets in reports
//
// Every secret a flow holds is replaced by [redacted:NAME] in the logs,
// failure messages and the JUnit report, in every form it can be printed
// in: as captured, lower- and upper-case, URL- and JSON-escaped, and for a
// TOTP secret (or the one inside an otpauth URL) also in groups of four
// (F3LJ KQVR …), with or without base32 padding, and as the hex of its key.
// Secrets are the values of totp -var and mail (codes, reset links, uids
// and tokens), the codes totp prints, TOTP secrets given to totp, and the
// captures that are secret: those whose name or JSON field contains token,
// secret, code, otp, passw, link, uid, key, jwt, recovery or credential,
// or whose value is a JWT, an otpauth URL, a password-reset link or a
// base32 TOTP secret. capture -secret and -plain override that. Values
// that are true, false, null or shorter than 4 characters are never
// redacted, so a captured id or flag stays readable. Tokens, otpauth
// secrets, grouped TOTP secrets, reset links and lines holding one
// emergency code are redacted by shape even when nobody captured them.
//
// A failed flow's report ends with the stdout and stderr of the last
// command that printed (vsauth, mail), whichever phase the failing check
// is in.
//
// # Reports
//
// The output has one line per flow (PASS, FAIL or SKIP, name, time), the log
// of each failed flow (of every flow with -v), and last the line
// "N passed, N failed, N skipped". --junit FILE writes a JUnit XML report
// with one testcase per flow; a skipped one holds
// <skipped message="skipped: REASON">. The exit status is 1 when a flow failed, 2 for a usage
// error (bad flag, no flow found).
//
// # Example
//
//	# Sign up, log in, look at the account.
//	vsauth user create alice-$UNIQUE@example.com --password-stdin <password
//	vsauth login --email alice-$UNIQUE@example.com --password-stdin <password
//	vsauth user view --json
//	capture -json ID id
//	stdout '"email": "alice-\w+@example.com"'
//
//	# A wrong password is refused.
//	! vsauth login --email alice-$UNIQUE@example.com --password-stdin <wrong
//	stderr 'Unable to log in with provided credentials'
//
//	-- password --
//	correct-horse-battery-staple
//	-- wrong --
//	not-the-password
//
// # Comparing two servers
//
// `vsauth harness diff` (DiffFlows) runs each flow against two servers:
// two --server URLs, one and a fresh in-process compat server, or with none
// the compat and hardened profiles in-process. Each flow's CLI sends its
// requests through a recording transport (CLIEnv.HTTPClient); the
// exchanges stay in memory. Both transcripts are normalized (tokens to
// their header and claim names, otp_device_id set or not and exp − now;
// ids to their order of appearance; $UNIQUE, hosts, dates, TOTP secrets,
// codes, passwords, reset uids and tokens to placeholders) and compared in
// step. A difference API.md §7 lists as a defect of the original is
// labelled with its D-number and the walk goes on; the first other one is
// reported and ends it.
//
// # Go tests
//
// Run runs flows from a Go test, each flow a subtest, with the vsauth CLI
// in-process, an in-memory keyring and a fresh in-process server per flow:
//
//	func TestFlows(t *testing.T) { harness.Run(t, "testdata/flows") }
//
// It works from any module that requires github.com/virtualspaces/vsauth;
// RunFlows is the same for programs. For a server without flows, see
// github.com/virtualspaces/vsauth/server/vsauthtest.
package harness
