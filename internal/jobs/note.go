package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// KindTicketNote is the kind of TicketNoteArgs (persisted: never rename).
const KindTicketNote = "ticket_note"

// TicketNoteArgs writes an internal note on a link's ticket: a CSAT
// answer, an SLA reminder or breach. Key identifies the note; a retry
// looks for it where the sink can (sink.CommentFinder) before writing.
type TicketNoteArgs struct {
	LinkID string `json:"link_id"`
	Key    string `json:"key"`
	Body   string `json:"body"`
}

func (TicketNoteArgs) Kind() string { return KindTicketNote }

func (TicketNoteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

type ticketNoteWorker struct {
	river.WorkerDefaults[TicketNoteArgs]
	d *Deps
}

func (w *ticketNoteWorker) Work(ctx context.Context, job *river.Job[TicketNoteArgs]) error {
	d := w.d
	link, ref, ok, err := d.ticketOf(ctx, job.Args.LinkID)
	if !ok {
		return err
	}
	s, ok := d.Sinks[link.Sink]
	if !ok {
		return river.JobCancel(fmt.Errorf("sink %q is no longer configured", link.Sink))
	}
	if job.Attempt > 1 {
		count := func(result string) { d.Metrics.Effects.WithLabelValues(link.Sink, "note", result).Inc() }
		if cf, ok := sink.As[sink.CommentFinder](s); ok {
			_, found, err := cf.FindComment(ctx, ref, job.Args.Key)
			if err != nil {
				return retryable(fmt.Errorf("look for note %s: %w", job.Args.Key, err))
			}
			if found {
				count("found")
				return nil
			}
			count("repeated")
		} else {
			count("unverifiable")
		}
	}
	c := core.Comment{Body: job.Args.Body, Public: false, Author: "ticketbridge", Key: job.Args.Key}
	return retryable(s.Comment(ctx, ref, c))
}
