package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// KindRetention is the daily retention purge's job kind.
const KindRetention = "purge_retention"

// RetentionArgs runs one retention purge.
type RetentionArgs struct{}

func (RetentionArgs) Kind() string { return KindRetention }

// One purge at a time: a second is dropped while one is queued or running.
func (RetentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// RetentionPolicy is the store's view of the retention settings.
func RetentionPolicy(r config.Retention) store.RetentionPolicy {
	return store.RetentionPolicy{Days: r.Days, Sources: r.Sources}
}

// RetentionPeriodic schedules the purge daily, and once at start.
func RetentionPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return RetentionArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// RetentionWorker purges message bodies and attachments past the
// retention period. It is exported for the wiring to register:
// river.AddWorker(w, &jobs.RetentionWorker{...}).
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	Store  store.Store
	Blob   blob.Store // nil: no attachments to delete
	Policy store.RetentionPolicy
	Log    *slog.Logger
	Now    func() time.Time
}

func (w *RetentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	got, err := PurgeRetention(ctx, w.Store, w.Blob, w.Policy, now, "system", 0)
	if err != nil {
		return err
	}
	if w.Log != nil && len(got) > 0 {
		w.Log.Info("retention purge", slog.Any("events_by_source", got))
	}
	return nil
}

// PurgeRetention purges, batch by batch, what the policy says is due at
// now: the blobs of each event's attachments first (under every link of
// its conversation), then the event's bodies, so that a failure leaves
// the event listed for the next run. It returns the purged events per
// source and records them in the audit log as actor.
func PurgeRetention(ctx context.Context, st store.Store, blobs blob.Store, p store.RetentionPolicy, now time.Time, actor string, batch int) (map[string]int, error) {
	if batch <= 0 {
		batch = 500
	}
	done := map[string]int{}
	for {
		list, err := st.RetentionList(ctx, p, now, batch)
		if err != nil {
			return done, fmt.Errorf("purge: %w", err)
		}
		if len(list) == 0 {
			break
		}
		ids := make([]int64, 0, len(list))
		for _, c := range list {
			if err := deleteBlobs(ctx, blobs, c); err != nil {
				return done, err
			}
			ids = append(ids, c.ID)
		}
		if _, err := st.RetentionPurge(ctx, ids); err != nil {
			return done, fmt.Errorf("purge: %w", err)
		}
		for _, c := range list {
			done[c.Source]++
		}
	}
	// The bot's messages kept in the chat inbox go with their source's
	// events.
	if in, ok := st.(store.ChatInbox); ok {
		n, err := in.ChatInboxPurge(ctx, p, now)
		if err != nil {
			return done, fmt.Errorf("purge: %w", err)
		}
		if n > 0 {
			if err := st.AuditAdd(ctx, store.AuditEntry{Actor: actor, Action: "retention.purge", Target: "chat_inbox",
				Detail: map[string]any{"messages": n}}); err != nil {
				return done, fmt.Errorf("purge: %w", err)
			}
		}
	}
	if len(done) == 0 {
		return done, nil
	}
	detail := make(map[string]any, len(done))
	for src, n := range done {
		detail[src] = n
	}
	err := st.AuditAdd(ctx, store.AuditEntry{Actor: actor, Action: "retention.purge", Target: "events", Detail: detail})
	if err != nil {
		return done, fmt.Errorf("purge: %w", err)
	}
	return done, nil
}

// deleteBlobs removes the attachment blobs of one event; the attach
// worker keys them "<link id>/<event id>/<attachment id>".
func deleteBlobs(ctx context.Context, blobs blob.Store, c store.PurgeCandidate) error {
	if blobs == nil {
		return nil
	}
	ev := strconv.FormatInt(c.ID, 10)
	for _, l := range c.Links {
		for _, a := range c.Attachments {
			key := strings.Join([]string{l, ev, safeSegment(a)}, "/")
			if err := blobs.Delete(ctx, key); err != nil {
				return fmt.Errorf("purge attachment %s: %w", key, err)
			}
		}
	}
	return nil
}
