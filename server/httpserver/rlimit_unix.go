//go:build unix

package httpserver

import "syscall"

// openFileLimit is the soft RLIMIT_NOFILE, which Go's runtime has already
// raised to the hard limit at start-up.
func openFileLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, false
	}
	return uint64(r.Cur), true
}
