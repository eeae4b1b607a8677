package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// ExternalIDPrefix starts every external id we give a ticket; the rest is
// the link id, so a ticket event without a known ticket key still finds
// its link.
const ExternalIDPrefix = "tb-"

// createWorker creates a link's ticket. A retried attempt first looks for
// the ticket an earlier attempt may have created (its response lost, or
// the process killed before the link was written), so retries never make a
// second ticket; a sink that creates in the link's own commit (the local
// desk, sink.LinkedCreator) needs no look-up.
type createWorker struct {
	river.WorkerDefaults[CreateArgs]
	d *Deps
}

func (w *createWorker) Work(ctx context.Context, job *river.Job[CreateArgs]) error {
	d := w.d
	link, err := d.Store.LinkGet(ctx, job.Args.LinkID)
	if err != nil {
		return fmt.Errorf("load link: %w", err)
	}
	if link.TicketKey != "" {
		return nil
	}
	route, ok := d.Routes[link.Route]
	snk, ok2 := d.Sinks[link.Sink]
	if !ok || !ok2 {
		return river.JobCancel(fmt.Errorf("route %q or sink %q is no longer configured", link.Route, link.Sink))
	}
	draft, ev, recent, err := w.draft(ctx, job.Args, link)
	if err != nil {
		return err
	}
	linking := d.ticketLinking(route, link, job.Args, draft, ev, recent)
	var made bool
	if lc, ok := sink.As[sink.LinkedCreator](snk); ok {
		// Both or neither committed, so a retry needs no look-up.
		_, err = lc.CreateLinked(ctx, draft, func(ref core.TicketRef, fresh bool) (store.TicketLinking, error) {
			made = fresh
			return linking(ref, fresh)
		})
		err = retryable(err)
	} else {
		made, err = w.createThenLink(ctx, job, snk, draft, linking)
	}
	if err != nil {
		if job.Attempt >= job.MaxAttempts || core.IsPermanent(err) {
			d.Metrics.TicketsCreated.WithLabelValues(link.Sink, "error").Inc()
		}
		return err
	}
	result := "found_existing"
	if made {
		result = "created"
	}
	d.Metrics.TicketsCreated.WithLabelValues(link.Sink, result).Inc()
	d.Metrics.ObserveSince("event_to_ticket", job.Args.Received, d.Now())
	return nil
}

// ticketLinking returns what commits with link's ticket: the link's
// record, the "created" notice, attachments, SLA clocks, anything said
// meanwhile, the audit.
func (d *Deps) ticketLinking(route config.Route, link store.Link, args CreateArgs, draft core.TicketDraft, ev core.StoredEvent, recent []core.StoredEvent) func(core.TicketRef, bool) (store.TicketLinking, error) {
	return func(ref core.TicketRef, made bool) (store.TicketLinking, error) {
		result := "found_existing"
		if made {
			result = "created"
		}
		text, err := d.Rules.Notify(route.Name, "created", rules.NotifyData{Route: route.Name, Ticket: ref, Draft: &draft, Event: &ev})
		if err != nil {
			return store.TicketLinking{}, fmt.Errorf("render created notice: %w", err)
		}
		follow := store.Jobs{
			Insert(NotifyArgs{Route: link.Route, To: link.Conversation, Message: core.OutboundMessage{Text: text, Key: "created-" + link.ID}}),
		}
		follow = append(follow, attachJobs(link.ID, recent)...)
		clock, timers, err := slaStart(route, link, draft.Priority, d.Now())
		if err != nil {
			return store.TicketLinking{}, err
		}
		follow = append(follow, timers...)
		return store.TicketLinking{
			LinkID: link.ID, Ref: ref, Cursor: args.ThroughID, Jobs: follow, SLA: clock,
			IfFollowUps: store.Jobs{Insert(AppendArgs{LinkID: link.ID, EventID: args.ThroughID})},
			Audit: &store.AuditEntry{Actor: "system", Action: "ticket.create", Target: ref.Sink + "/" + ref.Key,
				Detail: map[string]any{"link": link.ID, "route": link.Route, "rule": args.Rule, "result": result}},
		}, nil
	}
}

// createThenLink creates the ticket in the sink and then records it on its
// link. A retried attempt first looks for the ticket an earlier attempt may
// have created (its response lost, or the process killed before the link
// was written). It reports whether the ticket was made now.
func (w *createWorker) createThenLink(ctx context.Context, job *river.Job[CreateArgs], snk sink.Sink, draft core.TicketDraft,
	linking func(core.TicketRef, bool) (store.TicketLinking, error)) (bool, error) {
	ref, found := core.TicketRef{}, false
	if job.Attempt > 1 {
		var err error
		ref, found, err = snk.FindByExternalID(ctx, draft.ExternalID)
		if err != nil {
			return false, retryable(fmt.Errorf("find ticket %s: %w", draft.ExternalID, err))
		}
	}
	if !found {
		var err error
		if ref, err = snk.Create(ctx, draft); err != nil {
			return false, retryable(fmt.Errorf("create ticket: %w", err))
		}
	}
	l, err := linking(ref, !found)
	if err != nil {
		return false, err
	}
	if err := w.d.Store.LinkSetTicket(ctx, l); err != nil {
		return false, fmt.Errorf("record ticket %s: %w", ref.Key, err)
	}
	return !found, nil
}

// draft maps the ticket. It also returns the stored events the ticket
// covers, whose attachments follow it.
func (w *createWorker) draft(ctx context.Context, args CreateArgs, link store.Link) (core.TicketDraft, core.StoredEvent, []core.StoredEvent, error) {
	d := w.d
	route := d.Routes[link.Route]
	evs, err := d.loadEvent(ctx, args.EventID)
	if err != nil {
		return core.TicketDraft{}, core.StoredEvent{}, nil, err
	}
	stored, err := d.Store.ConversationEvents(ctx, link.ConvKey, 0, args.ThroughID, route.Mapping.ContextMessages)
	if err != nil {
		return core.TicketDraft{}, core.StoredEvent{}, nil, fmt.Errorf("load context: %w", err)
	}
	ev, recent := d.enrich(ctx, evs[0], stored, route.Mapping.ContextMessages)
	dec := rules.Decision{Route: route.Name, Rule: args.Rule, Kind: rules.KindCreate, Category: args.Category}
	draft, err := d.Rules.Draft(route.Name, rules.MapInput{Event: ev, Context: recent, Decision: dec, ExternalID: ExternalIDPrefix + link.ID})
	if err != nil {
		return core.TicketDraft{}, core.StoredEvent{}, nil, river.JobCancel(fmt.Errorf("map ticket: %w", err))
	}
	if args.Note != "" {
		draft.Description = args.Note + "\n\n" + draft.Description
		if route.Mapping.Title == "" && args.Rule == rules.RuleLiveBurst {
			draft.Title = truncateRunes(args.Note, 120)
		}
	}
	return d.Scrub.Draft(route.Name, draft), ev, stored, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
