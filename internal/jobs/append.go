package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
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
	// An append under way whose outcome is not recorded (a crash, a lost
	// answer) left its range on the link; otherwise most appends a
	// creation queues find nothing to do: say so without the two commits
	// of taking and releasing the lease.
	if link.AppendThrough <= link.Cursor {
		next, err := d.Store.ConversationEventsAfter(ctx, link.ConvKey, link.Cursor, 1)
		if err != nil {
			return fmt.Errorf("load follow-ups: %w", err)
		}
		if len(next) == 0 {
			return nil
		}
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
	more := len(evs) == maxAppendEvents
	// The comment's key names the link and its range of events. A range
	// recorded by an earlier attempt is sent again exactly, under the same
	// key, after looking for it where the sink allows.
	if link.AppendThrough > link.Cursor {
		all := len(evs)
		evs = coveredThrough(evs, link.AppendThrough)
		more = more || len(evs) < all
		if len(evs) == 0 {
			// The recorded range is gone (purged by retention): nothing of
			// it is left to send.
			if err := d.Store.LinkAdvance(ctx, link.ID, link.AppendThrough); err != nil {
				return fmt.Errorf("advance link cursor: %w", err)
			}
			return d.insert(ctx, []river.InsertManyParams{Insert(AppendArgs{LinkID: link.ID, EventID: link.AppendThrough})})
		}
		done, err := w.earlierComment(ctx, link, evs)
		if err != nil {
			return err
		}
		if done {
			return w.advance(ctx, link, evs, more)
		}
	} else if err := d.Store.LinkAppendBegin(ctx, link.ID, evs[len(evs)-1].ID); err != nil {
		return fmt.Errorf("record append: %w", err)
	}
	if body := d.Scrub.Comment(link.Route, followUpBody(evs)); body != "" {
		ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}
		c := core.Comment{Body: body, Public: true, Author: "ticketbridge", Key: appendKey(link.ID, evs)}
		if err := d.Sinks[link.Sink].Comment(ctx, ref, c); err != nil {
			return retryable(fmt.Errorf("comment on %s: %w", link.TicketKey, err))
		}
	}
	return w.advance(ctx, link, evs, more)
}

// appendKey is the key of the comment carrying evs to the link's ticket.
func appendKey(linkID string, evs []core.StoredEvent) string {
	return fmt.Sprintf("tb-append-%s-%d-%d", linkID, evs[0].ID, evs[len(evs)-1].ID)
}

// advance queues the attachments of evs and moves the link's cursor past
// them; more queues the next append. Attachment jobs are unique, so
// queueing them before the cursor moves loses none to a crash and doubles
// none on a retry.
func (w *appendWorker) advance(ctx context.Context, link store.Link, evs []core.StoredEvent, more bool) error {
	d := w.d
	if len(evs) == 0 {
		return nil
	}
	last := evs[len(evs)-1].ID
	if err := d.insert(ctx, attachJobs(link.ID, evs)); err != nil {
		return fmt.Errorf("queue attachments: %w", err)
	}
	if err := d.Store.LinkAdvance(ctx, link.ID, last); err != nil {
		return fmt.Errorf("advance link cursor: %w", err)
	}
	if !more {
		return nil
	}
	return d.insert(ctx, []river.InsertManyParams{Insert(AppendArgs{LinkID: link.ID, EventID: last})})
}

// earlierComment looks for the comment an earlier attempt at evs may
// have written, by its key, and reports whether it is there. Where the
// sink drops a repeat itself, or offers no way to look (the repeat may
// double the comment), the retry is only counted.
func (w *appendWorker) earlierComment(ctx context.Context, link store.Link, evs []core.StoredEvent) (bool, error) {
	ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}
	return w.d.earlierComment(ctx, ref, appendKey(link.ID, evs))
}

// earlierComment looks on ref's ticket for our comment keyed key and
// counts the look-up in ticketbridge_effect_retries_total.
func (d *Deps) earlierComment(ctx context.Context, ref core.TicketRef, key string) (bool, error) {
	snk := d.Sinks[ref.Sink]
	count := func(result string) { d.Metrics.Effects.WithLabelValues(ref.Sink, "comment", result).Inc() }
	if ic, ok := sink.As[sink.IdempotentCommenter](snk); ok && ic.CommentsIdempotently() {
		count("idempotent")
		return false, nil
	}
	cf, ok := sink.As[sink.CommentFinder](snk)
	if !ok {
		count("unverifiable")
		return false, nil
	}
	_, found, err := cf.FindComment(ctx, ref, key)
	if err != nil {
		return false, retryable(fmt.Errorf("look for an earlier comment %s: %w", key, err))
	}
	if !found {
		count("repeated")
		return false, nil
	}
	count("found")
	return true, nil
}

// coveredThrough is the part of evs up to and including id.
func coveredThrough(evs []core.StoredEvent, id int64) []core.StoredEvent {
	for i, ev := range evs {
		if ev.ID > id {
			return evs[:i]
		}
	}
	return evs
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
