package jobs

import (
	"context"
	"fmt"
	"sort"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// PollArgs polls one sink for ticket events, for systems (or set-ups)
// without webhooks.
type PollArgs struct {
	Sink string `json:"sink"`
}

func (PollArgs) Kind() string { return KindPoll }

// One poll per sink at a time: a slow poll is not overtaken by the next.
func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// periodicPolls schedules a poll of every sink that has an interval. Only
// River's elected leader enqueues periodic jobs, so replicas do not poll
// the same sink together.
func periodicPolls(sinks map[string]sink.Sink) []*river.PeriodicJob {
	ids := make([]string, 0, len(sinks))
	for id := range sinks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []*river.PeriodicJob
	for _, id := range ids {
		p, ok := sink.As[sink.Poller](sinks[id])
		if !ok || p.PollInterval() <= 0 {
			continue
		}
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(p.PollInterval()),
			func() (river.JobArgs, *river.InsertOpts) { return PollArgs{Sink: id}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	return out
}

// pollWorker asks a sink for what changed since its cursor, stores the
// events (deduplicated like webhook deliveries) with their jobs, then
// moves the cursor. A crash before the cursor moves polls the same window
// again, which the dedupe absorbs.
type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	d *Deps
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	d := w.d
	p, ok := sink.As[sink.Poller](d.Sinks[job.Args.Sink])
	if !ok {
		return river.JobCancel(fmt.Errorf("sink %q does not poll", job.Args.Sink))
	}
	name := "poll:" + job.Args.Sink
	cursor, err := d.Store.CursorGet(ctx, name)
	if err != nil {
		return err
	}
	evs, next, err := p.Poll(ctx, cursor)
	if err != nil {
		return retryable(fmt.Errorf("poll %s: %w", job.Args.Sink, err))
	}
	for i := range evs {
		evs[i].Sink = job.Args.Sink
	}
	if len(evs) > 0 {
		if _, err := d.Store.TicketEventsIngest(ctx, evs, d.DecideTicketEvents); err != nil {
			return fmt.Errorf("store polled events: %w", err)
		}
	}
	if next != cursor {
		return d.Store.CursorSet(ctx, name, next)
	}
	return nil
}
