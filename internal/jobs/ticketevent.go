package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// A ticket-system event (a status change, a public agent comment, an
// assignment, a priority change) is decided in the transaction that
// stores it (DecideTicketEvents, store.TicketEventsIngest): the link's new
// status and the notices it causes commit with the event, and no
// ticket_event job is needed. An event whose notice does not render goes
// to a ticket_event job instead, which retries it and dead-letters what
// keeps failing; polled events go through the same decision.

// errNotice marks a notice that did not render: the event is left to a
// job rather than failing the webhook.
var errNotice = errors.New("render notice")

// ticketEffect is what a ticket event does: a new status for its link
// (when set) and the jobs to insert with it.
type ticketEffect struct {
	status *linkStatus
	jobs   store.Jobs
}

type linkStatus struct{ linkID, sinkStatus, state string }

// DecideTicketEvents decides fresh ticket events inside the transaction
// that stores them, in order (each sees the status the one before
// recorded), and returns the jobs to insert with them.
func (d *Deps) DecideTicketEvents(ctx context.Context, tx store.TicketTx, fresh []core.TicketEvent) (store.Jobs, error) {
	var jobs store.Jobs
	for _, ev := range fresh {
		eff, err := d.ticketEvent(ctx, tx, ev)
		if errors.Is(err, errNotice) {
			d.Log.WarnContext(ctx, "ticket event left to a job", "sink", ev.Sink, "event", ev.EventID, "error", err)
			jobs = append(jobs, Insert(TicketEventArgs{Event: ev}))
			continue
		}
		if err != nil {
			return nil, err
		}
		if s := eff.status; s != nil {
			if err := tx.SetLinkStatus(ctx, s.linkID, s.sinkStatus, s.state); err != nil {
				return nil, fmt.Errorf("record status: %w", err)
			}
		}
		jobs = append(jobs, eff.jobs...)
	}
	return jobs, nil
}

// ticketEventWorker applies one ticket-system event left to a job.
type ticketEventWorker struct {
	river.WorkerDefaults[TicketEventArgs]
	d *Deps
}

func (w *ticketEventWorker) Work(ctx context.Context, job *river.Job[TicketEventArgs]) error {
	d := w.d
	eff, err := d.ticketEvent(ctx, d.Store, job.Args.Event)
	if err != nil {
		return err
	}
	if s := eff.status; s != nil {
		if err := d.Store.LinkSetStatus(ctx, s.linkID, s.sinkStatus, s.state, eff.jobs); err != nil {
			return fmt.Errorf("record status: %w", err)
		}
		return nil
	}
	return d.insert(ctx, eff.jobs)
}

// ticketEvent decides one ticket-system event: status changes move the
// link's state and tell the chat; public agent comments go to the chat;
// internal notes and our own changes go nowhere. It reads through links
// and writes nothing.
func (d *Deps) ticketEvent(ctx context.Context, links store.LinkFinder, ev core.TicketEvent) (ticketEffect, error) {
	if ev.Ours {
		return ticketEffect{}, nil
	}
	link, err := findLink(ctx, links, ev)
	if errors.Is(err, store.ErrNotFound) {
		d.Log.InfoContext(ctx, "ticket event for a ticket we did not link", "sink", ev.Sink, "ticket", ev.Ticket.Key)
		return ticketEffect{}, nil
	}
	if err != nil {
		return ticketEffect{}, err
	}
	if _, ok := d.Routes[link.Route]; !ok {
		return ticketEffect{}, nil
	}
	ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL, Status: ev.To}
	switch ev.Kind {
	case core.TicketStatusChanged:
		return d.statusEffect(link, ev, ref)
	case core.TicketCommentAdded:
		if ev.Comment == nil || !ev.Comment.Public || strings.TrimSpace(ev.Comment.Body) == "" {
			return ticketEffect{}, nil
		}
		ref.Status = link.SinkStatus
		text, err := d.Rules.Notify(link.Route, "comment", rules.NotifyData{Route: link.Route, Ticket: ref, State: link.State, SinkStatus: link.SinkStatus, Comment: ev.Comment})
		if err != nil {
			return ticketEffect{}, fmt.Errorf("%w: comment: %w", errNotice, err)
		}
		return ticketEffect{jobs: append(store.Jobs{Insert(NotifyArgs{
			Route:   link.Route,
			To:      link.Conversation,
			Message: core.OutboundMessage{Text: text, Key: "comment-" + ev.Sink + "-" + ev.EventID},
			Since:   ev.Time,
		})}, d.slaMark(link, ev.Sink+"-"+ev.EventID, store.SLAUpdate{FirstResponseAt: ev.Time})...)}, nil
	case core.TicketAssigned:
		return ticketEffect{jobs: d.assigned(link, ev)}, nil
	case core.TicketPriorityChanged:
		// The deadlines follow a priority a person set in the system.
		// Our own escalation's echo is marked ours and stops above; one
		// that is not changes nothing (the clock has that priority).
		if strings.TrimSpace(ev.Priority) == "" {
			return ticketEffect{}, nil
		}
		at := ev.Time
		if at.IsZero() {
			at = d.Now()
		}
		return ticketEffect{jobs: d.slaMark(link, ev.Sink+"-"+ev.EventID, store.SLAUpdate{Priority: strings.TrimSpace(ev.Priority), PriorityAt: at.UTC()})}, nil
	}
	return ticketEffect{}, nil
}

func (d *Deps) statusEffect(link store.Link, ev core.TicketEvent, ref core.TicketRef) (ticketEffect, error) {
	state := d.chatState(link, ev)
	// The clock hears of every status change, even one the link already
	// shows: a change reported out of order still falls into its place.
	pause := d.slaStatus(link, ev, state)
	if state == link.State && ev.To == link.SinkStatus {
		return ticketEffect{jobs: pause}, nil
	}
	follow := pause
	if state != link.State {
		text, err := d.Rules.Notify(link.Route, "status", rules.NotifyData{Route: link.Route, Ticket: ref, State: state, SinkStatus: ev.To})
		if err != nil {
			return ticketEffect{}, fmt.Errorf("%w: status: %w", errNotice, err)
		}
		follow = append(follow, Insert(NotifyArgs{
			Route:   link.Route,
			To:      link.Conversation,
			Message: core.OutboundMessage{Text: text, Key: "status-" + ev.Sink + "-" + ev.EventID},
			Since:   ev.Time,
		}))
		follow = append(follow, d.solved(link, ev.Sink+"-"+ev.EventID, ev.Time, state)...)
	}
	return ticketEffect{status: &linkStatus{link.ID, ev.To, state}, jobs: follow}, nil
}

// chatState decides what a status change means for the chat: the route's
// status_map first, then the sink's own knowledge (Jira's status
// categories), then the built-in status names.
func (d *Deps) chatState(link store.Link, ev core.TicketEvent) string {
	if st, ok := d.Rules.MappedState(link.Route, ev.To); ok {
		return st
	}
	if sm, ok := sink.As[sink.StateMapper](d.Sinks[link.Sink]); ok {
		if st, ok := sm.StateOf(ev); ok {
			return st
		}
	}
	return d.Rules.ChatState(link.Route, ev.To)
}

func findLink(ctx context.Context, links store.LinkFinder, ev core.TicketEvent) (store.Link, error) {
	link, err := links.LinkByTicket(ctx, ev.Sink, ev.Ticket.Key)
	if errors.Is(err, store.ErrNotFound) && strings.HasPrefix(ev.ExternalID, ExternalIDPrefix) {
		link, err = links.LinkGet(ctx, strings.TrimPrefix(ev.ExternalID, ExternalIDPrefix))
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return link, fmt.Errorf("find link: %w", err)
	}
	return link, err
}
