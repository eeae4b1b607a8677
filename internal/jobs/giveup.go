package jobs

import (
	"context"
	"errors"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// giveUpLog writes one line when a job fails for good (cancelled, or out of
// attempts), so a dead letter is seen in the log, not only in `dlq list`.
// River's error handler is not called for cancelled jobs; a middleware sees
// every outcome.
type giveUpLog struct {
	river.MiddlewareDefaults
	log *slog.Logger
}

var _ rivertype.WorkerMiddleware = (*giveUpLog)(nil)

func (g *giveUpLog) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	err := doInner(ctx)
	if err == nil || g.log == nil {
		return err
	}
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	cancelled := errors.As(err, &cancel)
	if !cancelled && (errors.As(err, &snooze) || job.Attempt < job.MaxAttempts) {
		return err
	}
	why := "out of attempts"
	if cancelled {
		why = "permanent failure"
	}
	g.log.Error("job given up: it is a dead letter now (ticketbridge dlq list; dlq replay ID runs it again)",
		"job_id", job.ID, "kind", job.Kind, "attempt", job.Attempt, "why", why, "error", err.Error())
	return err
}
