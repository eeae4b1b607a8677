package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/health"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// maxDepth bounds the queue-depth count: past it the chart is flat, and
// counting costs no more.
const maxDepth = 100_000

// startHealth samples the console's health figures once a minute until
// Close, when the store keeps them.
func (a *App) startHealth() {
	hs, ok := a.Store.(store.Health)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.stopHealth = cancel
	s := &health.Sampler{Gatherer: a.Metrics.Registry, Store: hs, Now: a.Deps.Now, Log: a.log,
		QueueDepth: func(ctx context.Context) (int, error) { return queueDepth(ctx, a.Queue) }}
	go s.Run(ctx, time.Minute)
}

// queueDepth counts the jobs waiting to run (available or retrying).
func queueDepth(ctx context.Context, q store.Queue) (int, error) {
	n := 0
	params := river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStateRetryable).First(1000)
	for n < maxDepth {
		res, err := q.JobList(ctx, params)
		if err != nil {
			return n, err
		}
		n += len(res.Jobs)
		if len(res.Jobs) < 1000 || res.LastCursor == nil {
			break
		}
		params = params.After(res.LastCursor)
	}
	return n, nil
}
