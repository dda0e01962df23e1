// Command bench measures a vsauth server from outside, as issues 12 and 17
// ask: it seeds a database in bulk (SQLite in a temporary directory; with
// VSAUTH_TEST_POSTGRES set, also a database of its own on that PostgreSQL
// server, dropped at the end), starts `vsauth server` on it as its own
// process on 127.0.0.1, loads it with vegeta and prints one table per store:
// requests per second and latencies per endpoint, as ratios over the intro
// page measured in the same run (and login and sign-up over the PBKDF2
// ceiling of the cores), and the server's memory afterwards.
//
//	go run ./bench                        # about a minute on 2 cores
//	go run ./bench -accounts 1000000      # the same table at a million accounts
//	go run ./bench -run 'intro|view' -pprof /tmp/prof
//	scripts/with-postgres.sh go run ./bench -store postgres
//
// Every request goes to loopback, every row ends after -duration, and the
// server is stopped at the end, on error and on Ctrl-C (and killed by the
// kernel if this process dies).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/virtualspaces/vsauth/internal/totp"
	"github.com/virtualspaces/vsauth/server/authtoken"
	"github.com/virtualspaces/vsauth/server/password"
)

type config struct {
	Duration   time.Duration
	Workers    int
	Rate       int
	Accounts   int64
	TOTPPool   int64
	Iterations int
	Ceiling    time.Duration
	Vsauth     string
	Run        *regexp.Regexp
	PprofDir   string
	Postgres   string
	Stores     map[string]bool
}

func main() {
	var cfg config
	var run string
	flag.DurationVar(&cfg.Duration, "duration", 4*time.Second, "how long each row loads the server")
	flag.IntVar(&cfg.Workers, "workers", 64, "concurrent requests (and connections) of the max-rate rows")
	flag.IntVar(&cfg.Rate, "rate", 3000, "requests per second of the fixed-rate latency row of the user view; 0 skips it")
	flag.Int64Var(&cfg.Accounts, "accounts", 10_000, "accounts seeded in SQL before the SQLite server starts")
	flag.Int64Var(&cfg.TOTPPool, "totp-pool", 20_000, "seeded accounts with a TOTP device (each valid code is used once)")
	flag.IntVar(&cfg.Iterations, "iterations", password.DefaultIterations, "the server's --password-iterations, and the seeded hashes'")
	flag.DurationVar(&cfg.Ceiling, "ceiling", 3*time.Second, "how long to measure the PBKDF2 ceiling")
	flag.StringVar(&cfg.Vsauth, "vsauth", "", "a vsauth binary to run (default: built from this module)")
	flag.StringVar(&run, "run", "", "only the rows whose key matches this regexp (keys: "+strings.Join(rowKeys, ", ")+"); intro always runs")
	stores := flag.String("store", "sqlite,postgres", "the stores to measure, comma-separated (postgres only with VSAUTH_TEST_POSTGRES set)")
	flag.StringVar(&cfg.PprofDir, "pprof", "", "write CPU and allocation profiles of the server during the user view row into this directory, and add allocations per request")
	flag.Parse()
	if flag.NArg() > 0 || cfg.Duration <= 0 || cfg.Workers < 1 || cfg.Rate < 0 || cfg.Accounts < 0 || cfg.TOTPPool < 0 || cfg.Iterations < 1 {
		fmt.Fprintln(os.Stderr, "bench: bad arguments (see -h)")
		os.Exit(2)
	}
	var err error
	if cfg.Run, err = regexp.Compile(run); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -run:", err)
		os.Exit(2)
	}
	cfg.Stores = map[string]bool{}
	for _, name := range strings.Split(*stores, ",") {
		if name != "sqlite" && name != "postgres" {
			fmt.Fprintf(os.Stderr, "bench: -store: %q is neither sqlite nor postgres\n", name)
			os.Exit(2)
		}
		cfg.Stores[name] = true
	}
	cfg.Postgres = os.Getenv("VSAUTH_TEST_POSTGRES")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = runBench(ctx, cfg, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var rowKeys = []string{"intro", "view", "view-rate", "login", "totp", "totp-wrong", "reset-known", "reset-unknown", "signup"}

// benchPassword is every benchmark account's password; it passes the
// validators.
const benchPassword = "Bench-pass-4821-xyz"

func runBench(ctx context.Context, cfg config, out, logw io.Writer) error {
	logf := func(format string, args ...any) { fmt.Fprintf(logw, format+"\n", args...) }
	tmp, err := os.MkdirTemp("", "vsauth-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := cfg.Vsauth
	if bin == "" {
		logf("building vsauth…")
		if bin, err = buildVsauth(ctx, tmp); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Machine: %d cores (%s), %s, %s/%s, load average %s before the run. Each row: %s, %d workers (login and sign-up: %d); vegeta runs on the same cores.\n\n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, loadAverage(), cfg.Duration, cfg.Workers, min(cfg.Workers, 4*runtime.NumCPU()))
	pool := min(cfg.TOTPPool, cfg.Accounts)
	plan := seedPlan{Accounts: cfg.Accounts, TOTP: pool, PasswordHash: password.Encode(benchPassword, "benchseed123", cfg.Iterations), Joined: time.Now()}
	if cfg.Stores["sqlite"] {
		dbPath := filepath.Join(tmp, "vsauth.db")
		start := time.Now()
		logf("seeding %d accounts (%d with a TOTP device) into %s…", cfg.Accounts, pool, dbPath)
		if err := seedSQLite(ctx, dbPath, plan); err != nil {
			return err
		}
		err = benchStore(ctx, cfg, out, logf, storeRun{
			Name: "SQLite", Bin: bin, DB: dbPath, Accounts: cfg.Accounts, TOTPPool: pool,
			Note: fmt.Sprintf("%d seeded accounts (%s to seed)", cfg.Accounts, time.Since(start).Round(100*time.Millisecond)),
		})
		if err != nil {
			return err
		}
	}
	if !cfg.Stores["postgres"] {
		return nil
	}
	if cfg.Postgres == "" {
		fmt.Fprintf(out, "PostgreSQL: skipped, VSAUTH_TEST_POSTGRES is not set (scripts/with-postgres.sh sets it).\n\n")
		return nil
	}
	return benchPostgres(ctx, cfg, out, logf, bin, plan)
}

// benchPostgres seeds a database of its own on VSAUTH_TEST_POSTGRES's
// server, measures a server on it and drops it.
func benchPostgres(ctx context.Context, cfg config, out io.Writer, logf func(string, ...any), bin string, plan seedPlan) (err error) {
	bdb, err := createBenchDatabase(ctx, cfg.Postgres, fmt.Sprintf("%d_%x", os.Getpid(), time.Now().UnixNano()&0xffffff))
	if err != nil {
		return err
	}
	defer func() {
		if derr := bdb.drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	start := time.Now()
	logf("seeding %d accounts (%d with a TOTP device) into %s…", plan.Accounts, plan.TOTP, redactURL(bdb.URL))
	if err := seedPostgres(ctx, bdb.URL, plan); err != nil {
		return err
	}
	err = benchStore(ctx, cfg, out, logf, storeRun{
		Name: "PostgreSQL", Bin: bin, DB: bdb.URL, Accounts: plan.Accounts, TOTPPool: plan.TOTP,
		Note: fmt.Sprintf("%d seeded accounts (%s to seed with COPY, then ANALYZE)", plan.Accounts, time.Since(start).Round(100*time.Millisecond)),
	})
	if errors.Is(err, errSkipped) {
		return nil
	}
	return err
}

// storeRun is one server to measure.
type storeRun struct {
	Name     string
	Bin      string
	DB       string // file path, or a postgres:// URL
	Accounts int64  // seeded population, 0 without
	TOTPPool int64
	Note     string
}

func benchStore(ctx context.Context, cfg config, out io.Writer, logf func(string, ...any), sr storeRun) error {
	isPG := strings.HasPrefix(sr.DB, "postgres")
	logf("starting vsauth server (%s)…", sr.Name)
	srv, err := startServer(ctx, sr.Bin, []string{"--db", sr.DB, "--password-iterations", fmt.Sprint(cfg.Iterations)}, nil, cfg.PprofDir != "", 60*time.Second)
	if err != nil {
		if isPG {
			// The URL may carry a password: it never reaches the output.
			msg := strings.ReplaceAll(err.Error(), sr.DB, redactURL(sr.DB))
			fmt.Fprintf(out, "%s: skipped, `vsauth server --db postgres://…` refused:\n%s\n\n", sr.Name, msg)
			return errSkipped
		}
		return err
	}
	defer srv.stop()

	api := &apiClient{base: srv.URL, http: &http.Client{Timeout: 30 * time.Second}}
	runID := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffff)
	viewEmail := "bench-" + runID + "-view@example.com"
	totpEmail := "bench-" + runID + "-totp@example.com"
	logf("creating the benchmark accounts through the API…")
	for _, e := range []string{viewEmail, totpEmail} {
		if err := api.signUp(ctx, e, benchPassword); err != nil {
			return err
		}
	}
	viewToken, err := api.login(ctx, viewEmail, benchPassword)
	if err != nil {
		return err
	}
	totpToken, err := api.login(ctx, totpEmail, benchPassword)
	if err != nil {
		return err
	}
	totpKey, err := api.enrolTOTP(ctx, totpToken)
	if err != nil {
		return err
	}

	jsonHdr := http.Header{"Content-Type": {"application/json"}}
	authHdr := func(tok string) http.Header { return http.Header{"Authorization": {"JWT " + tok}} }
	body := func(v any) []byte { b, _ := json.Marshal(v); return b }
	u := srv.URL
	// Rows bound by PBKDF2 need only enough requests in flight to keep
	// every core hashing; 64 would only queue for seconds past the row's end.
	pbkdf2Workers := min(cfg.Workers, 4*runtime.NumCPU())

	type row struct {
		key, name string
		expect    int
		rate      int
		ratioTo   string // "intro", "ceiling" or "rate"
		workers   int    // 0: -workers
		targeter  vegeta.Targeter
		skip      string
	}
	rows := []row{
		{key: "intro", name: "`GET /` (intro page, baseline)", expect: 200, ratioTo: "intro", targeter: staticTarget("GET", u+"/", nil, nil)},
		{key: "view", name: "`GET /api/user/view/`", expect: 200, ratioTo: "intro", targeter: staticTarget("GET", u+"/api/user/view/", nil, authHdr(viewToken))},
		{key: "view-rate", name: fmt.Sprintf("`GET /api/user/view/` at %d/s", cfg.Rate), expect: 200, rate: cfg.Rate, ratioTo: "rate",
			targeter: staticTarget("GET", u+"/api/user/view/", nil, authHdr(viewToken))},
		{key: "login", name: fmt.Sprintf("`POST /api/user/login/` (%d iterations)", cfg.Iterations), expect: 200, ratioTo: "ceiling", workers: pbkdf2Workers,
			targeter: staticTarget("POST", u+"/api/user/login/", body(map[string]string{"email": viewEmail, "password": benchPassword}), jsonHdr)},
		{key: "totp", name: "`POST /api/totp/login/<code>/` valid code", expect: 201, ratioTo: "intro", targeter: validTOTPTargeter(u, sr.TOTPPool)},
		{key: "totp-wrong", name: "`POST /api/totp/login/<code>/` wrong code", expect: 400, ratioTo: "intro", targeter: wrongTOTPTargeter(u, totpToken, totpKey)},
		{key: "reset-known", name: "`POST /api/user/password/reset/` known", expect: 204, ratioTo: "intro",
			targeter: resetTargeter(u, knownResetAddress(sr.Accounts, []string{viewEmail, totpEmail}))},
		{key: "reset-unknown", name: "`POST /api/user/password/reset/` unknown", expect: 204, ratioTo: "intro",
			targeter: resetTargeter(u, unknownResetAddress(sr.Accounts, isPG))},
		{key: "signup", name: fmt.Sprintf("`POST /api/user/create/` (%d iterations)", cfg.Iterations), expect: 201, ratioTo: "ceiling", workers: pbkdf2Workers,
			targeter: seqTarget(func(i uint64, t *vegeta.Target) error {
				t.Method, t.URL, t.Header = "POST", u+"/api/user/create/", jsonHdr
				t.Body = body(map[string]string{"email": fmt.Sprintf("signup-%s-%d@example.com", runID, i), "password": benchPassword})
				return nil
			})},
	}
	if cfg.Rate == 0 {
		rows[2].skip = "-rate 0"
	}
	if sr.TOTPPool == 0 {
		rows[4].skip = "needs seeded accounts with devices"
	}

	prof := profiler{base: srv.PprofURL, dir: cfg.PprofDir}
	header := []string{"endpoint", "req/s", "ratio", "p50", "p99", "max", "expected status"}
	if prof.on() {
		header = append(header, "allocs/req", "B/req")
	}
	table := [][]string{header}
	var intro, ceiling float64
	var notes []string
	var knownResets uint64
	for _, r := range rows {
		if r.key != "intro" && !cfg.Run.MatchString(r.key) {
			continue
		}
		if r.skip != "" {
			notes = append(notes, fmt.Sprintf("%s skipped: %s.", r.name, r.skip))
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if ceiling == 0 && r.ratioTo == "ceiling" {
			// Measured next to the rows it divides, with the server idle, so
			// that other work on the machine weighs on both alike.
			logf("measuring the PBKDF2 ceiling (%d goroutines, %d iterations, %s)…", runtime.NumCPU(), cfg.Iterations, cfg.Ceiling)
			ceiling = pbkdf2Ceiling(cfg.Iterations, runtime.NumCPU(), cfg.Ceiling)
		}
		logf("%s: %s…", sr.Name, r.key)
		before, _ := prof.memStats(ctx)
		var stopCPU func() error
		if r.key == "view" && prof.on() {
			stopCPU = prof.cpuAndAllocs(ctx, "view", cfg.Duration)
		}
		workers := cfg.Workers
		if r.workers > 0 {
			workers = r.workers
		}
		res := runLoad(ctx, loadSpec{Name: r.key, Expect: r.expect, Rate: r.rate, Workers: workers, Duration: cfg.Duration, Targeter: r.targeter})
		if stopCPU != nil {
			if err := stopCPU(); err != nil {
				notes = append(notes, "profile: "+err.Error())
			}
		}
		if err := srv.exited(); err != nil {
			return err
		}
		ps := res.PerSecond()
		ratio := "–"
		switch r.ratioTo {
		case "intro":
			if r.key == "intro" {
				intro = ps
			}
			ratio = fmtRatio(ps, intro)
		case "ceiling":
			ratio = fmtRatio(ps, ceiling)
		case "rate":
			ratio = fmtRatio(float64(res.Requests)/res.Elapsed.Seconds(), float64(r.rate))
		}
		if r.key == "reset-known" {
			knownResets = res.Expected
		}
		okShare := fmt.Sprintf("%d %.1f%%", r.expect, 100*float64(res.Expected)/float64(max(res.Requests, 1)))
		cells := []string{r.name, fmtRate(ps), ratio, fmtDur(res.P50), fmtDur(res.P99), fmtDur(res.Max), okShare}
		if prof.on() {
			after, err := prof.memStats(ctx)
			if err == nil && res.Requests > 0 {
				cells = append(cells, fmt.Sprintf("%.0f", float64(after.Mallocs-before.Mallocs)/float64(res.Requests)),
					fmtRate(float64(after.TotalAlloc-before.TotalAlloc)/float64(res.Requests)))
			}
		}
		table = append(table, cells)
		if len(res.Others) > 0 {
			notes = append(notes, fmt.Sprintf("%s: also %s.", r.name, othersString(res.Others)))
		}
		if res.Exhausted {
			notes = append(notes, fmt.Sprintf("%s: all %d one-time codes used before the end (%s of load).", r.name, sr.TOTPPool, res.Elapsed.Round(10*time.Millisecond)))
		}
	}
	mem, err := readMemStatus(srv.pid())
	srv.stop()

	fmt.Fprintf(out, "%s, %s, profile compat:\n\n%s\n", sr.Name, sr.Note, formatTable(table))
	if ceiling > 0 {
		fmt.Fprintf(out, "- PBKDF2 ceiling: %s hashes/s (%d goroutines × %d iterations in-process, server idle, just before the login row).\n",
			fmtRate(ceiling), runtime.NumCPU(), cfg.Iterations)
	}
	if err != nil {
		fmt.Fprintf(out, "- server memory: %v\n", err)
	} else {
		fmt.Fprintf(out, "- server memory after the run: VmRSS %s, VmHWM (peak) %s.\n", fmtMiB(mem.RSS), fmtMiB(mem.HWM))
	}
	if cfg.Run.MatchString("reset-known") {
		if n, err := countOutbox(ctx, sr.DB); err != nil {
			fmt.Fprintf(out, "- reset mails: %v\n", err)
		} else {
			verdict := "as expected"
			if uint64(n) != knownResets {
				verdict = "WRONG: every known-address request should queue exactly one"
			}
			fmt.Fprintf(out, "- reset mails queued: %d for %d answered known-address requests (%s).\n", n, knownResets, verdict)
		}
	}
	for _, n := range notes {
		fmt.Fprintln(out, "- "+n)
	}
	if prof.on() {
		fmt.Fprintf(out, "- profiles of the user view row in %s (go tool pprof -top %s).\n", prof.dir, filepath.Join(prof.dir, "view-cpu.pprof"))
	}
	fmt.Fprintln(out)
	return nil
}

// validTOTPTargeter sends each seeded device's current code once, with a
// first-factor token minted for its account (the seeded secrets are known):
// a code the server accepts, records and never takes again.
func validTOTPTargeter(base string, pool int64) vegeta.Targeter {
	return seqTarget(func(i uint64, t *vegeta.Target) error {
		n := int64(i) + 1
		if n > pool {
			return vegeta.ErrNoTargets
		}
		now := time.Now()
		code, err := totp.Code(seedKey(n), now, 6, 30)
		if err != nil {
			return err
		}
		tok := authtoken.Sign(authtoken.Claims{UserID: n, Username: seedEmail(n), Exp: now.Unix() + 900}, seedSecret(n))
		t.Method, t.URL, t.Header = "POST", base+"/api/totp/login/"+code+"/", http.Header{"Authorization": {"JWT " + tok}}
		return nil
	})
}

// wrongTOTPTargeter sends codes the account's device does not accept now.
func wrongTOTPTargeter(base, token, keyHex string) vegeta.Targeter {
	hdr := http.Header{"Authorization": {"JWT " + token}}
	return func(t *vegeta.Target) error {
		code, err := wrongCode(keyHex, time.Now())
		if err != nil {
			return err
		}
		t.Method, t.URL, t.Header = "POST", base+"/api/totp/login/"+code+"/", hdr
		return nil
	}
}

func resetTargeter(base string, addr func(i uint64) string) vegeta.Targeter {
	hdr := http.Header{"Content-Type": {"application/json"}}
	return seqTarget(func(i uint64, t *vegeta.Target) error {
		b, err := json.Marshal(map[string]string{"email": addr(i)})
		if err != nil {
			return err
		}
		t.Method, t.URL, t.Header, t.Body = "POST", base+"/api/user/password/reset/", hdr, b
		return nil
	})
}

// knownResetAddress spreads requests over the seeded accounts, spelled as
// stored, with ASCII letters upper-cased and lower-cased: each must reach
// exactly its account (SQLite's LIKE folds ASCII only, and so does the
// server). Without a population it uses the API-created accounts.
func knownResetAddress(accounts int64, fallback []string) func(uint64) string {
	return func(i uint64) string {
		var e string
		if accounts == 0 {
			e = fallback[i%uint64(len(fallback))]
		} else {
			e = seedEmail(1 + int64((i*7919+13)%uint64(accounts)))
		}
		switch i % 3 {
		case 1:
			return asciiCase(e, true)
		case 2:
			return asciiCase(e, false)
		}
		return e
	}
}

// unknownResetAddress alternates addresses that are nowhere with near
// misses of the seeded non-ASCII addresses that the store's fold must not
// match. SQLite's LIKE folds ASCII only: the address with its ü upper-cased.
// PostgreSQL's UPPER folds Ü too (unicodeFold), but neither normalizes: the
// address upper-cased with its ü decomposed (u and U+0308), which reads the
// same.
func unknownResetAddress(accounts int64, unicodeFold bool) func(uint64) string {
	return func(i uint64) string {
		if i%2 == 1 && accounts >= 3 {
			n := 3 + 10*int64((i*7919)%uint64(max(accounts/10, 1)))
			if n <= accounts {
				e := seedEmail(n)
				if unicodeFold {
					e = strings.ReplaceAll(e, "ü", "u\u0308")
				}
				return strings.ToUpper(e)
			}
		}
		return fmt.Sprintf("nobody%d@example.com", i)
	}
}

// asciiCase changes the case of ASCII letters only.
func asciiCase(s string, upper bool) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// redactURL hides the password of a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}
