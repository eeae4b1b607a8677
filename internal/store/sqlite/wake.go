package sqlite

import (
	"context"
	"slices"
	"sync"

	"github.com/riverqueue/river/rivershared/baseservice"
	"github.com/riverqueue/river/rivershared/riverpilot"
	"github.com/riverqueue/river/rivertype"
)

// Jobs are inserted inside our own transactions (InsertManyTx), and River
// cannot know when such a transaction commits: its SQLite driver's
// stand-in for LISTEN/NOTIFY (fetch.go) made a job wait up to 50 ms, most
// of an event's way to its ticket. River wakes its own producers after a
// non-transactional insert through the pilot's NotifyNonTxJobInsert; the
// driver hands River a pilot that keeps that function, and the store
// calls it for the queues a transaction filled, once the transaction has
// committed (so the fetch finds the jobs).

// wakingPilot is River's standard pilot that remembers how to wake a
// queue's producer.
type wakingPilot struct {
	riverpilot.StandardPilot
	notify func(context.Context, []*rivertype.JobInsertResult)
}

func (p *wakingPilot) PilotInit(_ *baseservice.Archetype, params *riverpilot.PilotInitParams) {
	p.notify = params.NotifyNonTxJobInsert
}

// PluginInit and PluginPilot make the driver hand River the waking pilot
// (River's driver plugin interface).
func (d *readersFirstDriver) PluginInit(*baseservice.Archetype) {}

func (d *readersFirstDriver) PluginPilot() riverpilot.Pilot { return d.pilot }

// queueWaker collects the queues that the open write transaction inserted
// jobs into. SQLite has one writer connection, so one transaction at a
// time fills it.
type queueWaker struct {
	mu     sync.Mutex
	pilot  *wakingPilot // nil until the queue is built
	queues []string
}

// use sets the pilot of the queue the store built.
func (w *queueWaker) use(p *wakingPilot) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pilot = p
}

// inserted records the queues of jobs inserted by the open transaction.
func (w *queueWaker) inserted(res []*rivertype.JobInsertResult) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range res {
		if r.UniqueSkippedAsDuplicate || slices.Contains(w.queues, r.Job.Queue) {
			continue
		}
		w.queues = append(w.queues, r.Job.Queue)
	}
}

// wake tells the producers of queues that jobs are available; call it
// once the transaction that queued them has committed, with what take
// returned then.
func (w *queueWaker) wake(ctx context.Context, queues []string) {
	if len(queues) == 0 {
		return
	}
	w.mu.Lock()
	p := w.pilot
	w.mu.Unlock()
	if p == nil || p.notify == nil {
		return
	}
	res := make([]*rivertype.JobInsertResult, len(queues))
	for i, q := range queues {
		res[i] = &rivertype.JobInsertResult{Job: &rivertype.JobRow{Queue: q}}
	}
	p.notify(ctx, res)
}

// take returns and forgets the recorded queues: at commit, and at rollback
// (when nothing is to be woken).
func (w *queueWaker) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queues
	w.queues = nil
	return q
}
