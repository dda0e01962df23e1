// Package metrics exposes a vsauth server's counts to Prometheus, with the
// health checks an orchestrator asks several replicas, on a listener of
// their own: the API's port answers exactly as the original's did.
package metrics

import (
	"context"
	"database/sql"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Store is what the metrics read from the database at each scrape.
type Store interface {
	// Stats is the connection pool's state (database/sql).
	Stats() sql.DBStats
	// MailBacklog counts the outbox's messages not yet delivered.
	MailBacklog(ctx context.Context) (int64, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}

// Metrics counts requests and security events for Prometheus; it is the
// server.Config.Metrics of a server.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	events   *prometheus.CounterVec
}

// unmatched is the route label of requests no route matched: their paths
// are the client's choice and would make a label value each.
const unmatched = "unmatched"

// backlogTimeout bounds the outbox count of one scrape.
const backlogTimeout = 2 * time.Second

// New registers vsauth's metrics with reg: requests and their latency by
// route, method and status, security events (failed logins and codes,
// throttle refusals), the outbox backlog and st's connection pool.
func New(reg prometheus.Registerer, st Store) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vsauth_http_requests_total",
			Help: "API requests answered, by route name, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vsauth_http_request_duration_seconds",
			Help: "Time from a request's arrival to the end of its answer, by route name and method.",
			// Logins hash a password (tens of milliseconds); other requests
			// take a millisecond or two.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vsauth_security_events_total",
			Help: "Security events: login_failed, login_throttled, second_step_failed, second_step_throttled, login_ok, ….",
		}, []string{"event"}),
	}
	stat := func(name, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(st.Stats()) })
	}
	counter := func(name, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return f(st.Stats()) })
	}
	reg.MustRegister(m.requests, m.latency, m.events,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vsauth_mail_outbox_backlog",
			Help: "Messages in the outbox not yet delivered (NaN when the database did not answer).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
			defer cancel()
			n, err := st.MailBacklog(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}),
		stat("vsauth_db_open_connections", "Connections to the database, in use or idle.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) }),
		stat("vsauth_db_in_use_connections", "Connections running a statement or transaction.", func(s sql.DBStats) float64 { return float64(s.InUse) }),
		stat("vsauth_db_idle_connections", "Idle connections.", func(s sql.DBStats) float64 { return float64(s.Idle) }),
		stat("vsauth_db_max_open_connections", "The most connections the pool opens (0: no limit).", func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }),
		counter("vsauth_db_wait_count_total", "Times a request waited for a free connection.", func(s sql.DBStats) float64 { return float64(s.WaitCount) }),
		counter("vsauth_db_wait_duration_seconds_total", "Time spent waiting for a free connection.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }),
	)
	return m
}

// Request counts one answered request.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if route == "" {
		route = unmatched
	}
	method = knownMethod(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// SecurityEvent counts one event; "login failed" is counted as login_failed.
func (m *Metrics) SecurityEvent(name string) {
	m.events.WithLabelValues(strings.ReplaceAll(name, " ", "_")).Inc()
}

// knownMethod keeps a client's made-up methods from making label values.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return m
	}
	return "other"
}

// readyTimeout bounds /readyz's ping: a load balancer asks often and must
// get an answer before its own timeout.
const readyTimeout = time.Second

// Handler serves /metrics from g, /healthz (the process answers) and
// /readyz (the database answers a ping within a second; 503 if not).
func Handler(g prometheus.Gatherer, st Store) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			plain(w, http.StatusServiceUnavailable, "database unreachable\n")
			return
		}
		plain(w, http.StatusOK, "ok\n")
	})
	return mux
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
