package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// accountsDB holds alice (seedAccount: confirmed TOTP, 3 codes, 4 failed
// logins at 10:00), bob (nothing), carol (an unconfirmed TOTP device), dave
// (emergency codes only) and erin (an unconfirmed TOTP device and codes).
func accountsDB(t *testing.T, b backend) *DB {
	t.Helper()
	ctx := context.Background()
	s := b.open(t)
	seedAccount(t, s)
	for _, email := range []string{"bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com"} {
		mustCreateUser(t, s, email)
	}
	for _, id := range []int64{3, 5} {
		if _, _, err := s.CreateTOTPDeviceIfNone(ctx, newTOTP(id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{4, 5} {
		if _, err := s.ReplaceStaticTokens(ctx, id, []string{"dddddddd"}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// brief is an account in one line: id, two-step devices, codes, failures.
func brief(a Account) string {
	dev := func(ok bool, confirmed bool, n int) string {
		if !ok {
			return "-"
		}
		return fmt.Sprintf("%t/%d", confirmed, n)
	}
	var totp, static string
	if a.TOTP != nil {
		totp = dev(true, a.TOTP.Confirmed, a.TOTP.Throttle.FailureCount)
	} else {
		totp = dev(false, false, 0)
	}
	if a.Static != nil {
		static = dev(true, a.Static.Confirmed, a.Static.Throttle.FailureCount)
	} else {
		static = dev(false, false, 0)
	}
	last := "-"
	if a.LoginFailure.FailureTimestamp != nil {
		last = a.LoginFailure.FailureTimestamp.UTC().Format("15:04")
	}
	return fmt.Sprintf("%d %s totp=%s static=%s codes=%d logins=%d@%s", a.ID, a.Email, totp, static, a.Codes, a.LoginFailure.FailureCount, last)
}

func TestAccounts(t *testing.T) { eachStore(t, testAccounts) }

func testAccounts(t *testing.T, b backend) {
	ctx := context.Background()
	s := accountsDB(t, b)
	all := []string{
		"1 alice@example.com totp=true/2 static=true/1 codes=3 logins=4@10:00",
		"2 bob@example.com totp=- static=- codes=0 logins=0@-",
		"3 carol@example.com totp=false/0 static=- codes=0 logins=0@-",
		"4 dave@example.com totp=- static=true/0 codes=1 logins=0@-",
		"5 erin@example.com totp=false/0 static=true/0 codes=1 logins=0@-",
	}
	for _, tt := range []struct {
		name string
		f    AccountFilter
		want []string
	}{
		{"all", AccountFilter{}, all},
		{"one", AccountFilter{UserID: 3}, all[2:3]},
		{"off", AccountFilter{TwoStep: TwoStepOff}, all[1:2]},
		{"pending", AccountFilter{TwoStep: TwoStepPending}, []string{all[2], all[4]}},
		{"on", AccountFilter{TwoStep: TwoStepOn}, []string{all[0], all[3]}},
		{"failed since before", AccountFilter{FailedLoginSince: tm(t, "2026-11-25T09:59:59Z")}, all[:1]},
		{"failed since after", AccountFilter{FailedLoginSince: tm(t, "2026-11-25T10:00:00Z")}, nil},
		{"page", AccountFilter{AfterID: 1, Limit: 2}, all[1:3]},
		{"page of a filter", AccountFilter{TwoStep: TwoStepPending, AfterID: 3, Limit: 1}, all[4:5]},
	} {
		got, err := s.Accounts(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var lines []string
		for _, a := range got {
			lines = append(lines, brief(a))
		}
		if !reflect.DeepEqual(lines, tt.want) {
			t.Errorf("%s:\n%s\nwant\n%s", tt.name, strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
		}
	}
	got, err := s.Accounts(ctx, AccountFilter{UserID: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("alice: %v %v", got, err)
	}
	u, err := s.UserByID(ctx, 1)
	if err != nil || !reflect.DeepEqual(got[0].User, u) {
		t.Errorf("alice's user row = %+v, want %+v (%v)", got[0].User, u, err)
	}
	if _, err := s.Accounts(ctx, AccountFilter{TwoStep: "maybe"}); err == nil || err.Error() != `store: unknown two-step state "maybe"` {
		t.Errorf("unknown state: %v", err)
	}
}

// A resend queues the copy with its audit row, which names the original
// and the copy by their outbox ids.
func TestAdministerResend(t *testing.T) { eachStore(t, testAdministerResend) }

func testAdministerResend(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	seedAccount(t, s)
	orig, err := s.EnqueueMail(ctx, Mail{To: "alice@example.com", Subject: "Password reset", Raw: []byte("original")})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Administer(ctx, AdminRequest{Action: ActionResendMail, UserID: 1, At: tm(t, "2026-11-26T09:30:00Z"), Actor: "carol", ResendOf: orig.ID,
		Notice: &Mail{To: "alice@example.com", Subject: "Password reset", Raw: []byte("copy")}})
	if err != nil {
		t.Fatal(err)
	}
	mails, err := s.ListMail(ctx)
	if err != nil || len(mails) != 2 || string(mails[1].Raw) != "copy" {
		t.Fatalf("outbox = %+v, %v", mails, err)
	}
	if want := map[string]int{"resent_mail": int(orig.ID), "new_mail": int(mails[1].ID)}; !reflect.DeepEqual(e.Changes, want) || e.Action != ActionResendMail {
		t.Errorf("entry = %+v, want changes %v", e, want)
	}
}
