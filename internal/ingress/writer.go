// Package ingress serves the webhook endpoints: it verifies, parses and
// durably stores inbound chat and ticket events before answering, and
// batches the chat events of concurrent requests into group commits.
package ingress

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// MaxBatch bounds the events of one group commit.
const MaxBatch = 512

// ErrClosed is returned by Submit after the writer stopped.
var ErrClosed = errors.New("ingress writer stopped")

// Writer is the group-commit writer. Handlers hand it their events; one
// goroutine commits whatever has queued up since the last commit in one
// transaction (with one processing job for the batch) and then releases
// every waiting handler. Under load batches grow by themselves and every
// commit's fsync is shared; when idle a lone event commits at once.
type Writer struct {
	store   store.Store
	jobsFor func(Stored) store.Jobs
	opts    WriterOptions
	in      chan *submission
	done    chan struct{}

	// mu keeps Submit from sending on the channel Close closes.
	mu     sync.RWMutex
	closed bool
	// subs keeps submissions for reuse: a submission and its channel
	// were two allocations per request.
	subs sync.Pool
}

type submission struct {
	events   []core.Event
	urgent   []bool
	accepted []bool
	err      error
	// ready gets one value when the submission is committed (or failed);
	// after sending it the writer no longer touches the submission, which
	// Submit then puts back for reuse.
	ready chan struct{}
}

// Stored is a group commit's new rows, for the jobs that process them:
// IDs[i] is the row of Events[Index[i]], which Urgent[Index[i]] classed.
type Stored struct {
	Events []core.Event
	Urgent []bool
	IDs    []int64
	Index  []int
}

// WriterOptions are the writer's optional hooks.
type WriterOptions struct {
	// Decide, when set, decides each group commit's new events inside
	// its transaction (store.IngestDecide) instead of queuing jobsFor's
	// jobs; its After runs once the transaction committed.
	Decide func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) (Decision, error)
	// Urgent classes an event as one that may act (it goes to the
	// processing lane that runs first). It runs in the submitting
	// request's goroutine, outside the commit. Nil: nothing is urgent.
	Urgent func(core.Event) bool
	// Observe sees each committed batch's size.
	Observe func(events int)
	// CommitDelay is the longest the writer waits before a commit that
	// follows one of more than DelayAfter events, so that more events
	// join it (PostgreSQL's commit_delay and commit_siblings). Zero: no
	// wait. An idle or lightly loaded writer never waits.
	CommitDelay time.Duration
	DelayAfter  int
	// DelayPerEvent, when set, makes the wait DelayPerEvent for each
	// event of the last commit, up to CommitDelay: a small batch waits
	// little, a flood the whole delay.
	DelayPerEvent time.Duration
	// sleep replaces time.Sleep for the commit delay (this package's tests).
	sleep func(time.Duration)
}

// DefaultCommitDelay, DefaultDelayAfter and DefaultDelayPerEvent are the
// commit delay the app uses on SQLite. A commit's fixed costs (its begin,
// the conversations' look-ups, the WAL sync, waking the handlers it
// releases) are paid per batch, and under a flood a batch holds only what
// queued during the last commit. Waiting 0.4 ms after a commit of more
// than four events made batches about a third larger and cut the
// server's CPU per event by 7–17 % in alternating pairs; 0.2 ms gained
// less and 0.7–1 ms no more (BENCHMARKS.md, "Processing core, session
// 13"). Loads whose commits carry four events or fewer, such as a ticket
// every few milliseconds, are not delayed at all.
//
// Session 16 made the wait grow with the last commit, 6 µs per event up
// to 0.8 ms. With 64 senders, whose commits held about 35 events, the
// fixed 0.4 ms was longer than the next batch needed to fill: waiting
// 0.15–0.25 ms gave more events per second, 0.075 ms fewer. With 256
// senders (70–100 events per commit) 0.4 ms or more was best, and 0.15 ms
// cost 2.5 %. The scaled wait gave +4–5 % at 64 senders and the same as
// before at 256 (6 µs per event up to 0.4 ms cost 2 % there, so the cap
// is 0.8 ms). A commit of a handful of events, under a moderate load,
// now waits tens of microseconds instead of 0.4 ms.
//
// Session 17, on a machine three times slower per event, found the sleep
// itself the cost: parking and waking the writer's thread took more CPU
// than the larger batch saved, and no wait at all beat it by 3 %.
// Yielding the processor while handlers keep joining the queue, and
// sleeping only when less than half the last commit has queued by then
// (Writer.wait), gave 6 % more events per second than the sleep at 64
// and at 256 senders, with 5–6 % less CPU per event.
const (
	DefaultCommitDelay   = 800 * time.Microsecond
	DefaultDelayAfter    = 4
	DefaultDelayPerEvent = 6 * time.Microsecond
)

// Decision is what Decide made of a batch.
type Decision struct {
	Changes []store.Change
	Jobs    store.Jobs
	After   func()
}

// NewWriter starts the writer; Close stops it. jobsFor returns the jobs
// for the new rows of a batch.
func NewWriter(s store.Store, jobsFor func(Stored) store.Jobs, opts WriterOptions) *Writer {
	w := &Writer{store: s, jobsFor: jobsFor, opts: opts, in: make(chan *submission, 4*MaxBatch), done: make(chan struct{})}
	w.subs.New = func() any { return &submission{ready: make(chan struct{}, 1)} }
	go w.run()
	return w
}

// Submit stores events durably (deduplicated by source and event id) and
// reports which were new. It returns once they are committed.
func (w *Writer) Submit(ctx context.Context, events []core.Event) ([]bool, error) {
	if len(events) == 0 {
		return nil, nil
	}
	if err := checkEvents(events); err != nil {
		return nil, err
	}
	s := w.subs.Get().(*submission)
	s.events = events
	if w.opts.Urgent != nil {
		s.urgent = make([]bool, len(events))
		for i, e := range events {
			s.urgent[i] = w.opts.Urgent(e)
		}
	}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.release(s)
		return nil, ErrClosed
	}
	// The send is tried first without the context: asking a request's
	// context for Done makes its channel, an allocation per request, and
	// the queue is rarely full.
	select {
	case w.in <- s:
		w.mu.RUnlock()
	default:
		select {
		case w.in <- s:
			w.mu.RUnlock()
		case <-ctx.Done():
			w.mu.RUnlock()
			w.release(s)
			return nil, ctx.Err()
		}
	}
	// Once queued the commit happens even if the caller gives up, so the
	// wait cannot be abandoned without risking an unanswered duplicate.
	<-s.ready
	accepted, err := s.accepted, s.err
	w.release(s)
	return accepted, err
}

// release clears a submission the writer is done with and keeps it for
// the next Submit.
func (w *Writer) release(s *submission) {
	*s = submission{ready: s.ready}
	w.subs.Put(s)
}

// Close stops the writer after the queued submissions are committed.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	sleep := w.opts.sleep
	if sleep == nil {
		sleep = time.Sleep
	}
	last := 0 // events in the last commit
	for first := range w.in {
		w.wait(last, sleep)
		batch := []*submission{first}
		n := len(first.events)
	fill:
		for n < MaxBatch {
			select {
			case s, ok := <-w.in:
				if !ok {
					break fill
				}
				batch = append(batch, s)
				n += len(s.events)
			default:
				break fill
			}
		}
		last = n
		w.commit(batch, n)
	}
}

// settleYields bounds how often wait yields the processor.
const settleYields = 16

// wait lets more events join a commit that follows one of last events.
// It first yields the processor while handlers keep joining the queue:
// on a busy machine the requests in flight are runnable goroutines, and
// letting them reach the queue costs nothing, where a sleep parks the
// writer's thread and waking it costs more than the events it gathers.
// Only when less than half of the last commit has queued by then, the
// requests being still on the wire, it sleeps for commitDelay.
func (w *Writer) wait(last int, sleep func(time.Duration)) {
	d := w.commitDelay(last)
	if d <= 0 {
		return
	}
	for range settleYields {
		queued := len(w.in)
		runtime.Gosched()
		if len(w.in) == queued {
			break
		}
	}
	if len(w.in) < last/2 {
		sleep(d)
	}
}

// commitDelay is the longest wait before a commit that follows one of
// last events.
func (w *Writer) commitDelay(last int) time.Duration {
	if w.opts.CommitDelay <= 0 || last <= w.opts.DelayAfter {
		return 0
	}
	if w.opts.DelayPerEvent > 0 {
		return min(w.opts.CommitDelay, time.Duration(last)*w.opts.DelayPerEvent)
	}
	return w.opts.CommitDelay
}

func (w *Writer) commit(batch []*submission, n int) {
	events := make([]core.Event, 0, n)
	for _, s := range batch {
		events = append(events, s.events...)
	}
	var jobsFor func(ids []int64, index []int) store.Jobs
	if w.jobsFor != nil {
		// Urgent is classed only when there is a class to give: a
		// submission without one has none urgent.
		urgent := make([]bool, 0, n)
		for _, s := range batch {
			if s.urgent == nil {
				urgent = append(urgent, make([]bool, len(s.events))...)
			} else {
				urgent = append(urgent, s.urgent...)
			}
		}
		jobsFor = func(ids []int64, index []int) store.Jobs {
			return w.jobsFor(Stored{Events: events, Urgent: urgent, IDs: ids, Index: index})
		}
	}
	var (
		accepted []bool
		err      error
		after    func()
	)
	if w.opts.Decide != nil {
		accepted, err = w.store.IngestDecide(context.Background(), events, func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) ([]store.Change, store.Jobs, error) {
			d, err := w.opts.Decide(ctx, r, fresh)
			after = d.After
			return d.Changes, d.Jobs, err
		})
	} else {
		accepted, err = w.store.IngestBatch(context.Background(), events, jobsFor)
	}
	if err == nil && after != nil {
		after()
	}
	if err != nil && len(batch) > 1 {
		w.commitEach(batch)
		return
	}
	if err == nil && len(accepted) != len(events) {
		err = fmt.Errorf("store accepted %d of %d events", len(accepted), len(events))
	}
	if w.opts.Observe != nil && err == nil {
		w.opts.Observe(len(events))
	}
	off := 0
	for _, s := range batch {
		if err != nil {
			s.err = fmt.Errorf("store events: %w", err)
		} else {
			s.accepted = accepted[off : off+len(s.events)]
		}
		off += len(s.events)
		s.ready <- struct{}{} // the last use of s: Submit reuses it
	}
}
