package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/source"
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
