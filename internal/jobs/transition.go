package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// transitionWorker resolves a ticket when the chat asks. The sink marks
// the change as ours, so its webhook does not tell the chat twice; this
// worker tells it once the change is made.
type transitionWorker struct {
	river.WorkerDefaults[TransitionArgs]
	d *Deps
}

func (w *transitionWorker) Work(ctx context.Context, job *river.Job[TransitionArgs]) error {
	d := w.d
	link, err := d.Store.LinkGet(ctx, job.Args.LinkID)
	if err != nil {
		return fmt.Errorf("load link: %w", err)
	}
	if !link.Open() || link.TicketKey == "" {
		return nil
	}
	ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}
	var text string
	tr, ok := sink.As[sink.Transitioner](d.Sinks[link.Sink])
	if !ok {
		text = fmt.Sprintf("Ticket %s can't be closed from the chat; please close it in %s.", link.TicketKey, link.Sink)
		return d.insert(ctx, store.Jobs{Insert(NotifyArgs{Route: link.Route, To: link.Conversation,
			Message: core.OutboundMessage{Text: text, Key: fmt.Sprintf("transition-%s-%d", link.ID, job.Args.EventID)}})})
	}
	if err := tr.Transition(ctx, ref, job.Args.State); err != nil {
		return retryable(fmt.Errorf("transition %s to %s: %w", link.TicketKey, job.Args.State, err))
	}
	ref.Status = job.Args.State
	text, err = d.Rules.Notify(link.Route, "status", rules.NotifyData{Route: link.Route, Ticket: ref, State: job.Args.State, SinkStatus: job.Args.State})
	if err != nil {
		return fmt.Errorf("render status notice: %w", err)
	}
	key := fmt.Sprintf("transition-%s-%d", link.ID, job.Args.EventID)
	follow := store.Jobs{Insert(NotifyArgs{Route: link.Route, To: link.Conversation,
		Message: core.OutboundMessage{Text: text, Key: key}})}
	follow = append(follow, d.solved(link, key, d.Now(), job.Args.State)...)
	return d.Store.LinkSetStatus(ctx, link.ID, job.Args.State, job.Args.State, follow)
}
