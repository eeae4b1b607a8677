package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// processWorker runs the routes' triggers over one ingress batch and turns
// the decisions into proposals, links and the jobs that act on them. It
// looks the batch's conversations up once, decides every event in order
// against that state (updated as it decides), and commits all the changes
// with their jobs in one transaction: a crash leaves all of a batch's
// changes or none, and a retried batch decides the same way again.
type processWorker struct {
	river.WorkerDefaults[ProcessArgs]
	d *Deps
}

func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	events, err := w.d.Store.EventsByID(ctx, job.Args.EventIDs)
	if err != nil {
		return fmt.Errorf("load batch events: %w", err)
	}
	b, err := w.newBatch(ctx, w.d.Store, events)
	if err != nil {
		return err
	}
	for _, ev := range events {
		if err := b.process(ctx, ev); err != nil {
			return fmt.Errorf("process event %d: %w", ev.ID, err)
		}
	}
	// The job completes with its decisions, even when there are none: run
	// again after a crash it would decide against a later state, and a
	// message that found nothing to do then (a complaint while its
	// conversation's ticket was being created) could act now (propose a
	// new ticket after that one was solved).
	b.add(store.Change{Complete: job.JobRow})
	if _, err := w.d.Store.Apply(ctx, b.changes); err != nil {
		return fmt.Errorf("commit decisions: %w", err)
	}
	for _, c := range b.counted {
		w.d.Metrics.Decisions.WithLabelValues(c.route, c.kind, c.mode).Inc()
	}
	w.d.Metrics.EventsProcessed.Add(float64(len(events)))
	return nil
}

// batch is one processing batch under way: the conversations' state as
// the batch's own decisions leave it, and the changes to commit.
type batch struct {
	w *processWorker
	// r reads the conversations: the store, or the ingest transaction
	// when the batch is decided inside it (decide.go).
	r store.StateReader
	// inline: decided inside the ingest transaction, where nothing may
	// call the network; a decision that would ask a judge returns
	// errNotInline instead.
	inline  bool
	convs   map[string]*convState
	changes []store.Change
	counted []decisionCount
	// made are the tickets made in the ingest transaction (inline.go).
	made []madeHere
	// tickets are the desk tickets decided so far, made by makeTickets.
	tickets []deskTicket
}

type decisionCount struct{ route, kind, mode string }

// convState is a conversation's open links and pending proposals by
// route. The maps stay nil until the conversation has one: most
// conversations in a batch have neither, and each chat event made four
// maps (two here, two for the rules' state) that stayed empty.
type convState struct {
	links   map[string]store.Link
	pending map[string]store.Proposal
}

func (cs *convState) setLink(route string, l store.Link) {
	if cs.links == nil {
		cs.links = map[string]store.Link{}
	}
	cs.links[route] = l
}

func (cs *convState) setPending(route string, p store.Proposal) {
	if cs.pending == nil {
		cs.pending = map[string]store.Proposal{}
	}
	cs.pending[route] = p
}

func (w *processWorker) newBatch(ctx context.Context, r store.StateReader, events []core.StoredEvent) (*batch, error) {
	eventKeys := make([]string, len(events))
	for i, ev := range events {
		eventKeys[i] = ev.Conversation.Key()
	}
	return w.newBatchKeyed(ctx, r, eventKeys)
}

// newBatchKeyed is newBatch for events whose conversation keys the caller
// has made already, one per event.
func (w *processWorker) newBatchKeyed(ctx context.Context, r store.StateReader, eventKeys []string) (*batch, error) {
	keys := make([]string, 0, len(eventKeys))
	seen := make(map[string]bool, len(eventKeys))
	for _, k := range eventKeys {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	states, err := r.ConversationsState(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("load conversations: %w", err)
	}
	b := &batch{w: w, r: r, convs: make(map[string]*convState, len(keys))}
	// One allocation for the batch's states, not one per conversation.
	slab := make([]convState, len(keys))
	for i, k := range keys {
		cs := &slab[i]
		for _, l := range states[k].Links {
			cs.setLink(l.Route, l)
		}
		for _, p := range states[k].Proposals {
			cs.setPending(p.Route, p)
		}
		b.convs[k] = cs
	}
	return b, nil
}

func (b *batch) add(c store.Change) { b.changes = append(b.changes, c) }

func (b *batch) process(ctx context.Context, ev core.StoredEvent) error {
	if ev.Sender.Role == core.RoleBot {
		return nil
	}
	if ev.Kind == core.KindCallSignal {
		return b.w.foldCall(ctx, ev)
	}
	cs := b.convs[ev.Conversation.Key()]
	decisions := b.w.d.Rules.Evaluate(ev.Event, b.rulesState(ev, cs))
	if b.inline && b.w.d.Judges.WouldAsk(decisions) {
		return errNotInline
	}
	decisions = b.w.d.Judges.Settle(ctx, ev.Text, decisions)
	decisions = b.handover(ev, cs, decisions)
	b.csatAnswer(ev, cs)
	for _, dec := range decisions {
		route := b.w.d.Routes[dec.Route]
		if err := b.apply(ctx, ev, cs, route, dec); err != nil {
			return fmt.Errorf("route %s: %w", dec.Route, err)
		}
	}
	return b.eventJobs(ctx, ev, cs)
}

// rulesState is what the rules need to know of the conversation. Only
// routes that ask for confirmation and take ev's source see proposals.
func (b *batch) rulesState(ev core.StoredEvent, cs *convState) rules.State {
	st := rules.State{Now: b.w.d.Now()}
	if len(cs.links) > 0 {
		st.Links = make(map[string]rules.LinkState, len(cs.links))
	}
	for route, l := range cs.links {
		st.Links[route] = rules.LinkState{TicketKey: l.TicketKey, State: l.State}
	}
	for route, p := range cs.pending {
		r, ok := b.w.d.Routes[route]
		if !ok || !r.Trigger.Confirm || !routeHasSource(r, ev.Source) {
			continue
		}
		if st.Proposals == nil {
			st.Proposals = map[string]rules.ProposalState{}
		}
		st.Proposals[route] = rules.ProposalState{Rule: p.Rule, Category: p.Category, ExpiresAt: p.ExpiresAt}
	}
	return st
}

func routeHasSource(r config.Route, src string) bool {
	for _, s := range r.Sources {
		if s == src {
			return true
		}
	}
	return false
}

func (b *batch) apply(ctx context.Context, ev core.StoredEvent, cs *convState, route config.Route, dec rules.Decision) error {
	p := cs.pending[dec.Route]
	if dec.Proposal == store.ProposalRejected || dec.Proposal == store.ProposalExpired {
		b.add(store.Change{Resolve: &store.Resolution{ID: p.ID, State: dec.Proposal}})
		delete(cs.pending, dec.Route)
	}
	if dec.Kind == rules.KindNone {
		return nil
	}
	mode := rules.ModeLive
	if dec.DryRun {
		mode = "dry_run"
	}
	b.counted = append(b.counted, decisionCount{dec.Route, string(dec.Kind), mode})
	if dec.DryRun {
		c, err := b.w.dryRun(ctx, b.r, ev, route, dec)
		if err == nil && c != nil {
			b.add(*c)
		}
		return err
	}
	link := cs.links[dec.Route]
	switch dec.Kind {
	case rules.KindPropose:
		if p.ID != "" {
			// The rules only propose again once the last proposal
			// expired; close it so the new one can be recorded.
			b.add(store.Change{Resolve: &store.Resolution{ID: p.ID, State: store.ProposalExpired}})
		}
		return b.propose(ev, cs, route, dec)
	case rules.KindCreate:
		about := ev.ID
		var accept *store.Resolution
		if dec.Proposal == store.ProposalAccepted {
			accept = &store.Resolution{ID: p.ID, State: store.ProposalAccepted}
			about = p.EventID
			delete(cs.pending, dec.Route)
		}
		var c store.Change
		if accept == nil && b.inline {
			c = b.createHere(ev, route, dec)
		} else {
			c = b.w.openLink(ev, route, dec, about, ev.ID, "")
		}
		c.Resolve = accept
		cs.setLink(dec.Route, *c.Open)
		b.add(c)
	case rules.KindClose:
		if link.TicketKey != "" {
			b.add(store.Change{Jobs: store.Jobs{Insert(TransitionArgs{LinkID: link.ID, State: core.StateResolved, EventID: ev.ID})}})
		}
	case rules.KindAppend:
		// While the ticket is being created there is nothing to append
		// to: the creation queues an append when it records the ticket,
		// and appends read every event after the link's cursor.
		if link.ID != "" && link.TicketKey != "" {
			b.add(store.Change{Jobs: store.Jobs{Insert(AppendArgs{LinkID: link.ID, EventID: ev.ID})}})
		}
	}
	return nil
}

// dryRun returns the record of the ticket the route would have created;
// it calls nothing outside.
func (w *processWorker) dryRun(ctx context.Context, r store.StateReader, ev core.StoredEvent, route config.Route, dec rules.Decision) (*store.Change, error) {
	if dec.Kind == rules.KindAppend {
		return nil, nil
	}
	convKey := ev.Conversation.Key()
	recent, err := r.ConversationEvents(ctx, convKey, 0, ev.ID, route.Mapping.ContextMessages)
	if err != nil {
		return nil, fmt.Errorf("load context: %w", err)
	}
	draft, err := w.d.Rules.Draft(route.Name, rules.MapInput{Event: ev, Context: recent, Decision: dec, ExternalID: "dry-run"})
	if err != nil {
		return nil, fmt.Errorf("map ticket: %w", err)
	}
	w.d.Metrics.TicketsCreated.WithLabelValues(route.Sink, "dry_run").Inc()
	draft = w.d.Scrub.Draft(route.Name, draft)
	return &store.Change{DryRun: &store.DryRun{Route: route.Name, ConvKey: convKey, Rule: dec.Rule, Draft: draft, CreatedAt: w.d.Now()}}, nil
}

// applyDryRun records a dry run on its own (for the scheduled triggers).
func (w *processWorker) applyDryRun(ctx context.Context, ev core.StoredEvent, route config.Route, dec rules.Decision) error {
	c, err := w.dryRun(ctx, w.d.Store, ev, route, dec)
	if err != nil || c == nil {
		return err
	}
	_, err = w.d.Store.Apply(ctx, []store.Change{*c})
	return err
}

func (b *batch) propose(ev core.StoredEvent, cs *convState, route config.Route, dec rules.Decision) error {
	d := b.w.d
	p := store.Proposal{
		ID:           newID(),
		Route:        route.Name,
		ConvKey:      ev.Conversation.Key(),
		Conversation: ev.Conversation,
		EventID:      ev.ID,
		Rule:         dec.Rule,
		Category:     dec.Category,
		State:        store.ProposalPending,
		ExpiresAt:    d.Now().Add(route.Trigger.ConfirmTimeout),
	}
	text, err := d.Rules.Notify(route.Name, "propose", rules.NotifyData{Route: route.Name, Event: &ev, Category: dec.Category})
	if err != nil {
		return fmt.Errorf("render proposal: %w", err)
	}
	msg := core.OutboundMessage{
		Text:   text,
		Prompt: &core.Prompt{Token: p.ID, Confirm: "Yes, open a ticket", Reject: "No, thanks"},
		Key:    "propose-" + p.ID,
	}
	b.add(store.Change{Propose: &p, Jobs: store.Jobs{Insert(NotifyArgs{Route: route.Name, To: ev.Conversation, Message: msg})}})
	cs.setPending(route.Name, p)
	return nil
}

// openLink is the change that opens the route's link for ev's
// conversation with the job that creates its ticket: about the event
// aboutID, covering the conversation through throughID, with note (if
// any) put before the description.
func (w *processWorker) openLink(ev core.StoredEvent, route config.Route, dec rules.Decision, aboutID, throughID int64, note string) store.Change {
	link, args := newLink(ev, route, dec, aboutID, throughID, note)
	return store.Change{Open: &link, Jobs: store.Jobs{Insert(args)}}
}

// newLink is a link to open for ev's conversation on route and the
// arguments of the job that would create its ticket.
func newLink(ev core.StoredEvent, route config.Route, dec rules.Decision, aboutID, throughID int64, note string) (store.Link, CreateArgs) {
	link := store.Link{
		ID:           newID(),
		Route:        route.Name,
		ConvKey:      ev.Conversation.Key(),
		Conversation: ev.Conversation,
		Sink:         route.Sink,
		State:        store.LinkCreating,
	}
	received := ev.StoredAt
	if received.IsZero() {
		received = ev.Time
	}
	return link, CreateArgs{LinkID: link.ID, EventID: aboutID, ThroughID: throughID, Rule: dec.Rule, Category: dec.Category, Received: received, Note: note}
}
