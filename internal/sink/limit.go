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
	now := l.now()
	if lookup(op) && l.lim.Burst() >= 2 {
		// A retry looks for its earlier effect and then writes it: if the
		// look-up could spend the only token there is, the write would be
		// refused, the job would snooze, and its next attempt would look
		// again, spending the next token: a retry that never writes. So a
		// look-up goes only when its write can follow.
		if have := l.lim.TokensAt(now); have < 2 {
			wait := time.Duration((2 - have) / float64(l.lim.Limit()) * float64(time.Second))
			return &core.CallError{Op: op, Message: "local rate limit of " + l.ID(), RetryAfter: max(wait, time.Millisecond)}
		}
	}
	r := l.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return &core.CallError{Op: op, Message: "local rate limit of " + l.ID(), RetryAfter: d}
	}
	return nil
}

// lookup reports whether op looks for an earlier effect before a write.
func lookup(op string) bool {
	return op == opFindTicket || op == OpFindComment || op == OpFindAttachment
}

const opFindTicket = "find ticket"

func (l *limited) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	if err := l.take("create ticket"); err != nil {
		return core.TicketRef{}, err
	}
	return l.Sink.Create(ctx, t)
}

func (l *limited) FindByExternalID(ctx context.Context, id string) (core.TicketRef, bool, error) {
	if err := l.take(opFindTicket); err != nil {
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
