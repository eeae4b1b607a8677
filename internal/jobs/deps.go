package jobs

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
	"github.com/ticketbridge/ticketbridge/internal/judge"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/redact"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Deps is what the workers act with. Queue is set once the River client
// exists (the client needs the workers first).
type Deps struct {
	Store   store.Store
	Queue   store.Queue
	Rules   *rules.Engine
	Routes  map[string]config.Route
	Sources map[string]source.Source
	Sinks   map[string]sink.Sink
	Metrics *metrics.Metrics
	// Blob keeps attachments on their way to tickets, within BlobLimits;
	// Links signs download links for files a ticket cannot take.
	Blob       blob.Store
	BlobLimits blob.Limits
	Links      *blob.Links
	// Scrub masks personal data in what goes to sinks (nil: nothing).
	Scrub *redact.Scrubber
	// Judges settle the decisions the intent model is unsure of (nil:
	// no route has a judge).
	Judges *judge.Set
	// Fallback holds each route's channels for messages its conversations
	// cannot take.
	Fallback map[string][]fallback.Channel
	// Partitions is the number of processing partitions (queues).
	Partitions int
	// JobTimeout is how long one job may run (it bounds the append lease).
	JobTimeout time.Duration
	// Retention is how long message bodies and attachments are kept.
	Retention store.RetentionPolicy
	Log       *slog.Logger
	Now       func() time.Time
}

// Workers registers every worker kind.
func Workers(d *Deps) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &processWorker{d: d})
	river.AddWorker(w, &createWorker{d: d})
	river.AddWorker(w, &appendWorker{d: d})
	river.AddWorker(w, &notifyWorker{d: d})
	river.AddWorker(w, &ticketEventWorker{d: d})
	river.AddWorker(w, &transitionWorker{d: d})
	river.AddWorker(w, &attachWorker{d: d})
	river.AddWorker(w, &pollWorker{d: d})
	river.AddWorker(w, &escalateWorker{d: d})
	river.AddWorker(w, &liveBurstWorker{d: d})
	river.AddWorker(w, &csatAskWorker{d: d})
	river.AddWorker(w, &csatAnswerWorker{d: d})
	river.AddWorker(w, &ticketNoteWorker{d: d})
	river.AddWorker(w, &csatFieldWorker{d: d})
	river.AddWorker(w, &slaStartWorker{d: d})
	river.AddWorker(w, &slaMarkWorker{d: d})
	river.AddWorker(w, &slaTimerWorker{d: d})
	river.AddWorker(w, &slaEscalateWorker{d: d})
	river.AddWorker(w, &slaQueueWorker{d: d})
	river.AddWorker(w, &RetentionWorker{Store: d.Store, Blob: d.Blob, Policy: d.Retention, Log: d.Log, Now: d.Now})
	return w
}

// RiverConfig is the River client configuration for cfg. A job is fetched
// as soon as the transaction that queued it commits: PostgreSQL's
// LISTEN/NOTIFY tells River, and on SQLite the store wakes the queues
// itself (store/sqlite/wake.go). The poll is a backstop for jobs that
// become due by time after the scheduler's pass or were queued by another
// process (the CLI); each poll is a cheap read per queue. The fetch
// cooldown is short because River's default caps a client near 500
// jobs/s.
func RiverConfig(cfg config.Jobs, d *Deps) *river.Config {
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	for p := range max(d.Partitions, 1) {
		queues[PartitionQueue(p)] = river.QueueConfig{MaxWorkers: 1}
	}
	return &river.Config{
		Queues:               queues,
		Workers:              Workers(d),
		PeriodicJobs:         periodicJobs(d),
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		// River's default cooldown (100 ms) and our earlier 5 ms made a
		// job woken at commit wait for the producer's previous fetch:
		// with notices sharing the queue, fetches come every few ms, and
		// 1 ms halved event → ticket at 200 tickets/s (BENCHMARKS.md,
		// "Processing core, session 8").
		FetchCooldown:     1 * time.Millisecond,
		FetchPollInterval: 100 * time.Millisecond,
		RetryPolicy:       &Backoff{Base: time.Second, Max: time.Hour, Now: d.Now},
		Logger:            d.Log,
		Middleware:        middleware(d),
	}
}

// Backoff is exponential backoff with equal jitter: attempt n waits
// between half and all of Base·2^(n-1), capped at Max. The jitter spreads
// the retries of many jobs that failed together (a sink outage).
type Backoff struct {
	Base, Max time.Duration
	Now       func() time.Time
	// Rand returns a float in [0,1); nil means math/rand/v2.
	Rand func() float64
}

// NextRetry implements river.ClientRetryPolicy.
func (b *Backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return b.Now().Add(b.Delay(job.Attempt))
}

// Delay is the wait before retrying after the given attempt (1-based).
func (b *Backoff) Delay(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := float64(b.Base) * math.Pow(2, float64(attempt-1))
	if d > float64(b.Max) {
		d = float64(b.Max)
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return time.Duration(d/2 + r()*d/2)
}

// retryable turns a call error into River's control flow: permanent
// failures are cancelled at once with the remote side's message (they go
// to the dead-letter list), a requested wait snoozes the job without using
// an attempt, anything else is retried with backoff.
func retryable(err error) error {
	if err == nil {
		return nil
	}
	if core.IsPermanent(err) {
		return river.JobCancel(err)
	}
	if d, ok := core.RetryAfterOf(err); ok {
		return river.JobSnooze(d)
	}
	return err
}

func (d *Deps) insert(ctx context.Context, jobs store.Jobs) error {
	if len(jobs) == 0 {
		return nil
	}
	if d.Queue == nil {
		return errors.New("job queue not started")
	}
	_, err := d.Queue.InsertMany(ctx, jobs)
	return err
}

// periodicJobs are the sinks' polls and, when a retention period is set,
// the daily purge.
func periodicJobs(d *Deps) []*river.PeriodicJob {
	out := periodicPolls(d.Sinks)
	if d.Retention.Days > 0 || len(d.Retention.Sources) > 0 {
		out = append(out, RetentionPeriodic())
	}
	return out
}

// routeDryRun reports whether the route runs dry now: the rules engine
// holds the mode as changed at runtime, the route config only the file's.
func (d *Deps) routeDryRun(name string) bool {
	r, ok := d.Rules.Route(name)
	return ok && r.DryRun()
}
