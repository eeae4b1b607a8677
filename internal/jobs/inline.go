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

// createHere is the change that opens the route's link for ev and, when
// it can, makes its ticket in the same transaction.
func (b *batch) createHere(ctx context.Context, ev core.StoredEvent, route config.Route, dec rules.Decision) store.Change {
	d := b.w.d
	link, args := newLink(ev, route, dec, ev.ID, ev.ID, "")
	byJob := store.Change{Open: &link, Jobs: store.Jobs{Insert(args)}}
	dc, ok := sink.As[deskCreator](d.Sinks[route.Sink])
	if !ok || d.enrichCalls(ev) {
		return byJob
	}
	recent, err := b.r.ConversationEvents(ctx, link.ConvKey, 0, ev.ID, route.Mapping.ContextMessages)
	if err != nil {
		d.Log.WarnContext(ctx, "ticket left to a creation job: load context", "event", ev.ID, "error", err)
		return byJob
	}
	draft, err := d.Rules.Draft(route.Name, rules.MapInput{Event: ev, Context: recent,
		Decision:   rules.Decision{Route: route.Name, Rule: dec.Rule, Kind: rules.KindCreate, Category: dec.Category},
		ExternalID: ExternalIDPrefix + link.ID})
	if err != nil {
		// The job cancels itself with the same error, where the dead
		// letters show it.
		return byJob
	}
	draft = d.Scrub.Draft(route.Name, draft)
	linking := d.ticketLinking(route, link, args, draft, ev, recent)
	// The "created" notice renders inside the transaction, once the key is
	// known; one that cannot render must not fail the webhook, so it is
	// tried now and, failing, left to the job (which retries it).
	if _, err := linking(core.TicketRef{Sink: route.Sink, Key: "?"}, true); err != nil {
		d.Log.WarnContext(ctx, "ticket left to a creation job", "event", ev.ID, "error", err)
		return byJob
	}
	made := new(bool)
	creation, committed := dc.CreateInTx(draft, func(ref core.TicketRef, fresh bool) (store.TicketLinking, error) {
		*made = fresh
		return linking(ref, fresh)
	})
	b.made = append(b.made, madeHere{sink: route.Sink, received: ev, made: made, committed: committed})
	return store.Change{Open: &link, Ticket: &creation}
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
