package harness_test

import (
	"testing"

	"github.com/virtualspaces/vsauth/harness"
	"github.com/virtualspaces/vsauth/server"
)

// TestFlows runs testdata/flows with the real CLI, in both profiles, so CI
// fails when a flow breaks. Each flow is a subtest that carries its
// redacted log when it fails.
func TestFlows(t *testing.T) {
	if testing.Short() {
		t.Skip("flows start a server each")
	}
	for _, profile := range []server.Profile{server.Compat, server.Hardened} {
		t.Run(string(profile), func(t *testing.T) {
			sum := harness.Run(t, "../testdata/flows", harness.WithProfile(profile))
			if len(sum.Cases) < 12 || sum.Passed != len(sum.Cases) {
				t.Errorf("%s, want all of the 12 or more flows of testdata/flows passed", harness.SummaryLine(sum))
			}
		})
	}
}
