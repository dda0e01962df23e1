package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// loadSpec is one row of the table: a stream of requests and the status
// that means the server did the work (a wrong TOTP code is a 400 after the
// full check).
type loadSpec struct {
	Name     string
	Expect   int
	Rate     int // requests per second; 0: as fast as Workers allow
	Workers  int
	Duration time.Duration
	Targeter vegeta.Targeter
}

// loadResult is what one row measured.
type loadResult struct {
	Requests  uint64
	Expected  uint64         // responses with the expected status
	Others    map[string]int // any other status (or "error: …") and its count
	Elapsed   time.Duration  // first request sent to last answer received
	P50, P99  time.Duration
	Max       time.Duration
	Exhausted bool // the targeter ran out (a pool of one-time codes)
}

// PerSecond counts only the answers with the expected status.
func (r loadResult) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Expected) / r.Elapsed.Seconds()
}

// runLoad attacks with vegeta until the duration ends, the targeter runs out
// or ctx is cancelled.
func runLoad(ctx context.Context, s loadSpec) loadResult {
	w := uint64(max(s.Workers, 1))
	opts := []func(*vegeta.Attacker){
		vegeta.Workers(w), vegeta.MaxWorkers(w),
		vegeta.Connections(int(w)), vegeta.MaxConnections(int(w)),
		vegeta.KeepAlive(true), vegeta.Timeout(30 * time.Second), vegeta.Redirects(vegeta.NoFollow),
	}
	if s.Rate > 0 {
		// At a fixed rate, workers are added while all are busy, so a slow
		// server shows as latency and not as a lower request rate.
		// The cap keeps a server that cannot keep up from drowning in
		// connections; the achieved rate then falls short and says so.
		opts = append(opts, vegeta.MaxWorkers(1000), vegeta.MaxConnections(1000))
	}
	atk := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	var m vegeta.Metrics
	res := loadResult{Others: map[string]int{}}
	for r := range atk.Attack(s.Targeter, vegeta.Rate{Freq: s.Rate, Per: time.Second}, s.Duration, s.Name) {
		if r.Code == 0 && r.Error == vegeta.ErrNoTargets.Error() {
			res.Exhausted = true
			continue
		}
		m.Add(r)
		switch {
		case int(r.Code) == s.Expect:
			res.Expected++
		case r.Code == 0:
			res.Others["error: "+r.Error]++
		default:
			res.Others[strconv.Itoa(int(r.Code))]++
		}
	}
	m.Close()
	res.Requests = m.Requests
	res.Elapsed = m.Duration + m.Wait
	res.P50, res.P99, res.Max = m.Latencies.P50, m.Latencies.P99, m.Latencies.Max
	return res
}

// othersString lists unexpected statuses, most frequent first.
func othersString(o map[string]int) string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if o[keys[i]] != o[keys[j]] {
			return o[keys[i]] > o[keys[j]]
		}
		return keys[i] < keys[j]
	})
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d× %s", o[k], k)
	}
	return s
}

// staticTarget repeats one request.
func staticTarget(method, url string, body []byte, hdr http.Header) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		t.Method, t.URL, t.Body, t.Header = method, url, body, hdr
		return nil
	}
}

// seqTarget builds request i (0, 1, 2, …) with next; next returns
// vegeta.ErrNoTargets when it has no more.
func seqTarget(next func(i uint64, t *vegeta.Target) error) vegeta.Targeter {
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		return next(n.Add(1)-1, t)
	}
}
