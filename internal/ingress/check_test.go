package ingress

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

type sqlState string

func (s sqlState) Error() string    { return "ERROR: invalid byte sequence (SQLSTATE " + string(s) + ")" }
func (s sqlState) SQLState() string { return string(s) }

// refusing is a real store that refuses, the way PostgreSQL does, every
// batch holding the event bad; the first batch says it has begun
// (reached) and waits for gate, so that the test can queue a crowd behind
// it.
type refusing struct {
	store.Store
	bad     string
	reached chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func (s *refusing) IngestBatch(ctx context.Context, events []core.Event, jobsFor func(ids []int64, index []int) store.Jobs) ([]bool, error) {
	s.once.Do(func() { close(s.reached); <-s.gate })
	for _, e := range events {
		if e.EventID == s.bad {
			return nil, fmt.Errorf("ingest event %q: %w", e.EventID, sqlState("22021"))
		}
	}
	return s.Store.IngestBatch(ctx, events, jobsFor)
}

// A data error the checks did not foresee fails only its own submission:
// the neighbours of its group commit are stored.
func TestWriterIsolatesRefusedEvent(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		rs := &refusing{Store: st, bad: "bad", reached: make(chan struct{}), gate: make(chan struct{})}
		w := NewWriter(rs, nil, WriterOptions{})
		defer w.Close()
		event := func(id string) core.Event {
			return core.Event{Source: "s", EventID: id, Kind: core.KindMessage,
				Conversation: core.ConversationRef{Source: "s", Conversation: "c"}, Sender: core.Sender{ID: "u"}, Text: "hi"}
		}
		submit := func(id string) error {
			acc, err := w.Submit(t.Context(), []core.Event{event(id)})
			if err == nil && (len(acc) != 1 || !acc[0]) {
				err = fmt.Errorf("accepted %v", acc)
			}
			return err
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := submit("first"); err != nil {
				t.Errorf("first: %v", err)
			}
		})
		// The crowd comes once the first commit has begun: queued earlier,
		// some would join the first batch and never be counted below.
		<-rs.reached
		const n = 40
		errs := make([]error, n)
		for i := range n {
			id := fmt.Sprint("good-", i)
			if i == n/2 {
				id = "bad"
			}
			wg.Go(func() { errs[i] = submit(id) })
		}
		for len(w.in) < n { // the whole crowd waits behind the first commit
			runtime.Gosched()
		}
		close(rs.gate)
		wg.Wait()
		for i, err := range errs {
			if i == n/2 {
				if !store.Unstorable(err) {
					t.Errorf("bad event: %v, want an unstorable error", err)
				}
				if status, _ := storeFailure(err, "events"); status != 400 {
					t.Errorf("bad event answered %d, want 400", status)
				}
				continue
			}
			if err != nil {
				t.Errorf("good event %d failed with its batch: %v", i, err)
			}
		}
		evs, err := st.ConversationEvents(t.Context(), "s/c", 0, 0, 0)
		if err != nil || len(evs) != n {
			t.Fatalf("stored %d events (%v), want %d", len(evs), err, n)
		}
	})
}
