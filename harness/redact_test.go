package harness_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/virtualspaces/vsauth/harness"
)

// TestRedactsEveryFormOfASecret captures a TOTP secret from JSON, prints it
// in every form a server or CLI might, and fails: no form may reach the
// log, the failure message, the text report or the JUnit file, while the
// non-secret captures (an id, a flag, an email) stay readable.
func TestRedactsEveryFormOfASecret(t *testing.T) {
	key := []byte("0123456789abcdef") // 16 bytes: base32 with padding
	plain := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	padded := base32.StdEncoding.EncodeToString(key)
	grouped := regexp.MustCompile(`(.{4})`).ReplaceAllString(plain, "$1 ")
	grouped = strings.TrimSpace(grouped)
	otpauth := "otpauth://totp/vsauth:a@b.example?secret=" + plain + "&issuer=vsauth"
	forms := []string{
		plain, padded, grouped, strings.ToLower(plain), strings.ToLower(grouped),
		strings.ToLower(padded), url.QueryEscape(otpauth), url.QueryEscape(padded),
		hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)),
	}
	var echoes strings.Builder
	for _, f := range forms {
		echoes.WriteString("vsauth echo '" + f + "'\n")
	}
	flow := `vsauth echo '{"id":12345,"otp_verified":true,"email":"ann@example.com","secret":"` + plain + `"}'
capture -json SECRET secret
capture -json ID id
capture -json VERIFIED otp_verified
capture -json EMAIL email
` + echoes.String() + `vsauth echo 'id='$ID' verified='$VERIFIED' email='$EMAIL
# A new phase: the failure report still shows the last command's output.
stdout 'not there'
`
	dir := writeFlows(t, map[string]string{"leak": flow})
	junit := filepath.Join(t.TempDir(), "out.xml")
	sum, out := run(t, []string{dir}, harness.Options{JUnit: junit, Verbose: true})
	if sum.Failed != 1 {
		t.Fatalf("summary = %+v\n%s", sum, out)
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	c := sum.Cases[0]
	for where, s := range map[string]string{"log": c.Log, "failure": c.Failure, "output": out, "junit": string(raw)} {
		for _, f := range forms {
			if strings.Contains(s, f) {
				t.Errorf("%s shows the secret as %q:\n%s", where, f, s)
			}
		}
	}
	for _, want := range []string{
		"captured ID = 12345\n", "captured VERIFIED = true\n", "captured EMAIL = ann@example.com\n",
		"captured SECRET (secret: redacted in reports)\n",
		"--- output of the last command: vsauth echo id=12345 verified=true email=ann@example.com\n[stdout]\nid=12345 verified=true email=ann@example.com\n[stderr]",
	} {
		if !strings.Contains(c.Log, want) {
			t.Errorf("log lacks %q:\n%s", want, c.Log)
		}
	}
	if n := strings.Count(c.Log, "[redacted:SECRET]"); n != len(forms)*2+2 {
		t.Errorf("log has %d [redacted:SECRET], want %d (each form in its command line and its output, and the JSON):\n%s", n, len(forms)*2+2, c.Log)
	}
}

// TestCaptureClassification: names, JSON fields and shapes that vsauth
// knows as secret are redacted, -plain and -secret override, and plain
// values are never redacted.
func TestCaptureClassification(t *testing.T) {
	flow := `vsauth echo '{"token":"abcd-efgh-1234","n":"998877","uid":"MQ","code":"123456"}'
capture -json T token
capture -json N n
capture -json MY_CODE n
capture -json C code
capture -json -plain SHOWN token
capture -json -secret HIDDEN n
vsauth echo eyJhbGciOiJIUzI1NiJ9.eyJ1IjoxfQ.sig-part
capture WHATEVER
stop
`
	dir := writeFlows(t, map[string]string{"classify": flow})
	var out bytes.Buffer
	sum, err := harness.RunFlows(context.Background(), []string{dir}, harness.Options{CLI: fakeCLI, Out: &out, Verbose: true})
	if err != nil || sum.Passed != 1 {
		t.Fatalf("%v %+v\n%s", err, sum, out.String())
	}
	log := sum.Cases[0].Log
	for _, want := range []string{
		"captured T (secret", "captured N = [redacted:", "captured MY_CODE (secret", "captured C (secret",
		"captured SHOWN = [redacted:T]", "captured HIDDEN (secret", "captured WHATEVER (secret",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "sig-part") || strings.Contains(log, "998877") || strings.Contains(log, "abcd-efgh-1234") {
		t.Errorf("a secret leaked:\n%s", log)
	}
}
