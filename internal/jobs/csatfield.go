package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/csat"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// KindCSATField is the kind of CSATFieldArgs (persisted: never rename).
const KindCSATField = "csat_field"

// CSATFieldArgs writes a CSAT answer into the ticket system's own
// satisfaction field (sink.SatisfactionWriter); unique per link and
// answer. A retry reads the field first and stops when its earlier
// write is there.
type CSATFieldArgs struct {
	LinkID  string `json:"link_id"`
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

func (CSATFieldArgs) Kind() string { return KindCSATField }

func (CSATFieldArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// csatEffects are the jobs that put an answer on the ticket: its
// satisfaction field where the sink has one configured, and the internal
// note (keyed csat-<link>) where it has none, or where the comment has no
// field of its own to go in.
func (d *Deps) csatEffects(sinkID, linkID string, score int, comment string) store.Jobs {
	note := Insert(TicketNoteArgs{LinkID: linkID, Key: "csat-" + linkID, Body: csat.Note(score, comment)})
	sw, ok := sink.As[sink.SatisfactionWriter](d.Sinks[sinkID])
	if !ok {
		return store.Jobs{note}
	}
	scoreField, commentField := sw.SatisfactionFields()
	if !scoreField {
		return store.Jobs{note}
	}
	out := store.Jobs{Insert(CSATFieldArgs{LinkID: linkID, Score: score, Comment: comment})}
	if comment != "" && !commentField {
		out = append(out, note)
	}
	return out
}

type csatFieldWorker struct {
	river.WorkerDefaults[CSATFieldArgs]
	d *Deps
}

func (w *csatFieldWorker) Work(ctx context.Context, job *river.Job[CSATFieldArgs]) error {
	d := w.d
	a := job.Args
	link, ref, ok, err := d.ticketOf(ctx, a.LinkID)
	if !ok {
		return err
	}
	s, ok := d.Sinks[link.Sink]
	if !ok {
		return river.JobCancel(fmt.Errorf("sink %q is no longer configured", link.Sink))
	}
	note := func() error {
		return d.insert(ctx, store.Jobs{Insert(TicketNoteArgs{LinkID: link.ID, Key: "csat-" + link.ID, Body: csat.Note(a.Score, a.Comment)})})
	}
	sw, ok := sink.As[sink.SatisfactionWriter](s)
	if !ok {
		return note()
	}
	if scoreField, _ := sw.SatisfactionFields(); !scoreField {
		return note() // the field was unconfigured meanwhile
	}
	want := core.Satisfaction{Score: a.Score, Comment: a.Comment}
	if job.Attempt > 1 {
		got, found, err := sw.Satisfaction(ctx, ref)
		if err != nil {
			return retryable(fmt.Errorf("read the satisfaction field of %s: %w", link.TicketKey, err))
		}
		if found && got.Score == want.Score {
			d.Metrics.Effects.WithLabelValues(link.Sink, "csat_field", "found").Inc()
			return nil
		}
		d.Metrics.Effects.WithLabelValues(link.Sink, "csat_field", "repeated").Inc()
	}
	err = sw.SetSatisfaction(ctx, ref, want)
	if err != nil && core.IsPermanent(err) {
		// The system refuses the field (a wrong csat_field, a screen
		// without it): the answer still reaches the ticket, as a note.
		d.Log.WarnContext(ctx, "satisfaction field refused; writing the answer as a note", "sink", link.Sink, "ticket", link.TicketKey, "error", err)
		return note()
	}
	return retryable(err)
}
