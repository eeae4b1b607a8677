package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// notifyWorker posts one message to a conversation.
type notifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	d *Deps
}

func (w *notifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	d := w.d
	src, ok := d.Sources[job.Args.To.Source]
	if !ok {
		return river.JobCancel(fmt.Errorf("source %q is no longer configured", job.Args.To.Source))
	}
	if pc, ok := src.(source.PostChecker); ok && !pc.CanPost(job.Args.To) {
		d.Metrics.Notifications.WithLabelValues(src.ID(), "not_postable").Inc()
		// A call or a live stream takes no messages: its notices go to the
		// route's fallback channels, where it has any.
		if len(d.Fallback[job.Args.Route]) > 0 {
			return w.fallback(ctx, job.Args, errConversationTakesNoMessages)
		}
		return nil
	}
	if job.Attempt > 1 {
		done, err := w.foundEarlier(ctx, src, job)
		if err != nil || done {
			return err
		}
	}
	start := d.Now()
	posted, err := src.Post(ctx, job.Args.To, job.Args.Message)
	d.Metrics.SourceDuration.WithLabelValues(src.ID(), "post", statusCode(err)).Observe(d.Now().Sub(start).Seconds())
	if err != nil {
		result := "error"
		if errors.Is(err, core.ErrSendRefused) {
			result = "refused"
			d.Log.WarnContext(ctx, "the platform refused the notice under its reply rules", "source", src.ID(),
				"conversation", job.Args.To.Key(), "route", job.Args.Route, "error", err)
		}
		d.Metrics.Notifications.WithLabelValues(src.ID(), result).Inc()
		err = fmt.Errorf("post to %s: %w", job.Args.To.Key(), err)
		if core.IsPermanent(err) && len(d.Fallback[job.Args.Route]) > 0 {
			return w.fallback(ctx, job.Args, err)
		}
		return retryable(err)
	}
	d.Metrics.Notifications.WithLabelValues(src.ID(), "posted").Inc()
	if posted.ID != "" {
		if err := d.Store.PostedAdd(ctx, src.ID(), posted.ID); err != nil {
			d.Log.WarnContext(ctx, "remember posted message", "source", src.ID(), "error", err)
		}
	}
	if !job.Args.Since.IsZero() {
		d.Metrics.ObserveSince(metrics.TicketToChat, job.Args.Since, d.Now())
	}
	return nil
}

var errConversationTakesNoMessages = errors.New("the conversation (a call or a live stream) takes no messages")

// foundEarlier is the look-up a retried notice makes before posting
// again: an earlier attempt may have posted it and lost the answer. Where
// the platform offers no way to look, the repeat is counted as
// unverifiable (it may show the message twice).
func (w *notifyWorker) foundEarlier(ctx context.Context, src source.Source, job *river.Job[NotifyArgs]) (bool, error) {
	d := w.d
	key := job.Args.Message.Key
	count := func(result string) { d.Metrics.Effects.WithLabelValues(src.ID(), "notice", result).Inc() }
	if ip, ok := src.(source.IdempotentPoster); ok && ip.PostsIdempotently() {
		count("idempotent")
		return false, nil
	}
	pf, ok := src.(source.PostFinder)
	if !ok || key == "" {
		count("unverifiable")
		return false, nil
	}
	// The first attempt began after the job was made; allow for clock skew.
	posted, found, err := pf.FindPost(ctx, job.Args.To, key, job.CreatedAt.Add(-time.Minute))
	if err != nil {
		return false, retryable(fmt.Errorf("look for an earlier post of %s: %w", key, err))
	}
	if !found {
		count("repeated")
		return false, nil
	}
	count("found")
	if err := d.Store.PostedAdd(ctx, src.ID(), posted.ID); err != nil {
		d.Log.WarnContext(ctx, "remember posted message", "source", src.ID(), "error", err)
	}
	return true, nil
}

// fallback hands a message the conversation could not take to the route's
// fallback channels, in order.
func (w *notifyWorker) fallback(ctx context.Context, args NotifyArgs, cause error) error {
	n := fallback.Notice{Subject: "ticketbridge: a message could not reach its conversation", Text: args.Message.Text,
		Conversation: args.To, Reason: cause.Error()}
	used, err := fallback.Deliver(ctx, w.d.Fallback[args.Route], n)
	if err != nil {
		w.d.Metrics.Fallbacks.WithLabelValues(args.Route, "none", "error").Inc()
		return retryable(fmt.Errorf("%w; fallback channels: %w", cause, err))
	}
	w.d.Metrics.Fallbacks.WithLabelValues(args.Route, used, "delivered").Inc()
	w.d.Log.InfoContext(ctx, "notice delivered through a fallback channel", "route", args.Route, "channel", used, "conversation", args.To.Key(), "cause", cause)
	return nil
}

// ticketEventWorker applies one ticket-system event: status changes move
// the link's state and tell the chat; public agent comments go to the
// chat; internal notes and our own changes go nowhere.
type ticketEventWorker struct {
	river.WorkerDefaults[TicketEventArgs]
	d *Deps
}

func (w *ticketEventWorker) Work(ctx context.Context, job *river.Job[TicketEventArgs]) error {
	d := w.d
	ev := job.Args.Event
	if ev.Ours {
		return nil
	}
	link, err := w.findLink(ctx, ev)
	if errors.Is(err, store.ErrNotFound) {
		d.Log.InfoContext(ctx, "ticket event for a ticket we did not link", "sink", ev.Sink, "ticket", ev.Ticket.Key)
		return nil
	}
	if err != nil {
		return err
	}
	if _, ok := d.Routes[link.Route]; !ok {
		return nil
	}
	ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL, Status: ev.To}
	switch ev.Kind {
	case core.TicketStatusChanged:
		return w.status(ctx, link, ev, ref)
	case core.TicketCommentAdded:
		if ev.Comment == nil || !ev.Comment.Public || strings.TrimSpace(ev.Comment.Body) == "" {
			return nil
		}
		ref.Status = link.SinkStatus
		text, err := d.Rules.Notify(link.Route, "comment", rules.NotifyData{Route: link.Route, Ticket: ref, State: link.State, SinkStatus: link.SinkStatus, Comment: ev.Comment})
		if err != nil {
			return fmt.Errorf("render comment notice: %w", err)
		}
		return d.insert(ctx, append(store.Jobs{Insert(NotifyArgs{
			Route:   link.Route,
			To:      link.Conversation,
			Message: core.OutboundMessage{Text: text, Key: "comment-" + ev.Sink + "-" + ev.EventID},
			Since:   ev.Time,
		})}, d.slaMark(link, ev.Sink+"-"+ev.EventID, store.SLAUpdate{FirstResponseAt: ev.Time})...))
	case core.TicketAssigned:
		return d.insert(ctx, d.assigned(link, ev))
	case core.TicketPriorityChanged:
		// The deadlines follow a priority a person set in the system.
		// Our own escalation's echo is marked ours and stops above; one
		// that is not changes nothing (the clock has that priority).
		if strings.TrimSpace(ev.Priority) == "" {
			return nil
		}
		at := ev.Time
		if at.IsZero() {
			at = d.Now()
		}
		return d.insert(ctx, d.slaMark(link, ev.Sink+"-"+ev.EventID, store.SLAUpdate{Priority: strings.TrimSpace(ev.Priority), PriorityAt: at.UTC()}))
	}
	return nil
}

func (w *ticketEventWorker) status(ctx context.Context, link store.Link, ev core.TicketEvent, ref core.TicketRef) error {
	d := w.d
	state := w.chatState(link, ev)
	// The clock hears of every status change, even one the link already
	// shows: a change reported out of order still falls into its place.
	pause := d.slaStatus(link, ev, state)
	if state == link.State && ev.To == link.SinkStatus {
		return d.insert(ctx, pause)
	}
	follow := pause
	if state != link.State {
		text, err := d.Rules.Notify(link.Route, "status", rules.NotifyData{Route: link.Route, Ticket: ref, State: state, SinkStatus: ev.To})
		if err != nil {
			return fmt.Errorf("render status notice: %w", err)
		}
		follow = append(follow, Insert(NotifyArgs{
			Route:   link.Route,
			To:      link.Conversation,
			Message: core.OutboundMessage{Text: text, Key: "status-" + ev.Sink + "-" + ev.EventID},
			Since:   ev.Time,
		}))
		follow = append(follow, d.solved(link, ev.Sink+"-"+ev.EventID, ev.Time, state)...)
	}
	if err := d.Store.LinkSetStatus(ctx, link.ID, ev.To, state, follow); err != nil {
		return fmt.Errorf("record status: %w", err)
	}
	return nil
}

// chatState decides what a status change means for the chat: the route's
// status_map first, then the sink's own knowledge (Jira's status
// categories), then the built-in status names.
func (w *ticketEventWorker) chatState(link store.Link, ev core.TicketEvent) string {
	if st, ok := w.d.Rules.MappedState(link.Route, ev.To); ok {
		return st
	}
	if sm, ok := sink.As[sink.StateMapper](w.d.Sinks[link.Sink]); ok {
		if st, ok := sm.StateOf(ev); ok {
			return st
		}
	}
	return w.d.Rules.ChatState(link.Route, ev.To)
}

func (w *ticketEventWorker) findLink(ctx context.Context, ev core.TicketEvent) (store.Link, error) {
	link, err := w.d.Store.LinkByTicket(ctx, ev.Sink, ev.Ticket.Key)
	if errors.Is(err, store.ErrNotFound) && strings.HasPrefix(ev.ExternalID, ExternalIDPrefix) {
		link, err = w.d.Store.LinkGet(ctx, strings.TrimPrefix(ev.ExternalID, ExternalIDPrefix))
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return link, fmt.Errorf("find link: %w", err)
	}
	return link, err
}

// statusCode labels a call's outcome: "ok", the HTTP status, or "error".
func statusCode(err error) string {
	if err == nil {
		return "ok"
	}
	var ce *core.CallError
	if errors.As(err, &ce) && ce.Status != 0 {
		return strconv.Itoa(ce.Status)
	}
	return "error"
}
