package mail

import (
	"context"
	"log/slog"
	"time"

	"github.com/virtualspaces/vsauth/server/store"
)

// DeliveryQueue is the part of the store the Deliverer needs.
type DeliveryQueue interface {
	// ClaimMail takes up to limit undelivered messages whose next attempt
	// is due at now, oldest first, so that no other deliverer takes them
	// before until.
	ClaimMail(ctx context.Context, now, until time.Time, limit int) ([]store.Mail, error)
	MarkMailSent(ctx context.Context, id int64, at time.Time) error
	// MarkMailFailed records a failed attempt (attempts+1) and when to retry.
	MarkMailFailed(ctx context.Context, id int64, errText string, next time.Time) error
}

// DelivererOptions configures a Deliverer. Zero values get defaults.
type DelivererOptions struct {
	Clock    func() time.Time // time.Now
	Logger   *slog.Logger     // discard
	Interval time.Duration    // how often the outbox is polled without a Kick; 1 minute
	Batch    int              // messages per ClaimMail call; 20
	// SendTimeout bounds one message's delivery, which is not cut short by
	// the cancellation of Run's context; 2 minutes.
	SendTimeout time.Duration
}

// Deliverer sends the outbox's pending messages with a SendFunc, retrying
// failures with exponential backoff. A message is marked sent only after
// SendFunc reported that the server accepted it, so a crash can cause a
// second delivery but never a lost message.
type Deliverer struct {
	q        DeliveryQueue
	send     SendFunc
	clock    func() time.Time
	logger   *slog.Logger
	interval time.Duration
	batch    int
	timeout  time.Duration
	kick     chan struct{}
}

// NewDeliverer returns a Deliverer of q's messages through send.
func NewDeliverer(q DeliveryQueue, send SendFunc, opts DelivererOptions) *Deliverer {
	d := &Deliverer{
		q: q, send: send, clock: opts.Clock, logger: opts.Logger,
		interval: opts.Interval, batch: opts.Batch, timeout: opts.SendTimeout,
		kick: make(chan struct{}, 1),
	}
	if d.clock == nil {
		d.clock = time.Now
	}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	if d.interval <= 0 {
		d.interval = time.Minute
	}
	if d.batch <= 0 {
		d.batch = 20
	}
	if d.timeout <= 0 {
		d.timeout = 2 * time.Minute
	}
	return d
}

// Kick wakes Run to look at the outbox now. It never blocks; kicks that
// arrive while Run is busy collapse into one.
func (d *Deliverer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Backoff is the delay before the next attempt of a message that has
// already failed attempts times before this failure: 30s·2^attempts,
// capped at one hour.
func Backoff(attempts int) time.Duration {
	const first, limit = 30 * time.Second, time.Hour
	if attempts < 0 {
		attempts = 0
	}
	if attempts >= 7 { // 30s·2^7 > 1h, and larger shifts would overflow
		return limit
	}
	return min(first<<attempts, limit)
}

// Run delivers pending messages whenever it is kicked and every Interval,
// until ctx is cancelled. A message being sent when ctx is cancelled is
// finished (and marked) before Run returns; no further one is started.
func (d *Deliverer) Run(ctx context.Context) {
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		d.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-d.kick:
		case <-t.C:
		}
	}
}

// drain delivers batches until a batch comes back short (failed messages
// are rescheduled into the future, so they do not come back).
func (d *Deliverer) drain(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := d.DeliverPending(ctx)
		if err != nil || n < d.batch {
			return
		}
	}
}

// DeliverPending makes one pass over the outbox: it fetches one batch of
// due messages and tries each once. It returns how many messages it tried.
func (d *Deliverer) DeliverPending(ctx context.Context) (int, error) {
	// A claimed batch is sent one message after the other, each within the
	// timeout; should this process die, other deliverers retry after that.
	now := d.clock()
	pending, err := d.q.ClaimMail(ctx, now, now.Add(time.Duration(d.batch)*d.timeout), d.batch)
	if err != nil {
		if ctx.Err() == nil {
			d.logger.ErrorContext(ctx, "mail: read pending messages", "err", err)
		}
		return 0, err
	}
	for i, m := range pending {
		if ctx.Err() != nil {
			return i, ctx.Err()
		}
		d.deliver(ctx, m)
	}
	return len(pending), nil
}

// maxErrorText keeps the stored error of a failed attempt short.
const maxErrorText = 500

func (d *Deliverer) deliver(ctx context.Context, m store.Mail) {
	// The in-flight message must finish even when Run is being stopped.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout)
	defer cancel()
	log := d.logger.With("mail_id", m.ID, "to", m.To)

	err := d.send(sendCtx, EnvelopeAddress(m.From), []string{EnvelopeAddress(m.To)}, m.Raw)
	now := d.clock()
	if err == nil {
		if err := d.q.MarkMailSent(sendCtx, m.ID, now); err != nil {
			// The server has it; the next pass will send it again.
			log.ErrorContext(ctx, "mail: message delivered but not marked as sent", "err", err)
			return
		}
		log.InfoContext(ctx, "mail: message delivered", "attempt", m.Attempts+1)
		return
	}
	next := now.Add(Backoff(m.Attempts))
	text := err.Error()
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
	}
	log.WarnContext(ctx, "mail: delivery failed", "attempt", m.Attempts+1, "next_attempt", next, "err", text)
	if err := d.q.MarkMailFailed(sendCtx, m.ID, text, next); err != nil {
		log.ErrorContext(ctx, "mail: record failed delivery", "err", err)
	}
}
