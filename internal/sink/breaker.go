package sink

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Breaker pauses calls to a sink that keeps failing: after threshold
// consecutive transient failures (5xx, timeouts, refused connections) it
// opens, and every call fails at once with a CallError asking to retry
// when the pause ends, so jobs snooze instead of spending attempts and
// hammering a system that is down. One call at a time is let through as
// a probe every probeEvery; its success closes the breaker and the
// backlog drains. Permanent errors (400, 404) and 429s do not count: the
// system is up and answering.
func Breaker(s Sink, threshold int, probeEvery time.Duration, now func() time.Time, onChange func(open bool)) Sink {
	if threshold <= 0 {
		return s
	}
	return &breaker{Sink: s, threshold: threshold, probeEvery: probeEvery, now: now, onChange: onChange}
}

type breaker struct {
	Sink
	threshold  int
	probeEvery time.Duration
	now        func() time.Time
	onChange   func(open bool)

	mu        sync.Mutex
	failures  int
	openUntil time.Time // zero: closed
	probing   bool
}

// ErrPaused marks calls refused because the sink is paused.
var ErrPaused = errors.New("sink paused after repeated failures")

// admit decides whether a call may go out; probe is true for the one call
// let through while open.
func (b *breaker) admit(op string) (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return false, nil
	}
	now := b.now()
	if now.Before(b.openUntil) || b.probing {
		wait := b.openUntil.Sub(now)
		if wait < time.Second {
			wait = time.Second
		}
		return false, &core.CallError{Op: op, Message: "paused: " + b.ID() + " kept failing; probing every " + b.probeEvery.String(), RetryAfter: wait, Err: ErrPaused}
	}
	b.probing = true
	return true, nil
}

func (b *breaker) record(probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	transient := err != nil && !core.IsPermanent(err)
	if _, ok := core.RetryAfterOf(err); ok && !errors.Is(err, ErrPaused) {
		transient = false // a 429 answers: the system is up
	}
	wasOpen := !b.openUntil.IsZero()
	switch {
	case !transient:
		b.failures = 0
		b.openUntil = time.Time{}
	default:
		b.failures++
		if probe || b.failures >= b.threshold {
			b.openUntil = b.now().Add(b.probeEvery)
		}
	}
	if isOpen := !b.openUntil.IsZero(); isOpen != wasOpen && b.onChange != nil {
		b.onChange(isOpen)
	}
}

func (b *breaker) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	probe, err := b.admit("create ticket")
	if err != nil {
		return core.TicketRef{}, err
	}
	ref, err := b.Sink.Create(ctx, t)
	b.record(probe, err)
	return ref, err
}

func (b *breaker) FindByExternalID(ctx context.Context, id string) (core.TicketRef, bool, error) {
	probe, err := b.admit("find ticket")
	if err != nil {
		return core.TicketRef{}, false, err
	}
	ref, ok, err := b.Sink.FindByExternalID(ctx, id)
	b.record(probe, err)
	return ref, ok, err
}

func (b *breaker) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	probe, err := b.admit("comment")
	if err != nil {
		return err
	}
	err = b.Sink.Comment(ctx, ref, c)
	b.record(probe, err)
	return err
}

// Unwrap returns the guarded sink, for As.
func (b *breaker) Unwrap() Sink { return b.Sink }
