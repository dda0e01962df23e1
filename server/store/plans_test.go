package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Issue 17: no per-request cost may grow with the number of accounts. The
// test below runs every store method the server calls while answering a
// request (and the support lookups and the outbox's deliverer) through a
// driver that records each statement with its arguments, then asks the
// database for the plan of each and fails on any scan of a table.

// recorder keeps the statements run through a recConn, first arguments
// only.
type recorder struct {
	mu    sync.Mutex
	order []string
	args  map[string][]driver.NamedValue
}

func (r *recorder) add(query string, args []driver.NamedValue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.args[query]; !ok {
		r.order = append(r.order, query)
		r.args[query] = args
	}
}

type recConnector struct {
	inner driver.Connector
	rec   *recorder
}

func (c recConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &recConn{Conn: conn, rec: c.rec}, nil
}

func (c recConnector) Driver() driver.Driver { return c.inner.Driver() }

// dsnConnector is a driver.Connector for a driver without one.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// recConn records what goes through ExecContext and QueryContext; both
// drivers implement them, so database/sql prepares nothing itself.
type recConn struct {
	driver.Conn
	rec *recorder
}

func (c *recConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.rec.add(query, args)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *recConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.rec.add(query, args)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *recConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *recConn) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (c *recConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// recordingStore is a store on the same database as s whose statements rec
// records.
func recordingStore(t *testing.T, s *DB, name string) (*DB, *recorder) {
	t.Helper()
	rec := &recorder{args: map[string][]driver.NamedValue{}}
	var inner driver.Connector
	if s.d == sqliteDialect {
		inner = dsnConnector{drv: s.db.Driver(), dsn: dsn(name, false)}
	} else {
		cfg, err := pgxpool.ParseConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC" // as OpenPostgres
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		inner = stdlib.GetPoolConnector(pool)
	}
	db := sql.OpenDB(recConnector{inner: inner, rec: rec})
	t.Cleanup(func() { db.Close() })
	r := &DB{db: db, d: s.d}
	if s.d == sqliteDialect {
		r.writeSem = make(chan struct{}, 1)
	} else {
		db.SetMaxIdleConns(0) // the pool keeps them
	}
	return r, rec
}

// perRequestWork calls every store method that a request, the outbox's
// deliverer or a support lookup of one account makes, in an order that
// takes each through its main branches.
func perRequestWork(t *testing.T, s *DB) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	u, err := s.CreateUser(ctx, newUser(t, "Plan@Example.com"))
	check("CreateUser", err)
	_, err = s.CreateUser(ctx, newUser(t, "Plan@Example.com"))
	if err != ErrDuplicateEmail {
		t.Fatalf("CreateUser twice: %v", err)
	}
	_, err = s.UserByID(ctx, u.ID)
	check("UserByID", err)
	// Every authenticated request's one read (with and without a device).
	_, err = s.AuthUser(ctx, u.ID, nil)
	check("AuthUser", err)
	_, err = s.AuthUser(ctx, u.ID, &DeviceRef{ID: 1})
	check("AuthUser with a TOTP device", err)
	_, err = s.AuthUser(ctx, u.ID, &DeviceRef{Static: true, ID: 1})
	check("AuthUser with a static device", err)
	_, err = s.UserByEmail(ctx, "Plan@Example.com")
	check("UserByEmail", err)
	got, err := s.UsersByEmailFold(ctx, "PLAN@example.COM")
	check("UsersByEmailFold", err)
	if len(got) != 1 {
		t.Fatalf("UsersByEmailFold: %d users", len(got))
	}
	_, err = s.UpdatePassword(ctx, u.ID, PasswordUpdate{ExpectHash: hashA, NewHash: hashB, LastLogin: &now, NewJWTSecret: secretB})
	check("UpdatePassword", err)
	check("SetJWTSecret", s.SetJWTSecret(ctx, u.ID, secretA))
	_, err = s.Profile(ctx, u.ID)
	check("Profile", err)
	_, err = s.UpdateProfile(ctx, u.ID, ProfileUpdate{SetDisplayName: true, DisplayName: strp("P"), SetAbout: true, About: strp("a")})
	check("UpdateProfile", err)

	dev, _, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID))
	check("CreateTOTPDeviceIfNone", err)
	_, _, err = s.CreateTOTPDeviceIfNone(ctx, newTOTP(u.ID))
	check("CreateTOTPDeviceIfNone again", err)
	_, err = s.TOTPDevice(ctx, dev.ID)
	check("TOTPDevice", err)
	_, err = s.FirstTOTPDevice(ctx, u.ID)
	check("FirstTOTPDevice", err)
	_, err = s.ClaimTOTPAttempt(ctx, dev.ID, now, allowAll)
	check("ClaimTOTPAttempt", err)
	_, err = s.RecordTOTPSuccess(ctx, dev, 100, 0)
	check("RecordTOTPSuccess", err)
	st, err := s.ReplaceStaticTokens(ctx, u.ID, []string{"abc123", "def456"})
	check("ReplaceStaticTokens", err)
	_, err = s.ReplaceStaticTokens(ctx, u.ID, []string{"abc123", "def456"})
	check("ReplaceStaticTokens again", err)
	_, err = s.StaticDevice(ctx, st.ID)
	check("StaticDevice", err)
	_, err = s.FirstStaticDevice(ctx, u.ID)
	check("FirstStaticDevice", err)
	_, err = s.StaticTokens(ctx, st.ID)
	check("StaticTokens", err)
	_, err = s.ClaimStaticAttempt(ctx, st.ID, now, allowAll)
	check("ClaimStaticAttempt", err)
	_, err = s.UseStaticToken(ctx, st.ID, "abc123")
	check("UseStaticToken", err)
	_, err = s.HasConfirmedDevice(ctx, u.ID)
	check("HasConfirmedDevice", err)
	check("DeleteDevices confirmed", s.DeleteDevices(ctx, u.ID, true, secretB))
	check("DeleteDevices", s.DeleteDevices(ctx, u.ID, false, ""))

	_, err = s.ClaimLoginAttempt(ctx, u.ID, now, allowAll)
	check("ClaimLoginAttempt", err)
	_, err = s.LoginThrottle(ctx, u.ID)
	check("LoginThrottle", err)
	check("ResetLoginThrottle", s.ResetLoginThrottle(ctx, u.ID))
	_, err = s.CountResetMail(ctx, u.ID, now, time.Hour, 3)
	check("CountResetMail", err)
	_, err = s.CountResetMail(ctx, u.ID, now, time.Hour, 3)
	check("CountResetMail again", err)

	m, err := s.EnqueueMail(ctx, Mail{CreatedAt: now, From: "a@example.com", To: "b@example.com", Subject: "s", Raw: []byte("x")})
	check("EnqueueMail", err)
	_, err = s.ClaimMail(ctx, now, now.Add(time.Minute), 10)
	check("ClaimMail", err)
	check("MarkMailFailed", s.MarkMailFailed(ctx, m.ID, "e", now))
	check("MarkMailSent", s.MarkMailSent(ctx, m.ID, now))
	_, err = s.MailBacklog(ctx)
	check("MailBacklog", err)
	_, err = s.PruneMail(ctx, now, true)
	check("PruneMail", err)
	_, err = s.PruneResetMailCounts(ctx, now)
	check("PruneResetMailCounts", err)

	_, err = s.Accounts(ctx, AccountFilter{UserID: u.ID})
	check("Accounts", err)
	_, err = s.Administer(ctx, AdminRequest{Action: ActionClearThrottle, UserID: u.ID, At: now, Actor: "t", Reason: "r"})
	check("Administer", err)
	_, err = s.Audit(ctx, AuditFilter{UserID: u.ID})
	check("Audit", err)
	check("DeleteUser", s.DeleteUser(ctx, u.ID))
}

// boundedScans are the statements allowed to read a range without a
// condition on an index, with why their cost does not follow the number of
// accounts.
var boundedScans = map[string]string{
	`SELECT id FROM vsauth_mail_outbox WHERE sent_at IS NULL AND (next_attempt IS NULL OR next_attempt <= $2) ORDER BY id LIMIT $3`: "the deliverer reads the undelivered messages (partial index), as many as it is behind",
	`SELECT count(*) FROM vsauth_mail_outbox WHERE sent_at IS NULL`:                                                                 "the metrics count the undelivered messages (partial index)",
	pruneAllMail: "the pruner, every 10 minutes; PostgreSQL may read the undelivered messages whole (partial index), at most the retention's worth",
	`DELETE FROM vsauth_reset_mail_limit WHERE window_start <= $1`: "the pruner, every 10 minutes, reads the accounts mailed since its last run",
}

// schemaQuery reports the statements that read the schema (which foreign
// keys reference users), whose cost is the number of tables.
func schemaQuery(q string) bool {
	return strings.Contains(q, "pragma_foreign_key_list") || strings.Contains(q, "pg_constraint")
}

// explain returns the plan of query with args, one node or line per string,
// as db (a *sql.DB or *sql.Conn) of dialect d plans it.
func explain(t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, d *dialect, query string, args ...any) []string {
	t.Helper()
	prefix := "EXPLAIN (COSTS OFF) "
	if d == sqliteDialect {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.QueryContext(context.Background(), prefix+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		dest := make([]any, len(cols))
		var line string
		for i := range dest {
			dest[i] = new(any)
		}
		dest[len(cols)-1] = &line // SQLite's detail; PostgreSQL's only column
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

var (
	// SQLite: "SCAN users", "SCAN users USING INDEX …": every row of a
	// table or index; "SCAN CONSTANT ROW" is a VALUES row.
	sqliteScan = regexp.MustCompile(`^SCAN (?:[^C]|C[^O])`)
	pgNode     = regexp.MustCompile(`^\s*(?:->\s*)?([A-Z][A-Za-z ]+?)(?: on | using |$)`)
)

// scans returns the lines of plan that read a whole table or index:
// SQLite's SCAN of a table; PostgreSQL's Seq Scan, and an index scan without
// an Index Cond (with enable_seqscan off, the planner walks a whole index
// to avoid a Seq Scan when no index fits).
func scans(d *dialect, plan []string) []string {
	var bad []string
	if d == sqliteDialect {
		for _, l := range plan {
			if sqliteScan.MatchString(strings.TrimSpace(l)) {
				bad = append(bad, l)
			}
		}
		return bad
	}
	for i, l := range plan {
		m := pgNode.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		switch node := m[1]; node {
		case "Seq Scan":
			bad = append(bad, l)
		case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
			cond := false
			for _, p := range plan[i+1:] {
				if pgNode.MatchString(p) && !strings.Contains(p, ":") {
					break // the next node
				}
				cond = cond || strings.Contains(p, "Index Cond:")
			}
			if !cond {
				bad = append(bad, l)
			}
		}
	}
	return bad
}

func TestPerRequestQueriesUseIndexes(t *testing.T) {
	eachStore(t, func(t *testing.T, b backend) {
		var (
			s    *DB
			name string // the SQLite file, the PostgreSQL URL
		)
		if b.name == sqliteBackend.name {
			s, name = openTemp(t)
		} else {
			name = newTestSchema(t)
			s = openPostgresTest(t, name)
		}
		rs, rec := recordingStore(t, s, name)
		perRequestWork(t, rs)

		ctx := context.Background()
		conn, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if s.d == postgresDialect {
			// The tables are nearly empty: without this the planner rightly
			// prefers reading them whole, and the plans say nothing about a
			// million rows. A Seq Scan that remains has no index to use.
			if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
				t.Fatal(err)
			}
		}
		// The checker itself: a lookup the indexes do not serve is caught.
		unindexed := `SELECT id FROM users WHERE upper(email) = upper($1)`
		if s.d == postgresDialect {
			unindexed = `SELECT id FROM users WHERE lower(email) = lower($1)`
		}
		if plan := explain(t, conn, s.d, unindexed, "x"); len(scans(s.d, plan)) == 0 {
			t.Fatalf("the checker missed the scan of %s: %q", unindexed, plan)
		}

		rec.mu.Lock()
		defer rec.mu.Unlock()
		if len(rec.order) < 40 {
			t.Fatalf("only %d statements recorded: %q", len(rec.order), rec.order)
		}
		for _, want := range []string{s.d.users.emailFold, s.d.users.byEmail, s.d.users.auth} {
			if _, ok := rec.args[want]; !ok {
				t.Errorf("not recorded: %s", want)
			}
		}
		var report []string
		for _, q := range rec.order {
			if schemaQuery(q) {
				continue
			}
			vals := make([]any, len(rec.args[q]))
			for i, a := range rec.args[q] {
				vals[i] = a.Value
			}
			plan := explain(t, conn, s.d, q, vals...)
			t.Logf("%s\n  %s", q, strings.Join(plan, "\n  "))
			bad := scans(s.d, plan)
			allowed := false
			for a := range boundedScans {
				allowed = allowed || strings.Contains(q, a)
			}
			switch {
			case len(bad) > 0 && !allowed:
				report = append(report, fmt.Sprintf("%s\n  scans: %q\n  plan: %q", q, bad, plan))
			case len(bad) == 0 && s.d == postgresDialect && strings.Contains(q, "WHERE") && !strings.Contains(strings.Join(plan, "\n"), "Index"):
				report = append(report, fmt.Sprintf("%s\n  no index in the plan: %q", q, plan))
			}
		}
		sort.Strings(report)
		for _, r := range report {
			t.Error(r)
		}
	})
}
