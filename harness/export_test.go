package harness

import "time"

// SetMailWaits shortens the mail command's waits on a mail directory for a
// test; the returned function restores them.
func SetMailWaits(wait, settle time.Duration) (restore func()) {
	w, s := mailWait, mailSettle
	mailWait, mailSettle = wait, settle
	return func() { mailWait, mailSettle = w, s }
}
