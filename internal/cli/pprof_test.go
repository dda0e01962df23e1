package cli

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestStartPprofLoopbackOnly(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		if stop, err := startPprof(addr, logger); err == nil {
			stop()
			t.Errorf("startPprof(%q) listened", addr)
		}
	}
	var log strings.Builder
	stop, err := startPprof("127.0.0.1:0", slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if !strings.Contains(log.String(), `msg="pprof listening" url=http://127.0.0.1:`) {
		t.Errorf("log: %s", log.String())
	}
}
