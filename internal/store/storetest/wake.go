package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// wakeJob is worked by wakeWorker, which reports each job it sees.
type wakeJob struct {
	Tag string `json:"tag"`
}

func (wakeJob) Kind() string { return "storetest_wake" }

type wakeWorker struct {
	river.WorkerDefaults[wakeJob]
	seen chan string
}

func (w *wakeWorker) Work(_ context.Context, j *river.Job[wakeJob]) error {
	w.seen <- j.Args.Tag
	return nil
}

// testJobsWokenAtCommit: a job queued by a store write is worked once the
// write commits, without waiting for River's next poll. The poll interval
// is an hour, so only a wake-up can deliver the jobs within the test.
func testJobsWokenAtCommit(t *testing.T, s store.Store) {
	seen := make(chan string, 1)
	workers := river.NewWorkers()
	river.AddWorker(workers, &wakeWorker{seen: seen})
	q, err := s.Queue(&river.Config{
		// Room for more than one job, so that a fetch that found one does
		// not lead River to fetch again at once.
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:           workers,
		FetchPollInterval: time.Hour,
		FetchCooldown:     time.Millisecond,
	})
	must(t, "Queue with a worker", err)
	must(t, "start the queue", q.Start(t.Context()))
	t.Cleanup(func() { _ = q.Stop(context.WithoutCancel(t.Context())) })

	// River fetches once when it starts; the first job may be found by that
	// fetch, the later ones only by a wake-up.
	for _, tag := range []string{"first", "second", "third"} {
		batch := []core.Event{ev(conv("slack", "C1"), tag, "")}
		_, err := s.IngestBatch(t.Context(), batch, func([]int64, []int) store.Jobs {
			return store.Jobs{{Args: wakeJob{Tag: tag}}}
		})
		must(t, "IngestBatch "+tag, err)
		select {
		case got := <-seen:
			if got != tag {
				t.Fatalf("worked %q, want %q", got, tag)
			}
		case <-time.After(time.Minute):
			t.Fatalf("job %q not worked a minute after its commit: the producer was not woken (the poll interval is an hour)", tag)
		}
	}
}
