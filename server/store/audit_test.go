package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

const (
	secretNew = "12345678-1234-5678-1234-567812345678"
	secretRaw = "12345678123456781234567812345678"
)

// A user with everything support may have to undo: a confirmed TOTP device
// with 2 failures, an emergency-code device with 3 codes and 1 failure, and
// 4 failed logins.
func seedAccount(t *testing.T, s *SQLite) User {
	t.Helper()
	ctx := context.Background()
	u := mustCreateUser(t, s, "alice@example.com")
	d := newTOTP(u.ID)
	d.Confirmed = true
	dev, _, err := s.CreateTOTPDeviceIfNone(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := s.ReplaceStaticTokens(ctx, u.ID, []string{"aaaaaaaa", "bbbbbbbb", "cccccccc"})
	if err != nil {
		t.Fatal(err)
	}
	now := tm(t, "2026-11-25T10:00:00Z")
	for i := range 4 {
		errs := []error{failed(s.ClaimLoginAttempt(ctx, u.ID, now, allowAll))}
		if i < 2 {
			errs = append(errs, failed(s.ClaimTOTPAttempt(ctx, dev.ID, now, allowAll)))
		}
		if i < 1 {
			errs = append(errs, failed(s.ClaimStaticAttempt(ctx, sd.ID, now, allowAll)))
		}
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return u
}

// accountState is everything an admin action may touch, in one string.
func accountState(t *testing.T, s *SQLite) string {
	return rawString(t, s, `SELECT password || '|' || jwt_secret || '|' ||
		(SELECT count(*) FROM otp_totp_totpdevice) || '|' ||
		(SELECT count(*) FROM otp_static_staticdevice) || '|' ||
		(SELECT count(*) FROM otp_static_statictoken) || '|' ||
		(SELECT coalesce(sum(throttling_failure_count), 0) FROM otp_totp_totpdevice) || '|' ||
		(SELECT coalesce(sum(throttling_failure_count), 0) FROM otp_static_staticdevice) || '|' ||
		(SELECT coalesce(sum(failure_count), 0) FROM vsauth_login_throttle) || '|' ||
		(SELECT count(*) FROM vsauth_mail_outbox)
		FROM users WHERE id = 1`)
}

func TestAdminister(t *testing.T) { eachStore(t, testAdminister) }

func testAdminister(t *testing.T, b backend) {
	ctx := context.Background()
	at := tm(t, "2026-11-26T09:30:00Z")
	tests := []struct {
		name      string
		req       AdminRequest
		want      map[string]int
		wantState string // after: hash|secret|totp|static|codes|totp fails|static fails|login fails|mails
	}{
		{"reset two-step", AdminRequest{Action: ActionResetTwoStep, NewJWTSecret: secretNew},
			map[string]int{"emergency_codes_deleted": 3, "static_devices_deleted": 1, "totp_devices_deleted": 1, "sessions_revoked": 1},
			hashA + "|" + secretRaw + "|0|0|0|0|0|4|0"},
		{"clear throttle", AdminRequest{Action: ActionClearThrottle},
			map[string]int{"failed_logins_cleared": 4, "failed_codes_cleared": 3},
			hashA + "|2382347372be4f0eaad92059bca32fde|1|1|3|0|0|0|0"},
		{"revoke sessions, with a notice", AdminRequest{Action: ActionRevokeSessions, NewJWTSecret: secretNew, Notice: &Mail{To: "alice@example.com", Subject: "Your sessions were ended", Raw: []byte("x")}},
			map[string]int{"sessions_revoked": 1, "notice_queued": 1},
			hashA + "|" + secretRaw + "|1|1|3|2|1|4|1"},
		{"set password", AdminRequest{Action: ActionSetPassword, NewJWTSecret: secretNew, ExpectHash: hashA, NewHash: hashB},
			map[string]int{"password_set": 1, "sessions_revoked": 1, "failed_logins_cleared": 4},
			hashB + "|" + secretRaw + "|1|1|3|2|1|0|0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := b.open(t)
			seedAccount(t, s)
			before := accountState(t, s)
			req := tt.req
			req.UserID, req.At, req.Actor, req.Reason = 1, at, "carol@support-host", "ticket 42"

			dry := req
			dry.DryRun = true
			e, err := s.Administer(ctx, dry)
			if err != nil {
				t.Fatal(err)
			}
			if e.ID != 0 || !reflect.DeepEqual(e.Changes, tt.want) {
				t.Errorf("dry run = %+v, want changes %v", e, tt.want)
			}
			if got := accountState(t, s); got != before {
				t.Errorf("dry run changed %q to %q", before, got)
			}
			if n := count(t, s, `SELECT count(*) FROM vsauth_audit`); n != 0 {
				t.Errorf("dry run left %d audit rows", n)
			}

			e, err = s.Administer(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			// PostgreSQL's sequences do not roll back: the dry run before
			// took id 1 there.
			wantID := map[string]int64{"sqlite": 1, "postgres": 2}[b.name]
			want := AuditEntry{ID: wantID, At: at, Actor: "carol@support-host", Action: req.Action, UserID: 1, Email: "alice@example.com", Reason: "ticket 42", Changes: tt.want}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("entry = %+v\nwant    %+v", e, want)
			}
			if got := accountState(t, s); s.d == sqliteDialect && got != tt.wantState {
				t.Errorf("state = %q\nwant    %q", got, tt.wantState)
			}
			got, err := s.Audit(ctx, AuditFilter{UserID: 1})
			if err != nil || !reflect.DeepEqual(got, []AuditEntry{want}) {
				t.Errorf("Audit = %+v, %v", got, err)
			}
		})
	}
}

func TestAdministerRefusals(t *testing.T) { eachStore(t, testAdministerRefusals) }

func testAdministerRefusals(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	seedAccount(t, s)
	before := accountState(t, s)
	at := tm(t, "2026-11-26T09:30:00Z")
	for _, tt := range []struct {
		name    string
		req     AdminRequest
		wantErr string
		is      error
	}{
		{"unknown user", AdminRequest{Action: ActionClearThrottle, UserID: 9}, "store: not found: user 9", ErrNotFound},
		{"lost race", AdminRequest{Action: ActionSetPassword, UserID: 1, NewJWTSecret: secretNew, ExpectHash: hashB, NewHash: hashB}, "store: the account changed meanwhile", ErrChanged},
		{"no secret", AdminRequest{Action: ActionRevokeSessions, UserID: 1}, "store: revoke-sessions of user 1: a new jwt secret is required", nil},
		{"bad secret", AdminRequest{Action: ActionResetTwoStep, UserID: 1, NewJWTSecret: "nope"}, "store: reset-two-step of user 1: jwt secret: not a UUID", nil},
		{"unknown action", AdminRequest{Action: "drop-tables", UserID: 1}, `store: drop-tables of user 1: unknown action "drop-tables"`, nil},
		{"resend of nothing", AdminRequest{Action: ActionResendMail, UserID: 1}, "store: resend-mail of user 1: resend-mail needs the copy and the id of the original", nil},
	} {
		req := tt.req
		req.At, req.Actor = at, "carol"
		req.Notice = &Mail{To: "alice@example.com", Raw: []byte("x")}
		_, err := s.Administer(ctx, req)
		if err == nil || err.Error() != tt.wantErr || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	if got := accountState(t, s); got != before {
		t.Errorf("refusals changed %q to %q", before, got)
	}
	if n := count(t, s, `SELECT count(*) FROM vsauth_audit`); n != 0 {
		t.Errorf("refusals left %d audit rows", n)
	}
}

func TestAuditFilter(t *testing.T) { eachStore(t, testAuditFilter) }

func testAuditFilter(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	seedAccount(t, s)
	mustCreateUser(t, s, "bob@example.com")
	for i, req := range []AdminRequest{
		{Action: ActionClearThrottle, UserID: 1, At: tm(t, "2026-11-01T00:00:00Z")},
		{Action: ActionClearThrottle, UserID: 2, At: tm(t, "2026-11-02T00:00:00Z")},
		{Action: ActionRevokeSessions, UserID: 1, At: tm(t, "2026-11-03T00:00:00Z"), NewJWTSecret: secretNew},
	} {
		req.Actor = "carol"
		if e, err := s.Administer(ctx, req); err != nil || e.ID != int64(i+1) {
			t.Fatalf("entry %d: %+v, %v", i, e, err)
		}
	}
	ids := func(f AuditFilter) []int64 {
		es, err := s.Audit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	for _, tt := range []struct {
		f    AuditFilter
		want []int64
	}{
		{AuditFilter{}, []int64{1, 2, 3}},
		{AuditFilter{UserID: 1}, []int64{1, 3}},
		{AuditFilter{Since: tm(t, "2026-11-02T00:00:00Z")}, []int64{2, 3}},
		{AuditFilter{Limit: 2}, []int64{2, 3}},
		{AuditFilter{UserID: 2, Since: tm(t, "2026-11-03T00:00:00Z")}, nil},
	} {
		if got := ids(tt.f); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Audit(%+v) = %v, want %v", tt.f, got, tt.want)
		}
	}
	// The trail outlives the account.
	if err := s.DeleteUser(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got := ids(AuditFilter{UserID: 1}); !reflect.DeepEqual(got, []int64{1, 3}) {
		t.Errorf("after deletion: %v", got)
	}
}
