package harness_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/virtualspaces/vsauth/harness"
)

// A flow signs up, reads the reset mail and asserts on JSON output, against
// its own in-process server with the vsauth CLI in-process: the zero
// Options need nothing else. In a Go test, harness.Run(t, dir) runs each
// flow as a subtest instead.
func ExampleRunFlows() {
	dir, err := os.MkdirTemp("", "flows")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	flow := `# Sign up and look at the account.
vsauth user create ann-$UNIQUE@example.com --password-stdin <password
vsauth login --email ann-$UNIQUE@example.com --password-stdin <password
vsauth user view --json
json email == ann-$UNIQUE@example.com
json profile.display_name == null
capture -json ID id

# Reset the password with the link from the mail.
vsauth password reset ann-$UNIQUE@example.com
mail ann-$UNIQUE@example.com
vsauth password reset-confirm $RESET_LINK --password-stdin <new

-- password --
correct-horse-battery-staple
-- new --
purple-monkey-dishwasher-42
`
	if err := os.WriteFile(filepath.Join(dir, "reset.txtar"), []byte(flow), 0o644); err != nil {
		panic(err)
	}
	sum, err := harness.RunFlows(context.Background(), []string{dir}, harness.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(harness.SummaryLine(sum))
	// Output:
	// 1 passed, 0 failed, 0 skipped
}
