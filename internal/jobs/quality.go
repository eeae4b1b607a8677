package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// solved are the jobs a ticket's move to a chat state starts besides its
// notice: on resolution, the CSAT ask and the SLA clock's stop. key names
// the change (the ticket event, or the chat's close).
func (d *Deps) solved(link store.Link, key string, at time.Time, state string) store.Jobs {
	if state != core.StateResolved && state != core.StateClosed {
		return nil
	}
	var out store.Jobs
	if r, ok := d.Routes[link.Route]; ok && r.CSAT != nil {
		out = append(out, Insert(CSATAskArgs{LinkID: link.ID}))
	}
	if at.IsZero() {
		at = d.Now()
	}
	// The resolution is a status change too: a later reopening runs the
	// clock again from it.
	return append(out, d.slaMark(link, key, store.SLAUpdate{ResolvedAt: at.UTC(),
		Status: &store.SLAStatus{Key: key, At: at.UTC(), Resolved: true}})...)
}

// assigned tells the customer who picked the ticket up (routes with a
// handover that announces) and records the assignee on the SLA clock.
func (d *Deps) assigned(link store.Link, ev core.TicketEvent) store.Jobs {
	if ev.Assignee == "" {
		return nil
	}
	var out store.Jobs
	if r, ok := d.Routes[link.Route]; ok && r.Handover != nil && r.Handover.Announces() {
		text := ev.Assignee + " has picked up your request (" + link.TicketKey + ") and will reply here."
		out = append(out, Insert(NotifyArgs{Route: link.Route, To: link.Conversation,
			Message: core.OutboundMessage{Text: text, Key: "assigned-" + ev.Sink + "-" + ev.EventID}, Since: ev.Time}))
	}
	return append(out, d.slaMark(link, ev.Sink+"-"+ev.EventID, store.SLAUpdate{Assignee: ev.Assignee})...)
}

// linkOf loads the link a quality job acts on; ok is false, with no
// error, when the link is gone (nothing left to act on).
func (d *Deps) linkOf(ctx context.Context, id string) (store.Link, bool, error) {
	link, err := d.Store.LinkGet(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return link, false, nil
	}
	if err != nil {
		return link, false, fmt.Errorf("load link: %w", err)
	}
	return link, true, nil
}

// ticketOf loads the link of a job that acts on its ticket and the
// ticket's reference. ok is false when there is nothing to do (the link is
// gone) or the job must wait: err is then a snooze while the ticket is
// being created.
func (d *Deps) ticketOf(ctx context.Context, id string) (store.Link, core.TicketRef, bool, error) {
	link, ok, err := d.linkOf(ctx, id)
	if !ok {
		return link, core.TicketRef{}, false, err
	}
	if link.TicketKey == "" {
		return link, core.TicketRef{}, false, river.JobSnooze(2 * time.Second)
	}
	return link, core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}, true, nil
}

// slaStatus tells the link's clock of a status change, on routes with an
// SLA: whether the new status (the system's name or the chat state it
// maps to) is one the resolution clock stands still in, and whether it
// is resolved or closed (a change to any other status after one reopens
// the ticket). The change is placed by the ticket event's own time.
func (d *Deps) slaStatus(link store.Link, ev core.TicketEvent, state string) store.Jobs {
	r, ok := d.Routes[link.Route]
	if !ok || r.SLA == nil {
		return nil
	}
	at := ev.Time
	if at.IsZero() {
		at = d.Now()
	}
	key := ev.Sink + "-" + ev.EventID
	return d.slaMark(link, key, store.SLAUpdate{Status: &store.SLAStatus{Key: key, At: at.UTC(),
		Paused: r.SLA.Pauses(ev.To, state), Resolved: state == core.StateResolved || state == core.StateClosed}})
}
