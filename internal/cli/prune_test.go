package cli

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtualspaces/vsauth/server/store"
)

func TestParseRateLimit(t *testing.T) {
	for _, tt := range []struct {
		in     string
		n      int
		window time.Duration
		err    string
	}{
		{"3/1h", 3, time.Hour, ""},
		{" 10/30m ", 10, 30 * time.Minute, ""},
		{"1/1h30m", 1, 90 * time.Minute, ""},
		{"0", 0, 0, ""},
		{"0/1h", 0, 0, ""},
		{"3", 0, 0, "want COUNT/DURATION, for example 3/1h, or 0 for no limit"},
		{"", 0, 0, "want COUNT/DURATION, for example 3/1h, or 0 for no limit"},
		{"-1/1h", 0, 0, "the count before / must be a whole number, 0 or more"},
		{"x/1h", 0, 0, "the count before / must be a whole number, 0 or more"},
		{"3/0s", 0, 0, "the duration after / must be positive, like 1h or 30m"},
		{"3/-1h", 0, 0, "the duration after / must be positive, like 1h or 30m"},
		{"3/1d", 0, 0, "the duration after / must be positive, like 1h or 30m"},
	} {
		n, window, err := parseRateLimit(tt.in)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if n != tt.n || window != tt.window || got != tt.err {
			t.Errorf("parseRateLimit(%q) = %d, %v, %q; want %d, %v, %q", tt.in, n, window, got, tt.n, tt.window, tt.err)
		}
	}
}

func TestServerMailLimitFlags(t *testing.T) {
	parse := func(env map[string]string, args ...string) (*serverOptions, error) {
		t.Helper()
		return parseServerFlags(t, env, args...)
	}
	o, err := parse(nil)
	if err != nil || o.ResetMailLimit != 3 || o.ResetMailWindow != time.Hour || o.OutboxRetention != 7*24*time.Hour {
		t.Errorf("defaults: limit %d/%v, retention %v, %v", o.ResetMailLimit, o.ResetMailWindow, o.OutboxRetention, err)
	}
	o, err = parse(nil, "--reset-mail-limit", "5/10m", "--outbox-retention", "0")
	if err != nil || o.ResetMailLimit != 5 || o.ResetMailWindow != 10*time.Minute || o.OutboxRetention != 0 {
		t.Errorf("flags: limit %d/%v, retention %v, %v", o.ResetMailLimit, o.ResetMailWindow, o.OutboxRetention, err)
	}
	for args, want := range map[[2]string]string{
		{"--reset-mail-limit", "3"}:     `--reset-mail-limit "3": want COUNT/DURATION, for example 3/1h, or 0 for no limit`,
		{"--outbox-retention", "7d"}:    `--outbox-retention must be a duration like 168h, or 0 to keep mail forever, not "7d"`,
		{"--outbox-retention", "-168h"}: `--outbox-retention must be a duration like 168h, or 0 to keep mail forever, not "-168h"`,
	} {
		var ue usageError
		if _, err := parse(nil, args[0], args[1]); !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%v: %v; want the usage error %q", args, err, want)
		}
	}
	o, err = parse(map[string]string{"VSAUTH_RESET_MAIL_LIMIT": "0", "VSAUTH_OUTBOX_RETENTION": "24h"})
	if err != nil || o.ResetMailLimit != -1 || o.OutboxRetention != 24*time.Hour {
		t.Errorf("environment: limit %d, retention %v, %v", o.ResetMailLimit, o.OutboxRetention, err)
	}
}

func TestPruneOnce(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "vsauth.db")
	st, err := store.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	for _, m := range []struct {
		to   string
		age  time.Duration
		sent bool
	}{
		{"old-sent@example.com", week + time.Hour, true},
		{"old-pending@example.com", week + time.Hour, false},
		{"new-sent@example.com", time.Hour, true},
		{"new-pending@example.com", time.Hour, false},
	} {
		stored, err := st.EnqueueMail(ctx, store.Mail{CreatedAt: now.Add(-m.age), From: "webmaster@localhost", To: m.to, Subject: "Password reset", Raw: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		if m.sent {
			if err := st.MarkMailSent(ctx, stored.ID, now.Add(-m.age)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var logs bytes.Buffer
	p := pruner{st: st, clock: func() time.Time { return now }, logger: slog.New(slog.NewTextHandler(&logs, nil)), retention: week, resetWindow: time.Hour}

	list := func() string {
		t.Helper()
		code, out, errOut := run(t, "", nil, "mail", "list", "--db", db, "--json")
		if code != 0 {
			t.Fatalf("mail list: %d %s", code, errOut)
		}
		var to []string
		for _, line := range strings.Split(out, "\n") {
			if _, addr, ok := strings.Cut(line, `"to": "`); ok {
				to = append(to, strings.TrimSuffix(addr, `",`))
			}
		}
		return strings.Join(to, " ")
	}
	p.pruneOnce(ctx)
	if got := list(); got != "old-pending@example.com new-sent@example.com new-pending@example.com" {
		t.Fatalf("after pruning with SMTP: %s", got)
	}
	if !strings.Contains(logs.String(), "msg=\"pruned the mail outbox\" deleted=1 retention=168h0m0s") {
		t.Errorf("logs: %s", logs.String())
	}
	code, out, _ := run(t, "", nil, "mail", "show", "--db", db, "--to", "new-sent@example.com", "--raw")
	if code != 0 || out != "x" {
		t.Errorf("mail show after pruning: %d %q", code, out)
	}

	p.undelivered = true
	p.pruneOnce(ctx)
	if got := list(); got != "new-sent@example.com new-pending@example.com" {
		t.Fatalf("after pruning without SMTP: %s", got)
	}

	p.retention = 0 // keep forever
	p.clock = func() time.Time { return now.Add(100 * week) }
	p.pruneOnce(ctx)
	if got := list(); got != "new-sent@example.com new-pending@example.com" {
		t.Fatalf("retention 0 deleted mail: %s", got)
	}
}

// TestServerPrunesAtStart: `vsauth server --outbox-retention` deletes the
// mail past the retention before it serves, and keeps the rest.
func TestServerPrunesAtStart(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "vsauth.db")
	st, err := store.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, age := range []time.Duration{48 * time.Hour, time.Hour} {
		if _, err := st.EnqueueMail(ctx, store.Mail{CreatedAt: now.Add(-age), From: "webmaster@localhost", To: age.String() + "@example.com", Subject: "s", Raw: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	startServerWith(t, func(o *serverOptions) { o.DB, o.OutboxRetention = db, 24*time.Hour })
	code, out, errOut := run(t, "", nil, "mail", "list", "--db", db)
	if code != 0 || strings.Contains(out, "48h0m0s@example.com") || !strings.Contains(out, "1h0m0s@example.com") {
		t.Fatalf("mail list after start: %d %q %q", code, out, errOut)
	}
}
