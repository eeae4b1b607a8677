package jobs

import (
	"context"
	"fmt"
	"strconv"
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
	// A lease that lapsed without being released: the append that held
	// it died, maybe after its comment went out.
	unreleased := !link.LeaseUntil.IsZero() && !link.LeaseUntil.After(d.Now())
	if !unreleased {
		// Most appends a creation queues find nothing to do: say so
		// without the two commits of taking and releasing the lease.
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
	// An attempt that sent a comment and could not record it leaves the
	// lease lapsed rather than released, so whichever append runs next
	// looks for that comment before writing it again.
	outcome := released
	defer func() {
		if outcome == unknown {
			_ = d.Store.LinkLapse(context.WithoutCancel(ctx), link.ID)
			return
		}
		_ = d.Store.LinkRelease(context.WithoutCancel(ctx), link.ID)
	}()
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
	snk := d.Sinks[link.Sink]
	ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}
	// The comment's key names the link and its first event; its last is
	// added, so a look-up tells how far an earlier attempt got.
	prefix := fmt.Sprintf("tb-append-%s-%d-", link.ID, evs[0].ID)
	if job.Attempt > 1 || unreleased {
		through, found, err := w.earlierComment(ctx, snk, ref, prefix)
		if err != nil {
			return err
		}
		if found {
			covered := coveredThrough(evs, through)
			outcome = unknown // until recorded
			if err := w.advance(ctx, link, covered, len(covered) < len(evs) || len(evs) == maxAppendEvents); err != nil {
				return err
			}
			outcome = released
			return nil
		}
	}
	if body := d.Scrub.Comment(link.Route, followUpBody(evs)); body != "" {
		key := prefix + strconv.FormatInt(evs[len(evs)-1].ID, 10)
		outcome = unknown
		if err := snk.Comment(ctx, ref, core.Comment{Body: body, Public: true, Author: "ticketbridge", Key: key}); err != nil {
			return retryable(fmt.Errorf("comment on %s: %w", link.TicketKey, err))
		}
	}
	if err := w.advance(ctx, link, evs, len(evs) == maxAppendEvents); err != nil {
		return err
	}
	outcome = released
	return nil
}

// An append's outcome as its lease records it.
const (
	released = iota // nothing sent, or sent and recorded
	unknown         // sent, not recorded: it may have happened
)

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

// earlierComment looks for the comment an earlier attempt may have
// written, by its key prefix, and returns the last event it covered.
// Where the sink offers no way to look the repeat is counted as
// unverifiable (it may double the comment).
func (w *appendWorker) earlierComment(ctx context.Context, snk sink.Sink, ref core.TicketRef, prefix string) (int64, bool, error) {
	count := func(result string) { w.d.Metrics.Effects.WithLabelValues(ref.Sink, "comment", result).Inc() }
	if ic, ok := sink.As[sink.IdempotentCommenter](snk); ok && ic.CommentsIdempotently() {
		count("idempotent")
		return 0, false, nil
	}
	cf, ok := sink.As[sink.CommentFinder](snk)
	if !ok {
		count("unverifiable")
		return 0, false, nil
	}
	key, found, err := cf.FindComment(ctx, ref, prefix)
	if err != nil {
		return 0, false, retryable(fmt.Errorf("look for an earlier comment %s: %w", prefix, err))
	}
	if !found {
		count("repeated")
		return 0, false, nil
	}
	through, err := strconv.ParseInt(strings.TrimPrefix(key, prefix), 10, 64)
	if err != nil {
		return 0, false, river.JobCancel(fmt.Errorf("comment key %q: %w", key, err))
	}
	count("found")
	return through, true, nil
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
