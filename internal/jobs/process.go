package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// processWorker runs the routes' triggers over one ingress batch and turns
// the decisions into proposals, links and the jobs that act on them. Every
// step is idempotent (unique links, proposals and jobs), so a batch that
// fails halfway is simply processed again.
type processWorker struct {
	river.WorkerDefaults[ProcessArgs]
	d *Deps
}

func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	events, err := w.d.Store.EventsByID(ctx, job.Args.EventIDs)
	if err != nil {
		return fmt.Errorf("load batch events: %w", err)
	}
	for _, ev := range events {
		if err := w.processEvent(ctx, ev); err != nil {
			return fmt.Errorf("process event %d: %w", ev.ID, err)
		}
	}
	return nil
}

func (w *processWorker) processEvent(ctx context.Context, ev core.StoredEvent) error {
	if ev.Sender.Role == core.RoleBot {
		return nil
	}
	if ev.Kind == core.KindCallSignal {
		return w.foldCall(ctx, ev)
	}
	convKey := ev.Conversation.Key()
	st, pending, links, err := w.state(ctx, ev, convKey)
	if err != nil {
		return err
	}
	for _, dec := range w.d.Judges.Settle(ctx, ev.Text, w.d.Rules.Evaluate(ev.Event, st)) {
		route := w.d.Routes[dec.Route]
		if err := w.apply(ctx, ev, route, dec, pending[dec.Route], links[dec.Route]); err != nil {
			return fmt.Errorf("route %s: %w", dec.Route, err)
		}
	}
	return w.eventJobs(ctx, ev, links)
}

// state gathers what the rules need to know of the conversation.
func (w *processWorker) state(ctx context.Context, ev core.StoredEvent, convKey string) (rules.State, map[string]store.Proposal, map[string]store.Link, error) {
	st := rules.State{
		Now:       w.d.Now(),
		Links:     map[string]rules.LinkState{},
		Proposals: map[string]rules.ProposalState{},
	}
	links := map[string]store.Link{}
	open, err := w.d.Store.LinksForConversation(ctx, convKey)
	if err != nil {
		return st, nil, nil, fmt.Errorf("load links: %w", err)
	}
	for _, l := range open {
		links[l.Route] = l
		st.Links[l.Route] = rules.LinkState{TicketKey: l.TicketKey, State: l.State}
	}
	pending := map[string]store.Proposal{}
	for name, r := range w.d.Routes {
		// Only routes that ask for confirmation make proposals; the
		// others need no look-up (one query less per event).
		if !r.Trigger.Confirm || !routeHasSource(r, ev.Source) {
			continue
		}
		p, err := w.d.Store.ProposalPending(ctx, name, convKey)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return st, nil, nil, fmt.Errorf("load proposal: %w", err)
		}
		pending[name] = p
		st.Proposals[name] = rules.ProposalState{Rule: p.Rule, Category: p.Category, ExpiresAt: p.ExpiresAt}
	}
	return st, pending, links, nil
}

func routeHasSource(r config.Route, src string) bool {
	for _, s := range r.Sources {
		if s == src {
			return true
		}
	}
	return false
}

func (w *processWorker) apply(ctx context.Context, ev core.StoredEvent, route config.Route, dec rules.Decision, p store.Proposal, link store.Link) error {
	if dec.Proposal == store.ProposalRejected || dec.Proposal == store.ProposalExpired {
		if _, err := w.d.Store.ProposalResolve(ctx, p.ID, dec.Proposal, nil); err != nil {
			return fmt.Errorf("resolve proposal: %w", err)
		}
	}
	if dec.Kind == rules.KindNone {
		return nil
	}
	mode := route.Mode
	if dec.DryRun {
		mode = "dry_run"
	}
	w.d.Metrics.Decisions.WithLabelValues(dec.Route, string(dec.Kind), mode).Inc()
	if dec.DryRun {
		return w.dryRun(ctx, ev, route, dec)
	}
	switch dec.Kind {
	case rules.KindPropose:
		if p.ID != "" {
			// The rules only propose again once the last proposal
			// expired; close it so the new one can be recorded.
			if _, err := w.d.Store.ProposalResolve(ctx, p.ID, store.ProposalExpired, nil); err != nil {
				return fmt.Errorf("expire proposal: %w", err)
			}
		}
		return w.propose(ctx, ev, route, dec)
	case rules.KindCreate:
		return w.create(ctx, ev, route, dec, p)
	case rules.KindClose:
		if link.TicketKey == "" {
			return nil
		}
		return w.d.insert(ctx, store.Jobs{Insert(TransitionArgs{LinkID: link.ID, State: core.StateResolved, EventID: ev.ID})})
	case rules.KindAppend:
		if link.ID == "" || link.TicketKey == "" {
			// The create job in flight covers this event or enqueues
			// its append when it finishes.
			return nil
		}
		return w.d.insert(ctx, store.Jobs{Insert(AppendArgs{LinkID: link.ID, EventID: ev.ID})})
	}
	return nil
}

// dryRun records the ticket the route would have created and calls
// nothing outside.
func (w *processWorker) dryRun(ctx context.Context, ev core.StoredEvent, route config.Route, dec rules.Decision) error {
	if dec.Kind == rules.KindAppend {
		return nil
	}
	convKey := ev.Conversation.Key()
	recent, err := w.d.Store.ConversationEvents(ctx, convKey, 0, ev.ID, route.Mapping.ContextMessages)
	if err != nil {
		return fmt.Errorf("load context: %w", err)
	}
	draft, err := w.d.Rules.Draft(route.Name, rules.MapInput{Event: ev, Context: recent, Decision: dec, ExternalID: "dry-run"})
	if err != nil {
		return fmt.Errorf("map ticket: %w", err)
	}
	w.d.Metrics.TicketsCreated.WithLabelValues(route.Sink, "dry_run").Inc()
	draft = w.d.Scrub.Draft(route.Name, draft)
	return w.d.Store.DryRunRecord(ctx, store.DryRun{Route: route.Name, ConvKey: convKey, Rule: dec.Rule, Draft: draft, CreatedAt: w.d.Now()})
}

func (w *processWorker) propose(ctx context.Context, ev core.StoredEvent, route config.Route, dec rules.Decision) error {
	p := store.Proposal{
		ID:           newID(),
		Route:        route.Name,
		ConvKey:      ev.Conversation.Key(),
		Conversation: ev.Conversation,
		EventID:      ev.ID,
		Rule:         dec.Rule,
		Category:     dec.Category,
		State:        store.ProposalPending,
		ExpiresAt:    w.d.Now().Add(route.Trigger.ConfirmTimeout),
	}
	text, err := w.d.Rules.Notify(route.Name, "propose", rules.NotifyData{Route: route.Name, Event: &ev, Category: dec.Category})
	if err != nil {
		return fmt.Errorf("render proposal: %w", err)
	}
	msg := core.OutboundMessage{
		Text:   text,
		Prompt: &core.Prompt{Token: p.ID, Confirm: "Yes, open a ticket", Reject: "No, thanks"},
		Key:    "propose-" + p.ID,
	}
	_, _, err = w.d.Store.ProposalCreate(ctx, p, store.Jobs{Insert(NotifyArgs{Route: route.Name, To: ev.Conversation, Message: msg})})
	return err
}

func (w *processWorker) create(ctx context.Context, ev core.StoredEvent, route config.Route, dec rules.Decision, p store.Proposal) error {
	about := ev.ID
	if dec.Proposal == store.ProposalAccepted {
		if _, err := w.d.Store.ProposalResolve(ctx, p.ID, store.ProposalAccepted, nil); err != nil {
			return fmt.Errorf("accept proposal: %w", err)
		}
		about = p.EventID
	}
	return w.openLink(ctx, ev, route, dec, about, ev.ID, "")
}

// openLink opens the route's link for ev's conversation with the job that
// creates its ticket: about the event aboutID, covering the conversation
// through throughID, with note (if any) put before the description.
func (w *processWorker) openLink(ctx context.Context, ev core.StoredEvent, route config.Route, dec rules.Decision, aboutID, throughID int64, note string) error {
	link := store.Link{
		ID:           newID(),
		Route:        route.Name,
		ConvKey:      ev.Conversation.Key(),
		Conversation: ev.Conversation,
		Sink:         route.Sink,
		State:        store.LinkCreating,
	}
	args := CreateArgs{LinkID: link.ID, EventID: aboutID, ThroughID: throughID, Rule: dec.Rule, Category: dec.Category, Received: ev.Time, Note: note}
	_, _, err := w.d.Store.LinkOpen(ctx, link, store.Jobs{Insert(args)})
	return err
}
