package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// ExternalIDPrefix starts every external id we give a ticket; the rest is
// the link id, so a ticket event without a known ticket key still finds
// its link.
const ExternalIDPrefix = "tb-"

// createWorker creates a link's ticket. A retried attempt first looks for
// the ticket an earlier attempt may have created (its response lost, or
// the process killed before the link was written), so retries never make a
// second ticket.
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
	ref, found := core.TicketRef{}, false
	if job.Attempt > 1 {
		ref, found, err = snk.FindByExternalID(ctx, draft.ExternalID)
		if err != nil {
			return retryable(fmt.Errorf("find ticket %s: %w", draft.ExternalID, err))
		}
	}
	result := "found_existing"
	if !found {
		ref, err = snk.Create(ctx, draft)
		if err != nil {
			if core.IsPermanent(err) || job.Attempt >= job.MaxAttempts {
				d.Metrics.TicketsCreated.WithLabelValues(link.Sink, "error").Inc()
			}
			return retryable(fmt.Errorf("create ticket: %w", err))
		}
		result = "created"
	}
	d.Metrics.TicketsCreated.WithLabelValues(link.Sink, result).Inc()
	text, err := d.Rules.Notify(route.Name, "created", rules.NotifyData{Route: route.Name, Ticket: ref, Draft: &draft, Event: &ev})
	if err != nil {
		return fmt.Errorf("render created notice: %w", err)
	}
	follow := store.Jobs{
		Insert(NotifyArgs{Route: link.Route, To: link.Conversation, Message: core.OutboundMessage{Text: text, Key: "created-" + link.ID}}),
	}
	follow = append(follow, attachJobs(link.ID, recent)...)
	follow = append(follow, slaStartJobs(route, link.ID, draft.Priority, d.Now())...)
	// Anything said while the ticket was being created, if anything was.
	said := store.Jobs{Insert(AppendArgs{LinkID: link.ID, EventID: job.Args.ThroughID})}
	if err := d.Store.LinkSetTicket(ctx, link.ID, ref, job.Args.ThroughID, follow, said); err != nil {
		return fmt.Errorf("record ticket %s: %w", ref.Key, err)
	}
	d.Metrics.ObserveSince("event_to_ticket", job.Args.Received, d.Now())
	if err := d.Store.AuditAdd(ctx, store.AuditEntry{Actor: "system", Action: "ticket.create", Target: ref.Sink + "/" + ref.Key,
		Detail: map[string]any{"link": link.ID, "route": link.Route, "rule": job.Args.Rule, "result": result}}); err != nil {
		d.Log.WarnContext(ctx, "audit ticket creation", "ticket", ref.Key, "error", err)
	}
	return nil
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
