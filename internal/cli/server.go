package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/virtualspaces/vsauth/server"
	"github.com/virtualspaces/vsauth/server/httpserver"
	"github.com/virtualspaces/vsauth/server/mail"
	"github.com/virtualspaces/vsauth/server/password"
	"github.com/virtualspaces/vsauth/server/store"
)

type serverOptions struct {
	IO     IOStreams
	Getenv func(string) string

	Addr    string
	DB      string
	MailDir string
	SMTP    string
	// SMTPPassword is from VSAUTH_SMTP_PASSWORD or --smtp-password-file,
	// so that it need not be in the --smtp URL, which ps shows.
	SMTPPassword       string
	SecretKey          string
	AllowedHosts       []string
	PasswordIterations int
	Profile            server.Profile
	LoginLockMax       time.Duration
	// ResetMailLimit reset mails per ResetMailWindow per account (hardened);
	// negative: no limit, 0: the server's default.
	ResetMailLimit  int
	ResetMailWindow time.Duration
	// OutboxRetention is how long sent mail is kept; 0 keeps it forever.
	OutboxRetention time.Duration
	MaxBodyBytes    int64
	Limits          httpserver.Limits
	PprofAddr       string // hidden --pprof-addr; empty: off
	MetricsAddr     string // --metrics-addr; empty: off
	// Postgres tunes the pool when DB is a postgres:// URL.
	Postgres store.PostgresOptions

	LogLevel  slog.Level
	LogFormat string
	// SecretKeySource says where SecretKey came from ("flag", "env"; empty
	// when unset), for the start line.
	SecretKeySource string

	PublicURL          string
	TrustedProxies     []netip.Prefix
	ResetURL           string
	MailFrom, SiteName string

	// ready, when set, receives the base URL once the server listens (tests).
	ready func(baseURL string)
}

func newCmdServer(d Deps, runF func(context.Context, *serverOptions) error) *cobra.Command {
	opts := &serverOptions{IO: d.IO, Getenv: d.Getenv}
	v := viper.New()
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the Virtual Spaces auth API locally",
		Long: `Run the Virtual Spaces auth API, wire-compatible with the original Django backend.

Data lives in an embedded SQLite database (default: vsauth/vsauth.db in your data
directory, created on first run; --db :memory: for a throwaway server). Password
reset mail is stored in the database outbox (see 'vsauth mail'), written as .eml
files with --mail-dir, and delivered with --smtp.

Every flag can also be set as VSAUTH_<FLAG> in the environment, for example
VSAUTH_SECRET_KEY (prefer it to --secret-key, which other users can see in the
process list). Without a secret key one is generated once and kept in the database.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Addr = v.GetString("addr")
			opts.DB = v.GetString("db")
			opts.MailDir = v.GetString("mail-dir")
			opts.SMTP = v.GetString("smtp")
			if err := readSMTPPassword(opts, v.GetString("smtp-password-file")); err != nil {
				return err
			}
			opts.SecretKey = v.GetString("secret-key")
			opts.AllowedHosts = splitList(v.GetStringSlice("allowed-hosts"))
			opts.MaxBodyBytes = v.GetInt64("max-body-bytes")
			opts.PprofAddr, _ = c.Flags().GetString("pprof-addr")
			opts.MetricsAddr = v.GetString("metrics-addr")
			var err error
			if opts.Profile, err = parseProfile(v.GetString("profile")); err != nil {
				return err
			}
			if opts.PasswordIterations, err = parsePasswordIterations(v.GetString("password-iterations")); err != nil {
				return err
			}
			if opts.LoginLockMax, err = parseLoginLockMax(v.GetString("login-lock-max")); err != nil {
				return err
			}
			n, window, err := parseRateLimit(v.GetString("reset-mail-limit"))
			if err != nil {
				return usageErrorf("--reset-mail-limit %q: %v", v.GetString("reset-mail-limit"), err)
			}
			opts.ResetMailLimit, opts.ResetMailWindow = n, window
			if n == 0 {
				opts.ResetMailLimit = -1
			}
			retention := v.GetString("outbox-retention")
			if opts.OutboxRetention, err = time.ParseDuration(retention); err != nil || opts.OutboxRetention < 0 {
				return usageErrorf("--outbox-retention must be a duration like 168h, or 0 to keep mail forever, not %q", retention)
			}
			if opts.MaxBodyBytes < 1 {
				return usageErrorf("--max-body-bytes must be positive")
			}
			if opts.Limits, err = readLimits(v); err != nil {
				return err
			}
			maxConns, err := strconv.ParseInt(v.GetString("db-max-conns"), 10, 32)
			if err != nil || maxConns < 1 {
				return usageErrorf("--db-max-conns must be a positive number, not %q", v.GetString("db-max-conns"))
			}
			opts.Postgres.MaxConns = int32(maxConns)
			if opts.Postgres.ConnectTimeout, err = positiveDuration(v, "db-connect-timeout"); err != nil {
				return err
			}
			if opts.Postgres.StatementTimeout, err = positiveDuration(v, "db-statement-timeout"); err != nil {
				return err
			}
			if err := opts.LogLevel.UnmarshalText([]byte(v.GetString("log-level"))); err != nil {
				return usageErrorf("--log-level must be debug, info, warn or error, not %q", v.GetString("log-level"))
			}
			if opts.LogFormat = v.GetString("log-format"); opts.LogFormat != "text" && opts.LogFormat != "json" {
				return usageErrorf("--log-format must be text or json, not %q", opts.LogFormat)
			}
			switch {
			case c.Flags().Changed("secret-key"):
				opts.SecretKeySource = "flag"
			case opts.SecretKey != "":
				opts.SecretKeySource = "env"
			}
			opts.PublicURL = v.GetString("public-url")
			if opts.PublicURL != "" {
				if _, err := server.ParsePublicURL(opts.PublicURL); err != nil {
					return usageErrorf("--public-url %q must be a scheme and host, like https://auth.example.com", opts.PublicURL)
				}
			}
			if opts.TrustedProxies, err = parsePrefixes(splitList(v.GetStringSlice("trusted-proxies"))); err != nil {
				return usageErrorf("--trusted-proxies: %v", err)
			}
			opts.ResetURL = v.GetString("reset-url")
			if err := server.CheckResetURL(opts.ResetURL); err != nil {
				return usageErrorf("--reset-url %q must be an http(s) URL with {uid} and {token} once each", opts.ResetURL)
			}
			opts.MailFrom, opts.SiteName = v.GetString("mail-from"), v.GetString("site-name")
			if opts.MailFrom != "" {
				if _, err := netmail.ParseAddress(opts.MailFrom); err != nil {
					return usageErrorf("--mail-from %q is not an e-mail address", opts.MailFrom)
				}
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runServer(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.String("addr", "127.0.0.1:8000", "address to listen on")
	f.String("db", "", "SQLite database file, :memory:, or a postgres://user:password@host:port/db?sslmode=… URL (default: vsauth.db in the user data directory)")
	f.Int32("db-max-conns", store.DefaultPostgresMaxConns, "PostgreSQL: the most connections this server opens")
	f.Duration("db-connect-timeout", store.DefaultPostgresConnectTimeout, "PostgreSQL: how long to wait for a new connection")
	f.Duration("db-statement-timeout", store.DefaultPostgresStatementTimeout, "PostgreSQL: cancel a statement that runs longer")
	f.String("mail-dir", "", "also write every outgoing message as an .eml file in this directory")
	f.String("smtp", "", "deliver mail through this SMTP server: smtp://user@host:587 (STARTTLS required), smtps://user@host:465, smtp+insecure://127.0.0.1:25 (plain text)")
	f.String("smtp-password-file", "", "read the SMTP password from this file (or set VSAUTH_SMTP_PASSWORD)")
	f.String("secret-key", "", "the key of password-reset tokens (prefer VSAUTH_SECRET_KEY)")
	f.StringSlice("allowed-hosts", nil, "Host header values to accept, Django ALLOWED_HOSTS style (default localhost,127.0.0.1,[::1])")
	f.Int("password-iterations", password.DefaultIterations, "PBKDF2 iterations for new password hashes")
	f.String("profile", string(server.Compat), "compat (behave like the original) or hardened (also fix its security defects)")
	f.Duration("login-lock-max", server.DefaultLoginLockMax, "hardened: the longest that failed logins lock an account after the last one")
	f.String("reset-mail-limit", fmt.Sprintf("%d/%s", server.DefaultResetMailLimit, shortDuration(server.DefaultResetMailWindow)),
		"hardened profile: at most COUNT/DURATION password-reset mails per account; 0 for no limit")
	f.String("outbox-retention", shortDuration(defaultOutboxRetention), "delete sent mail from the outbox after this long (without --smtp: queued mail); 0 keeps it")
	f.Int64("max-body-bytes", server.DefaultMaxBodyBytes, "largest request body read; longer ones are answered 413")
	f.String("log-level", "info", "least important log records written: debug, info, warn or error")
	f.String("log-format", "text", "log records as text (key=value) or json, one per line")
	f.String("public-url", "", "scheme and host that links in answers and mail use (https://auth.example.com), whatever the request said")
	f.StringSlice("trusted-proxies", nil, "addresses or CIDRs of reverse proxies whose Forwarded and X-Forwarded-* headers are believed")
	f.String("reset-url", "", "password-reset link with {uid} and {token}, e.g. https://app.example.com/reset/{uid}/{token} (default: <public URL>/password/reset/confirm/{uid}/{token})")
	f.String("mail-from", "", "From address of the server's mail (default "+mail.DefaultFrom+")")
	f.String("site-name", "", "site name in reset mail (default: the host of the link)")
	f.String("metrics-addr", "", "serve Prometheus /metrics, /healthz and /readyz on this address (e.g. 127.0.0.1:9090); off by default")
	for _, name := range []string{"addr", "db", "mail-dir", "smtp", "smtp-password-file", "secret-key", "allowed-hosts", "password-iterations", "profile", "login-lock-max", "reset-mail-limit", "outbox-retention", "max-body-bytes", "db-max-conns", "db-connect-timeout", "db-statement-timeout",
		"log-level", "log-format", "public-url", "trusted-proxies", "reset-url", "mail-from", "site-name", "metrics-addr"} {
		_ = v.BindPFlag(name, f.Lookup(name))
		_ = v.BindEnv(name, envName(name))
	}
	addLimitFlags(cmd, v)
	f.String("pprof-addr", "", "serve net/http/pprof on this loopback address (for bench/)")
	_ = f.MarkHidden("pprof-addr")
	return cmd
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// readSMTPPassword fills opts.SMTPPassword from the file, else from
// VSAUTH_SMTP_PASSWORD. A file's final line break is not part of it.
func readSMTPPassword(opts *serverOptions, file string) error {
	env := opts.Getenv("VSAUTH_SMTP_PASSWORD")
	if file == "" {
		opts.SMTPPassword = env
		return nil
	}
	if env != "" {
		return usageErrorf("give the SMTP password once: VSAUTH_SMTP_PASSWORD or --smtp-password-file")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading the SMTP password: %w", err)
	}
	opts.SMTPPassword = strings.TrimRight(string(b), "\r\n")
	if opts.SMTPPassword == "" {
		return usageErrorf("--smtp-password-file %s is empty", file)
	}
	return nil
}

// parsePrefixes reads CIDRs; a bare address is a single-address prefix.
func parsePrefixes(in []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range in {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR (like 10.0.0.0/8 or ::1)", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func runServer(ctx context.Context, opts *serverOptions) error {
	logger := newLogger(opts.IO.ErrOut, opts.LogFormat, opts.LogLevel)
	st, dbPath, err := openDBWith(ctx, opts.DB, opts.Getenv, dbCreate, opts.Postgres)
	if err != nil {
		return err
	}
	defer st.Close()

	secret, secretSource := opts.SecretKey, opts.SecretKeySource
	if secret == "" {
		secret, err = st.SecretKey(ctx, newSecretKey)
		if err != nil {
			return err
		}
		secretSource = "database"
	}

	var notify func()
	var deliverer *mail.Deliverer
	mailTarget := "outbox only (read it with 'vsauth mail')"
	if opts.SMTP != "" {
		cfg, err := mail.ParseSMTPURL(opts.SMTP)
		if err != nil {
			return usageError{err}
		}
		if opts.SMTPPassword != "" {
			if cfg.Username == "" {
				return usageErrorf("an SMTP password is set but --smtp names no user (smtp://USER@host)")
			}
			if cfg.Password != "" {
				return usageErrorf("the SMTP password is given twice: in the --smtp URL and in VSAUTH_SMTP_PASSWORD or --smtp-password-file")
			}
			cfg.Password = opts.SMTPPassword
		}
		mailTarget = cfg.String() // the password as xxxxx
		deliverer = mail.NewDeliverer(st, cfg.Sender(), mail.DelivererOptions{Logger: logger})
		notify = deliverer.Kick
	}
	outbox := mail.NewOutbox(st, mail.OutboxOptions{Dir: opts.MailDir, Logger: logger, Notify: notify})

	var counts server.Metrics
	if opts.MetricsAddr != "" {
		m, stopMetrics, err := startMetrics(opts.MetricsAddr, st, logger)
		if err != nil {
			return err
		}
		defer stopMetrics()
		counts = m
	}

	srv, err := server.New(server.Config{
		Store:              st,
		Mailer:             outbox,
		SecretKey:          secret,
		Profile:            opts.Profile,
		AllowedHosts:       opts.AllowedHosts,
		PasswordIterations: opts.PasswordIterations,
		LoginLockMax:       opts.LoginLockMax,
		ResetMailLimit:     opts.ResetMailLimit,
		ResetMailWindow:    opts.ResetMailWindow,
		MaxBodyBytes:       opts.MaxBodyBytes,
		PublicURL:          opts.PublicURL,
		TrustedProxies:     opts.TrustedProxies,
		ResetURL:           opts.ResetURL,
		MailFrom:           opts.MailFrom,
		SiteName:           opts.SiteName,
		Clock:              time.Now,
		Rand:               rand.Reader,
		Logger:             logger,
		Metrics:            counts,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", opts.Addr, err)
	}
	limits := opts.Limits.WithDefaults()
	hs, ln := httpserver.New(srv, ln, limits, slog.NewLogLogger(logger.Handler(), slog.LevelWarn))

	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if deliverer != nil {
		go deliverer.Run(runCtx)
	}
	window := opts.ResetMailWindow
	if window <= 0 {
		window = server.DefaultResetMailWindow
	}
	// A first pass before serving, so that a server started on an old
	// database does not hold a week's mail more than it should.
	p := pruner{st: st, clock: time.Now, logger: logger, retention: opts.OutboxRetention, undelivered: deliverer == nil, resetWindow: window}
	p.pruneOnce(ctx)
	pruned := make(chan struct{})
	go func() {
		defer close(pruned)
		p.run(runCtx, pruneInterval)
	}()
	// The pruner stops before the deferred Close of the store.
	defer func() { cancel(); <-pruned }()
	if opts.PprofAddr != "" {
		stopPprof, err := startPprof(opts.PprofAddr, logger)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopPprof()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	base := "http://" + ln.Addr().String()
	logger.Info("connection limits", "max_conns", limits.MaxConns, "read_header_timeout", limits.ReadHeaderTimeout,
		"read_timeout", limits.ReadTimeout, "write_timeout", limits.WriteTimeout, "idle_timeout", limits.IdleTimeout,
		"max_header_bytes", limits.MaxHeaderBytes)
	if opts.MailDir != "" {
		mailTarget += ", .eml files in " + opts.MailDir
	}
	hosts := opts.AllowedHosts
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "[::1]"}
	}
	proxies := make([]string, len(opts.TrustedProxies))
	for i, p := range opts.TrustedProxies {
		proxies[i] = p.String()
	}
	logger.Info("vsauth server ready", "url", base, "version", version, "profile", string(opts.Profile),
		"store", "sqlite "+dbPath, "mail", mailTarget, "allowed_hosts", strings.Join(hosts, ","),
		"public_url", opts.PublicURL, "trusted_proxies", strings.Join(proxies, ","), "secret_key", secretSource)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && len(opts.AllowedHosts) == 0 {
		logger.Warn("only requests for localhost, 127.0.0.1 and [::1] are answered; name this machine's host names with --allowed-hosts")
	}
	if opts.ready != nil {
		opts.ready(base)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	shutCtx, cancelShut := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelShut()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	srv.Wait()
	return nil
}

// newLogger writes records of level and above to w as text or JSON.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	o := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// newSecretKey draws a 50-character key like Django's get_random_secret_key.
func newSecretKey() (string, error) {
	b := make([]byte, 38)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
