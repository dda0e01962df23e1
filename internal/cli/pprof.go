package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves net/http/pprof on addr for profiling the server under
// load (the bench tool's -pprof). Profiles show code paths and timings, so
// it listens on loopback addresses only, on its own mux: nothing of it is
// reachable through the API's listener.
func startPprof(addr string, logger *slog.Logger) (stop func(), err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageErrorf("--pprof-addr %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usageErrorf("--pprof-addr must be a loopback address such as 127.0.0.1:6060, not %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for pprof: %w", addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, usageErrorf("--pprof-addr %q did not resolve to a loopback address", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No write timeout: /debug/pprof/profile and trace answer after the
	// seconds they are asked to record.
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return serveAside(hs, ln, "pprof", "/debug/pprof/", logger), nil
}
