package sink

import (
	"context"
	"time"

	"golang.org/x/time/rate"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Limit spaces the calls to s with a token bucket of perMinute requests
// (bursts up to a tenth of a minute's budget). A call that would have to
// wait is not made: it fails with a CallError whose RetryAfter is the
// wait, so the job snoozes instead of holding a worker, and follow-ups
// that arrive meanwhile coalesce into the next comment.
func Limit(s Sink, perMinute int, now func() time.Time) Sink {
	if perMinute <= 0 {
		return s
	}
	burst := max(1, perMinute/10)
	return &limited{Sink: s, lim: rate.NewLimiter(rate.Limit(float64(perMinute)/60), burst), now: now}
}

type limited struct {
	Sink
	lim *rate.Limiter
	now func() time.Time
}

func (l *limited) take(op string) error {
	r := l.lim.ReserveN(l.now(), 1)
	if d := r.DelayFrom(l.now()); d > 0 {
		r.CancelAt(l.now())
		return &core.CallError{Op: op, Message: "local rate limit of " + l.ID(), RetryAfter: d}
	}
	return nil
}

func (l *limited) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	if err := l.take("create ticket"); err != nil {
		return core.TicketRef{}, err
	}
	return l.Sink.Create(ctx, t)
}

func (l *limited) FindByExternalID(ctx context.Context, id string) (core.TicketRef, bool, error) {
	if err := l.take("find ticket"); err != nil {
		return core.TicketRef{}, false, err
	}
	return l.Sink.FindByExternalID(ctx, id)
}

func (l *limited) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	if err := l.take("comment"); err != nil {
		return err
	}
	return l.Sink.Comment(ctx, ref, c)
}

// Unwrap returns the limited sink, for As.
func (l *limited) Unwrap() Sink { return l.Sink }
