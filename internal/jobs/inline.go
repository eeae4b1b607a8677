package jobs

import (
	"context"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Tickets made where they are decided. A route whose sink is the local
// desk keeps its tickets in our own database, so a ticket decided inside
// the ingest transaction is made in that very transaction: the link, the
// ticket, its "created" notice and the audit commit with the event that
// asked for it. That saves the creation job's insert, fetch and
// completion, a look-up of the link and a second commit, which bound the
// desk's tickets per second (BENCHMARKS.md, session 7); and a crash
// leaves all of it or none, as the job's single commit did.
//
// It applies only when the draft needs nothing from outside the
// transaction: no look-up at the chat platform (enrich), and the event
// decided now (a confirmed proposal's ticket is about an earlier event
// and goes through the job). Anything else keeps the creation job.

// deskCreator is a sink whose tickets live in ticketbridge's database.
type deskCreator interface {
	// CreateInTx returns what makes the ticket inside the transaction
	// that opens its link (link builds the link's record from the
	// ticket), and a function to call once that committed, or nil.
	CreateInTx(t core.TicketDraft, link func(ref core.TicketRef, made bool) (store.TicketLinking, error)) (store.DeskCreation, func())
}

// madeHere is a ticket made in the ingest transaction, for what follows
// its commit.
type madeHere struct {
	sink      string
	received  core.StoredEvent
	made      *bool
	committed func()
}

// createHere is the change that opens the route's link for ev. When the
// route's sink is the local desk, the batch notes it so that makeTickets,
// once every event is decided, makes the ticket in the same transaction;
// until then (and if that cannot be done) the change queues the creation
// job.
func (b *batch) createHere(ev core.StoredEvent, route config.Route, dec rules.Decision) store.Change {
	d := b.w.d
	link, args := newLink(ev, route, dec, ev.ID, ev.ID, "")
	byJob := store.Change{Open: &link, Jobs: store.Jobs{Insert(args)}}
	dc, ok := sink.As[deskCreator](d.Sinks[route.Sink])
	if ok && !d.enrichCalls(ev) {
		b.tickets = append(b.tickets, deskTicket{ev: ev, route: route, dec: dec, link: link, args: args, desk: dc})
	}
	return byJob
}

// deskTicket is a local-desk ticket a batch decided to make.
type deskTicket struct {
	ev    core.StoredEvent
	route config.Route
	dec   rules.Decision
	link  store.Link
	args  CreateArgs
	desk  deskCreator
}

// makeTickets turns the batch's noted desk tickets into changes that make
// them in the transaction. Their context (the conversation's recent
// events) is read for all of them at once: on PostgreSQL that is one
// round trip for the batch instead of one per ticket.
func (b *batch) makeTickets(ctx context.Context) {
	if len(b.tickets) == 0 {
		return
	}
	d := b.w.d
	reqs := make([]store.RecentRequest, len(b.tickets))
	for i, t := range b.tickets {
		reqs[i] = store.RecentRequest{ConvKey: t.link.ConvKey, ThroughID: t.ev.ID, Limit: t.route.Mapping.ContextMessages}
	}
	recent, err := b.recentEvents(ctx, reqs)
	if err != nil {
		d.Log.WarnContext(ctx, "tickets left to creation jobs: load context", "tickets", len(b.tickets), "error", err)
		return
	}
	for i, t := range b.tickets {
		c := b.opening(t.link.ID)
		if c == nil {
			continue
		}
		creation, made, ok := b.deskCreation(ctx, t, recent[i])
		if !ok {
			continue
		}
		c.Ticket, c.Jobs = &creation, nil
		b.made = append(b.made, made)
	}
}

// recentEvents answers reqs in one round trip where the reader can.
func (b *batch) recentEvents(ctx context.Context, reqs []store.RecentRequest) ([][]core.StoredEvent, error) {
	if rr, ok := b.r.(store.RecentReader); ok {
		return rr.RecentEvents(ctx, reqs)
	}
	out := make([][]core.StoredEvent, len(reqs))
	for i, r := range reqs {
		evs, err := b.r.ConversationEvents(ctx, r.ConvKey, 0, r.ThroughID, r.Limit)
		if err != nil {
			return nil, err
		}
		out[i] = evs
	}
	return out, nil
}

// opening is the batch's change that opens link id, or nil.
func (b *batch) opening(id string) *store.Change {
	for i := range b.changes {
		if o := b.changes[i].Open; o != nil && o.ID == id {
			return &b.changes[i]
		}
	}
	return nil
}

// deskCreation drafts t's ticket from its context and returns what makes
// it in the transaction; false leaves it to the creation job.
func (b *batch) deskCreation(ctx context.Context, t deskTicket, recent []core.StoredEvent) (store.DeskCreation, madeHere, bool) {
	d := b.w.d
	draft, err := d.Rules.Draft(t.route.Name, rules.MapInput{Event: t.ev, Context: recent,
		Decision:   rules.Decision{Route: t.route.Name, Rule: t.dec.Rule, Kind: rules.KindCreate, Category: t.dec.Category},
		ExternalID: ExternalIDPrefix + t.link.ID})
	if err != nil {
		// The job cancels itself with the same error, where the dead
		// letters show it.
		return store.DeskCreation{}, madeHere{}, false
	}
	draft = d.Scrub.Draft(t.route.Name, draft)
	linking := d.ticketLinking(t.route, t.link, t.args, draft, t.ev, recent)
	// The "created" notice renders inside the transaction, once the key is
	// known; one that cannot render must not fail the webhook, so it is
	// tried now and, failing, left to the job (which retries it).
	if _, err := linking(core.TicketRef{Sink: t.route.Sink, Key: "?"}, true); err != nil {
		d.Log.WarnContext(ctx, "ticket left to a creation job", "event", t.ev.ID, "error", err)
		return store.DeskCreation{}, madeHere{}, false
	}
	made := new(bool)
	creation, committed := t.desk.CreateInTx(draft, func(ref core.TicketRef, fresh bool) (store.TicketLinking, error) {
		*made = fresh
		return linking(ref, fresh)
	})
	return creation, madeHere{sink: t.route.Sink, received: t.ev, made: made, committed: committed}, true
}

// afterCommit counts the tickets made in the committed transaction.
func (d *Deps) afterCommit(made []madeHere) {
	for _, m := range made {
		if !*m.made {
			continue
		}
		d.Metrics.TicketsCreated.WithLabelValues(m.sink, "created").Inc()
		received := m.received.StoredAt
		if received.IsZero() {
			received = m.received.Time
		}
		d.Metrics.ObserveSince("event_to_ticket", received, d.Now())
		if m.committed != nil {
			m.committed()
		}
	}
}
