package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/virtualspaces/vsauth/server/metrics"
	"github.com/virtualspaces/vsauth/server/store"
)

// startMetrics serves /metrics, /healthz and /readyz on addr, a listener of
// their own, so that the API's port answers only what the original did.
// It returns the server's Metrics and a function that stops the listener.
func startMetrics(addr string, st *store.DB, logger *slog.Logger) (*metrics.Metrics, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listening on %s for metrics: %w", addr, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg, st)
	hs := &http.Server{Handler: metrics.Handler(reg, st), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	return m, serveAside(hs, ln, "metrics", "/metrics", logger), nil
}

// serveAside serves hs on ln, a listener apart from the API's, logs where
// (name and the path to open) and returns what stops it.
func serveAside(hs *http.Server, ln net.Listener, name, path string, logger *slog.Logger) (stop func()) {
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn(name+" server stopped", "err", err)
		}
	}()
	logger.Info(name+" listening", "url", "http://"+ln.Addr().String()+path)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}
}
