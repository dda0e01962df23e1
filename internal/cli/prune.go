package cli

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// pruneInterval is how often `vsauth server` deletes what its retention
// settings let go: often enough that the tables stay near their bound, rarely
// enough to cost nothing.
const pruneInterval = 10 * time.Minute

// pruneStore is what pruning needs from the store.
type pruneStore interface {
	PruneMail(ctx context.Context, before time.Time, undelivered bool) (int64, error)
	PruneResetMailCounts(ctx context.Context, before time.Time) (int64, error)
}

// pruner deletes the outbox messages older than the retention and the reset
// mail counts whose window is over, so that the tables only vsauth writes
// stay bounded however many requests come in.
type pruner struct {
	st     pruneStore
	clock  func() time.Time
	logger *slog.Logger
	// retention is how long a message is kept after delivery; 0 keeps
	// messages forever.
	retention time.Duration
	// undelivered is set without SMTP, where nothing is ever delivered and the
	// outbox is the mailbox: then messages go retention after they were queued.
	undelivered bool
	resetWindow time.Duration
}

// pruneOnce makes one pass. Failures are logged, not returned: the next pass
// tries again, and the server keeps serving meanwhile.
func (p pruner) pruneOnce(ctx context.Context) {
	now := p.clock()
	if p.retention > 0 {
		n, err := p.st.PruneMail(ctx, now.Add(-p.retention), p.undelivered)
		switch {
		case err != nil:
			p.logger.ErrorContext(ctx, "pruning the mail outbox", "err", err)
		case n > 0:
			p.logger.InfoContext(ctx, "pruned the mail outbox", "deleted", n, "retention", p.retention.String())
		}
	}
	if _, err := p.st.PruneResetMailCounts(ctx, now.Add(-p.resetWindow)); err != nil {
		p.logger.ErrorContext(ctx, "pruning the reset mail counts", "err", err)
	}
}

// run prunes every interval until ctx ends.
func (p pruner) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.pruneOnce(ctx)
		}
	}
}

// parseRateLimit reads "N/DURATION" (3/1h, 10/30m) as N per DURATION; "0"
// (or 0/anything) turns the limit off and returns n = 0.
func parseRateLimit(s string) (n int, window time.Duration, err error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, 0, nil
	}
	count, per, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, errors.New("want COUNT/DURATION, for example 3/1h, or 0 for no limit")
	}
	n, err = strconv.Atoi(count)
	if err != nil || n < 0 {
		return 0, 0, errors.New("the count before / must be a whole number, 0 or more")
	}
	window, err = time.ParseDuration(per)
	if err != nil || window <= 0 {
		return 0, 0, errors.New("the duration after / must be positive, like 1h or 30m")
	}
	if n == 0 {
		return 0, 0, nil
	}
	return n, window, nil
}

// defaultOutboxRetention keeps sent mail a week: long enough to look into a
// complaint, and reset links expire after three days anyway.
const defaultOutboxRetention = 7 * 24 * time.Hour

// shortDuration prints d without Go's trailing zero units (1h, not 1h0m0s).
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
