package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Deciding at ingest. Most events are decided inside the very transaction
// that stores them (store.IngestDecide): the group-commit writer already
// holds a batch of new events, so reading their conversations, deciding
// and committing the decisions with the events costs one transaction and
// no job at all. The event is then processed when it is acknowledged:
// there is no processing backlog to drain, and a /ticket's creation job
// is queued by the same commit that stores it.
//
// What cannot be decided without waiting stays with the process_events
// jobs (process.go), decided exactly as before:
//   - call signals, which fold a call from its stored signals and may
//     store a call_ended event of their own;
//   - live-stream comments on a route with a live trigger, which look for
//     a burst among the stream's comments;
//   - a decision that would ask a route's LLM judge (the network).
// Once one event of a conversation is left to a job, the batch's later
// events of that conversation follow it, so a conversation's events are
// still decided in order.

// errNotInline is what deciding an event returns when it needs the
// network; Decide leaves the event to a processing job.
var errNotInline = errors.New("event cannot be decided inside the ingest transaction")

// Decision is what Decide made of a group commit's new events. After is
// to be called once the transaction committed (it counts the decisions).
type Decision struct {
	Changes []store.Change
	Jobs    store.Jobs
	After   func()
}

// Decide decides fresh inside the ingest transaction r reads through.
func (d *Deps) Decide(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) (Decision, error) {
	w := &processWorker{d: d}
	inline := make([]core.StoredEvent, 0, len(fresh))
	// Each inline event's conversation key, made once: a key is a new
	// string each time it is made.
	inlineKeys := make([]string, 0, len(fresh))
	later := map[string]bool{} // conversations left to a job
	var deferred []core.StoredEvent
	for _, ev := range fresh {
		k := ev.Conversation.Key()
		if later[k] || !d.decidesInline(ev) {
			later[k] = true
			deferred = append(deferred, ev)
			continue
		}
		inline = append(inline, ev)
		inlineKeys = append(inlineKeys, k)
	}
	b, err := w.newBatchKeyed(ctx, r, inlineKeys)
	if err != nil {
		return Decision{}, fmt.Errorf("decide: %w", err)
	}
	b.inline = true
	processed := 0
	for i, ev := range inline {
		k := inlineKeys[i]
		if later[k] {
			deferred = append(deferred, ev)
			continue
		}
		mark, marked, made, tickets := len(b.changes), len(b.counted), len(b.made), len(b.tickets)
		if err := b.process(ctx, ev); err != nil {
			// Needs the network, or failed (a template that does not
			// render): a processing job decides it, with retries and a
			// dead letter, and the event is stored all the same.
			if !errors.Is(err, errNotInline) {
				d.Log.WarnContext(ctx, "event left to a processing job", "event", ev.ID, "error", err)
			}
			b.changes, b.counted, b.made, b.tickets = b.changes[:mark], b.counted[:marked], b.made[:made], b.tickets[:tickets]
			later[k] = true
			deferred = append(deferred, ev)
			continue
		}
		processed++
	}
	b.makeTickets(ctx)
	slices.SortFunc(deferred, func(a, b core.StoredEvent) int { return cmp.Compare(a.ID, b.ID) })
	out := Decision{Changes: b.changes, Jobs: d.processJobsFor(deferred)}
	counted, madeHere := b.counted, b.made
	out.After = func() {
		d.afterCommit(madeHere)
		for _, c := range counted {
			d.Metrics.Decisions.WithLabelValues(c.route, c.kind, c.mode).Inc()
		}
		d.Metrics.EventsProcessed.Add(float64(processed))
	}
	return out, nil
}

// decidesInline tells whether ev can be decided without waiting for
// anything but the transaction.
func (d *Deps) decidesInline(ev core.StoredEvent) bool {
	switch ev.Kind {
	case core.KindCallSignal:
		return false
	case core.KindLiveFeedback:
		for _, r := range d.Routes {
			if r.Trigger.Live != nil && routeHasSource(r, ev.Source) {
				return false
			}
		}
	}
	return true
}

// processJobsFor queues the events left to processing jobs, in their
// partitions and lanes.
func (d *Deps) processJobsFor(evs []core.StoredEvent) store.Jobs {
	if len(evs) == 0 {
		return nil
	}
	events := make([]core.Event, len(evs))
	urgent := make([]bool, len(evs))
	ids := make([]int64, len(evs))
	index := make([]int, len(evs))
	for i, ev := range evs {
		events[i], ids[i], index[i] = ev.Event, ev.ID, i
		urgent[i] = ev.Kind == core.KindCallSignal || d.Rules.Urgent(ev.Event)
	}
	return ProcessJobs(events, urgent, ids, index, d.Partitions)
}
