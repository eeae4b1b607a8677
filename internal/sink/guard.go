package sink

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// guard is what a wrapper (metrics, rate limit, pause-and-probe) does
// around one call to the sink it wraps; As puts the capability calls it
// finds under the same guards as Create and Comment.
type guard interface {
	guard(op string, call func() error) error
}

func (i *instrumented) guard(op string, call func() error) error {
	start := i.now()
	err := call()
	i.observe(op, start, err)
	return err
}

func (l *limited) guard(op string, call func() error) error {
	if err := l.take(op); err != nil {
		return err
	}
	return call()
}

func (b *breaker) guard(op string, call func() error) error {
	probe, err := b.admit(op)
	if err != nil {
		return err
	}
	err = call()
	if errors.Is(err, ErrTooLarge) {
		b.record(probe, nil) // the system answered: it is up
		return err
	}
	b.record(probe, err)
	return err
}

// guards runs call under every guard, outermost first.
type guards []guard

func (gs guards) run(op string, call func() error) error {
	if len(gs) == 0 {
		return call()
	}
	return gs[0].guard(op, func() error { return gs[1:].run(op, call) })
}

// Operation names of the capability calls, as metrics label them.
const (
	OpAttach          = "attach"
	OpTransition      = "transition"
	OpStatus          = "status"
	OpPoll            = "poll"
	OpValidateMapping = "validate_mapping"
	OpFindComment     = "find_comment"
	OpFindAttachment  = "find_attachment"
	OpSetPriority     = "set_priority"
	OpSatisfaction    = "satisfaction"
	OpSetQueue        = "set_queue"
	// OpCreate is Create's own label, which linked creation shares.
	OpCreate = "create"
)

// guarded returns t with its calls to the ticket system run under gs. It
// knows the capabilities that call the system; others come back as they
// are (StateMapper, RateLimited: no call is made).
func guarded[T any](t T, gs guards) T {
	if len(gs) == 0 {
		return t
	}
	// Switch on T itself: a connector has several capabilities, and the
	// wrapper must be the one for the capability asked for.
	var w any
	switch any((*T)(nil)).(type) {
	case *Attacher:
		w = guardedAttacher{any(t).(Attacher), gs}
	case *Transitioner:
		w = guardedTransitioner{any(t).(Transitioner), gs}
	case *StatusReader:
		w = guardedStatus{any(t).(StatusReader), gs}
	case *Poller:
		w = guardedPoller{any(t).(Poller), gs}
	case *MappingValidator:
		w = guardedValidator{any(t).(MappingValidator), gs}
	case *CommentFinder:
		w = guardedFinder{any(t).(CommentFinder), gs}
	case *AttachmentFinder:
		w = guardedAttachmentFinder{any(t).(AttachmentFinder), gs}
	case *PrioritySetter:
		w = guardedPriority{any(t).(PrioritySetter), gs}
	case *QueueSetter:
		w = guardedQueue{any(t).(QueueSetter), gs}
	case *SatisfactionWriter:
		w = guardedSatisfaction{any(t).(SatisfactionWriter), gs}
	case *LinkedCreator:
		w = guardedLinkedCreator{any(t).(LinkedCreator), gs}
	}
	if out, ok := w.(T); ok {
		return out
	}
	return t
}

type guardedAttacher struct {
	c  Attacher
	gs guards
}

func (g guardedAttacher) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	return g.gs.run(OpAttach, func() error { return g.c.Attach(ctx, ref, f, body) })
}

type guardedTransitioner struct {
	c  Transitioner
	gs guards
}

func (g guardedTransitioner) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	return g.gs.run(OpTransition, func() error { return g.c.Transition(ctx, ref, state) })
}

type guardedPriority struct {
	c  PrioritySetter
	gs guards
}

func (g guardedPriority) SetPriority(ctx context.Context, ref core.TicketRef, priority string) error {
	return g.gs.run(OpSetPriority, func() error { return g.c.SetPriority(ctx, ref, priority) })
}

type guardedQueue struct {
	c  QueueSetter
	gs guards
}

func (g guardedQueue) SetQueue(ctx context.Context, ref core.TicketRef, queue string) error {
	return g.gs.run(OpSetQueue, func() error { return g.c.SetQueue(ctx, ref, queue) })
}

type guardedSatisfaction struct {
	c  SatisfactionWriter
	gs guards
}

func (g guardedSatisfaction) SatisfactionFields() (score, comment bool) {
	return g.c.SatisfactionFields()
}

func (g guardedSatisfaction) SetSatisfaction(ctx context.Context, ref core.TicketRef, s core.Satisfaction) error {
	return g.gs.run(OpSatisfaction, func() error { return g.c.SetSatisfaction(ctx, ref, s) })
}

func (g guardedSatisfaction) Satisfaction(ctx context.Context, ref core.TicketRef) (core.Satisfaction, bool, error) {
	var (
		s     core.Satisfaction
		found bool
	)
	err := g.gs.run(OpSatisfaction, func() (err error) {
		s, found, err = g.c.Satisfaction(ctx, ref)
		return err
	})
	return s, found, err
}

type guardedLinkedCreator struct {
	c  LinkedCreator
	gs guards
}

func (g guardedLinkedCreator) CreateLinked(ctx context.Context, t core.TicketDraft, link func(ref core.TicketRef, made bool) (store.TicketLinking, error)) (ref core.TicketRef, err error) {
	err = g.gs.run(OpCreate, func() error {
		ref, err = g.c.CreateLinked(ctx, t, link)
		return err
	})
	return ref, err
}

type guardedStatus struct {
	c  StatusReader
	gs guards
}

func (g guardedStatus) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	var status string
	err := g.gs.run(OpStatus, func() (err error) {
		status, err = g.c.Status(ctx, ref)
		return err
	})
	return status, err
}

type guardedPoller struct {
	c  Poller
	gs guards
}

func (g guardedPoller) PollInterval() time.Duration { return g.c.PollInterval() }

func (g guardedPoller) Poll(ctx context.Context, cursor string) ([]core.TicketEvent, string, error) {
	var (
		evs  []core.TicketEvent
		next string
	)
	err := g.gs.run(OpPoll, func() (err error) {
		evs, next, err = g.c.Poll(ctx, cursor)
		return err
	})
	return evs, next, err
}

type guardedValidator struct {
	c  MappingValidator
	gs guards
}

func (g guardedValidator) ValidateMapping(ctx context.Context, m MappingSpec) ([]string, error) {
	var problems []string
	err := g.gs.run(OpValidateMapping, func() (err error) {
		problems, err = g.c.ValidateMapping(ctx, m)
		return err
	})
	return problems, err
}

type guardedFinder struct {
	c  CommentFinder
	gs guards
}

func (g guardedFinder) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	var (
		key   string
		found bool
	)
	err := g.gs.run(OpFindComment, func() (err error) {
		key, found, err = g.c.FindComment(ctx, ref, prefix)
		return err
	})
	return key, found, err
}

type guardedAttachmentFinder struct {
	c  AttachmentFinder
	gs guards
}

func (g guardedAttachmentFinder) FindAttachment(ctx context.Context, ref core.TicketRef, f core.File) (bool, error) {
	var found bool
	err := g.gs.run(OpFindAttachment, func() (err error) {
		found, err = g.c.FindAttachment(ctx, ref, f)
		return err
	})
	return found, err
}
