package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// appendLease bounds how long a crashed append holds its link: a little
// longer than a job may run, so a live holder keeps it and a dead one
// (killed mid-comment) frees it soon.
func (d *Deps) appendLease() time.Duration {
	return max(d.JobTimeout+10*time.Second, 15*time.Second)
}

// maxAppendEvents bounds one comment; more follow in the next job.
const maxAppendEvents = 200

// appendWorker appends the conversation's events after the link's cursor
// to its ticket as one comment, in order.
type appendWorker struct {
	river.WorkerDefaults[AppendArgs]
	d *Deps
}

func (w *appendWorker) Work(ctx context.Context, job *river.Job[AppendArgs]) error {
	d := w.d
	link, err := d.Store.LinkGet(ctx, job.Args.LinkID)
	if err != nil {
		return fmt.Errorf("load link: %w", err)
	}
	// No shortcut on job.Args.EventID: the job appends whatever the log
	// holds after the cursor now, so events the processor saw while the
	// ticket was being created (and queued no job for) are appended by
	// the job the creation queues, even though its EventID is the cursor.
	if !link.Open() {
		return nil
	}
	if link.TicketKey == "" {
		return river.JobSnooze(2 * time.Second)
	}
	held, err := d.Store.LinkLease(ctx, link.ID, d.Now().Add(d.appendLease()))
	if err != nil {
		return fmt.Errorf("lease link: %w", err)
	}
	if !held {
		return river.JobSnooze(time.Second)
	}
	defer func() { _ = d.Store.LinkRelease(context.WithoutCancel(ctx), link.ID) }()
	// Re-read under the lease: another job may have moved the cursor.
	if link, err = d.Store.LinkGet(ctx, link.ID); err != nil {
		return fmt.Errorf("reload link: %w", err)
	}
	evs, err := d.Store.ConversationEventsAfter(ctx, link.ConvKey, link.Cursor, maxAppendEvents)
	if err != nil {
		return fmt.Errorf("load follow-ups: %w", err)
	}
	if len(evs) == 0 {
		return nil
	}
	last := evs[len(evs)-1].ID
	if body := d.Scrub.Comment(link.Route, followUpBody(evs)); body != "" {
		snk := d.Sinks[link.Sink]
		ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}
		if err := snk.Comment(ctx, ref, core.Comment{Body: body, Public: true, Author: "ticketbridge"}); err != nil {
			return retryable(fmt.Errorf("comment on %s: %w", link.TicketKey, err))
		}
	}
	// Attachment jobs are unique, so queueing them before the cursor moves
	// loses none to a crash and doubles none on a retry.
	if err := d.insert(ctx, attachJobs(link.ID, evs)); err != nil {
		return fmt.Errorf("queue attachments: %w", err)
	}
	if err := d.Store.LinkAdvance(ctx, link.ID, last); err != nil {
		return fmt.Errorf("advance link cursor: %w", err)
	}
	if len(evs) == maxAppendEvents {
		return d.insert(ctx, []river.InsertManyParams{Insert(AppendArgs{LinkID: link.ID, EventID: last})})
	}
	return nil
}

// followUpBody renders chat events as transcript lines; bots are left out.
func followUpBody(evs []core.StoredEvent) string {
	var b strings.Builder
	for _, ev := range evs {
		if ev.Sender.Role == core.RoleBot || !appendable(ev) {
			continue
		}
		name := ev.Sender.Name
		if name == "" {
			name = ev.Sender.ID
		}
		text := ev.Text
		for _, a := range ev.Attachments {
			text += fmt.Sprintf(" [attachment: %s]", a.Name)
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", ev.Time.UTC().Format("2006-01-02 15:04"), name, strings.TrimSpace(text))
	}
	return strings.TrimRight(b.String(), "\n")
}

// appendable reports whether an event is something said or recorded that
// belongs on the ticket: not call signals, reactions or button presses.
func appendable(ev core.StoredEvent) bool {
	switch ev.Kind {
	case core.KindMessage, core.KindTranscript, core.KindCallEnded, core.KindLiveFeedback:
		return strings.TrimSpace(ev.Text) != "" || len(ev.Attachments) > 0
	case core.KindCommand:
		return strings.TrimSpace(ev.Text) != ""
	}
	return false
}
