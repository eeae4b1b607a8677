package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// durableWaiter is a store whose commits can become visible to the job
// queue before they are on disk (SQLite wakes the queue at commit, while
// the WAL sync runs: store/sqlite/syncmark.go). PostgreSQL's commit is its
// sync, so it has no such method.
type durableWaiter interface {
	WaitDurable(ctx context.Context) error
}

// syncFirst holds every job until the commits before its fetch are on
// disk, so that no effect leaves the process for a state change that a
// power cut could take back.
type syncFirst struct {
	river.MiddlewareDefaults
	store durableWaiter
}

var _ rivertype.WorkerMiddleware = (*syncFirst)(nil)

func (s *syncFirst) Work(ctx context.Context, _ *rivertype.JobRow, doInner func(context.Context) error) error {
	if err := s.store.WaitDurable(ctx); err != nil {
		return fmt.Errorf("wait for the queuing commit to reach the disk: %w", err)
	}
	return doInner(ctx)
}

// middleware is the River middleware of every client: the dead-letter
// log outermost, so that it also sees a job that gave up waiting, then
// the sync wait where the store needs it.
func middleware(d *Deps) []rivertype.Middleware {
	m := []rivertype.Middleware{&giveUpLog{log: d.Log}}
	if w, ok := d.Store.(durableWaiter); ok {
		m = append(m, &syncFirst{store: w})
	}
	return m
}
