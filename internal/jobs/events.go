package jobs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/live"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// EscalateArgs checks, when a route's escalate_after has passed since a
// conversation's first customer message, whether anyone opened a ticket;
// if not, it opens one. It is a scheduled River job, so it survives
// restarts, and it is unique per route and conversation, so the first
// message sets the clock and a conversation escalates once.
type EscalateArgs struct {
	Route        string               `json:"route" river:"unique"`
	ConvKey      string               `json:"conv_key" river:"unique"`
	Conversation core.ConversationRef `json:"conversation"`
	EventID      int64                `json:"event_id"`
}

func (EscalateArgs) Kind() string { return KindEscalate }

func (EscalateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// LiveBurstArgs acts on one burst of audience complaints in a stream:
// unique per burst, so the many comments of one burst make one job.
type LiveBurstArgs struct {
	Route        string               `json:"route" river:"unique"`
	ConvKey      string               `json:"conv_key" river:"unique"`
	Conversation core.ConversationRef `json:"conversation"`
	FirstID      int64                `json:"first_id" river:"unique"`
	// EventID is the comment that revealed the burst (not part of its
	// identity: later comments of the same burst find the job exists).
	EventID int64 `json:"event_id"`
}

func (LiveBurstArgs) Kind() string { return KindLiveBurst }

func (LiveBurstArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// eventJobs schedules the event triggers an event may start: escalation
// clocks for customer messages, burst checks for audience comments.
func (b *batch) eventJobs(ctx context.Context, ev core.StoredEvent, cs *convState) error {
	var jobs store.Jobs
	for _, r := range b.w.d.Routes {
		if !routeHasSource(r, ev.Source) {
			continue
		}
		if r.Trigger.EscalateAfter > 0 && ev.Kind == core.KindMessage && ev.Sender.Role != core.RoleAgent && cs.links[r.Name].ID == "" {
			at := ev.Time.Add(r.Trigger.EscalateAfter)
			p := Insert(EscalateArgs{Route: r.Name, ConvKey: ev.Conversation.Key(), Conversation: ev.Conversation, EventID: ev.ID})
			p.InsertOpts.ScheduledAt = at
			jobs = append(jobs, p)
		}
		if r.Trigger.Live != nil && ev.Kind == core.KindLiveFeedback {
			bu, ok, err := b.w.burstOf(ctx, r, ev)
			if err != nil {
				return err
			}
			if ok {
				jobs = append(jobs, Insert(LiveBurstArgs{Route: r.Name, ConvKey: ev.Conversation.Key(), Conversation: ev.Conversation, FirstID: bu.FirstID, EventID: ev.ID}))
			}
		}
	}
	if len(jobs) > 0 {
		b.add(store.Change{Jobs: jobs})
	}
	return nil
}

// burstOf finds the complaint burst ev belongs to, looking at the stream's
// comments before it.
func (w *processWorker) burstOf(ctx context.Context, r config.Route, ev core.StoredEvent) (live.Burst, bool, error) {
	ok, _ := live.IsComplaint(ev.Text, r.Trigger.Live.Keywords)
	if !ok {
		return live.Burst{}, false, nil
	}
	bursts, err := w.d.bursts(ctx, r, ev.Conversation.Key(), ev.ID, ev.Time)
	if err != nil {
		return live.Burst{}, false, err
	}
	for _, b := range bursts {
		if b.FirstID <= ev.ID && ev.ID <= b.LastID {
			return b, true, nil
		}
	}
	return live.Burst{}, false, nil
}

// maxBurstComments bounds the comments a burst check reads.
const maxBurstComments = 20000

// bursts runs the detector over a stream's comments up to throughID in a
// lookback long enough for the window and the cooldown.
func (d *Deps) bursts(ctx context.Context, r config.Route, convKey string, throughID int64, at time.Time) ([]live.Burst, error) {
	cfg := liveConfig(r.Trigger.Live)
	evs, err := d.Store.ConversationEvents(ctx, convKey, 0, throughID, maxBurstComments)
	if err != nil {
		return nil, fmt.Errorf("load stream comments: %w", err)
	}
	since := at.Add(-(cfg.Cooldown + 2*cfg.Window))
	comments := make([]live.Comment, 0, len(evs))
	for _, e := range evs {
		if e.Kind == core.KindLiveFeedback && !e.Time.Before(since) {
			comments = append(comments, live.Comment{ID: e.ID, Viewer: e.Sender.ID, Text: e.Text, Time: e.Time})
		}
	}
	return live.Detect(cfg, comments), nil
}

func liveConfig(t *config.LiveTrigger) live.Config {
	return live.Config{MinViewers: t.MinViewers, Window: t.Window, Cooldown: t.Cooldown, Extra: t.Keywords}.WithDefaults()
}

// escalateWorker opens a ticket for a conversation nobody opened one for.
type escalateWorker struct {
	river.WorkerDefaults[EscalateArgs]
	d *Deps
}

func (w *escalateWorker) Work(ctx context.Context, job *river.Job[EscalateArgs]) error {
	d := w.d
	route, ok := d.Routes[job.Args.Route]
	if !ok {
		return nil
	}
	links, err := d.Store.LinksForConversation(ctx, job.Args.ConvKey)
	if err != nil {
		return fmt.Errorf("load links: %w", err)
	}
	for _, l := range links {
		if l.Route == route.Name {
			return nil // someone opened a ticket
		}
	}
	after, err := d.Store.ConversationEventsAfter(ctx, job.Args.ConvKey, job.Args.EventID-1, maxAppendEvents)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	last := job.Args.EventID
	for _, e := range after {
		if e.Kind == core.KindConversationEnded {
			return nil // the conversation was closed in time
		}
		last = max(last, e.ID)
	}
	evs, err := d.loadEvent(ctx, job.Args.EventID)
	if err != nil {
		return err
	}
	wait := route.Trigger.EscalateAfter.Round(time.Minute)
	dec := rules.Decision{Route: route.Name, Rule: rules.RuleEscalation, Kind: rules.KindCreate,
		Reason: fmt.Sprintf("no ticket %s after the first message", wait), DryRun: d.routeDryRun(route.Name)}
	pw := &processWorker{d: d}
	if dec.DryRun {
		return pw.applyDryRun(ctx, evs[0], route, dec)
	}
	d.Metrics.Decisions.WithLabelValues(route.Name, string(dec.Kind), route.Mode).Inc()
	_, err = d.Store.Apply(ctx, []store.Change{pw.openLink(evs[0], route, dec, evs[0].ID, last, "")})
	return err
}

// liveBurstWorker turns a burst into a ticket, or into an update on the
// stream's open ticket.
type liveBurstWorker struct {
	river.WorkerDefaults[LiveBurstArgs]
	d *Deps
}

func (w *liveBurstWorker) Work(ctx context.Context, job *river.Job[LiveBurstArgs]) error {
	d := w.d
	route, ok := d.Routes[job.Args.Route]
	if !ok || route.Trigger.Live == nil {
		return nil
	}
	evs, err := d.loadEvent(ctx, job.Args.EventID)
	if err != nil {
		return err
	}
	bursts, err := d.bursts(ctx, route, job.Args.ConvKey, job.Args.EventID, evs[0].Time)
	if err != nil {
		return err
	}
	var b live.Burst
	for _, x := range bursts {
		if x.FirstID == job.Args.FirstID {
			b = x
		}
	}
	summary := burstSummary(job.Args.Conversation.Conversation, b)
	links, err := d.Store.LinksForConversation(ctx, job.Args.ConvKey)
	if err != nil {
		return fmt.Errorf("load links: %w", err)
	}
	for _, l := range links {
		if l.Route != route.Name {
			continue
		}
		if l.TicketKey == "" {
			return river.JobSnooze(2 * time.Second)
		}
		ref := core.TicketRef{Sink: l.Sink, Key: l.TicketKey, URL: l.TicketURL}
		return retryable(d.Sinks[l.Sink].Comment(ctx, ref, core.Comment{Body: "New burst of complaints. " + summary, Public: false, Author: "ticketbridge"}))
	}
	dec := rules.Decision{Route: route.Name, Rule: rules.RuleLiveBurst, Kind: rules.KindCreate, Category: "live",
		Reason: fmt.Sprintf("%d viewers complained", b.Viewers), DryRun: d.routeDryRun(route.Name)}
	pw := &processWorker{d: d}
	if dec.DryRun {
		return pw.applyDryRun(ctx, evs[0], route, dec)
	}
	d.Metrics.Decisions.WithLabelValues(route.Name, string(dec.Kind), route.Mode).Inc()
	_, err = d.Store.Apply(ctx, []store.Change{pw.openLink(evs[0], route, dec, evs[0].ID, evs[0].ID, summary)})
	return err
}

// burstSummary tells agents what the audience said.
func burstSummary(stream string, b live.Burst) string {
	terms := make([]string, 0, len(b.Terms))
	for t := range b.Terms {
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool {
		if b.Terms[terms[i]] != b.Terms[terms[j]] {
			return b.Terms[terms[i]] > b.Terms[terms[j]]
		}
		return terms[i] < terms[j]
	})
	var tb strings.Builder
	for i, t := range terms {
		if i > 0 {
			tb.WriteString(", ")
		}
		fmt.Fprintf(&tb, "%s ×%d", t, b.Terms[t])
	}
	return fmt.Sprintf("Live stream %s: %d viewers complained (%d complaints among %d comments) between %s and %s UTC. Terms: %s. Samples: %s",
		stream, b.Viewers, b.Complaints, b.Total, b.Start.UTC().Format("15:04:05"), b.End.UTC().Format("15:04:05"),
		tb.String(), strings.Join(b.Samples, " | "))
}

// loadEvent loads one stored event; one that is gone (purged by
// retention) cancels the job, there being nothing left to act on.
func (d *Deps) loadEvent(ctx context.Context, id int64) ([]core.StoredEvent, error) {
	evs, err := d.Store.EventsByID(ctx, []int64{id})
	if err != nil {
		return nil, fmt.Errorf("load event %d: %w", id, err)
	}
	if len(evs) == 0 {
		return nil, river.JobCancel(fmt.Errorf("event %d: %w", id, store.ErrNotFound))
	}
	return evs, nil
}
