package ingress_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/ingress"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

type batchJob struct {
	IDs []int64 `json:"ids"`
}

func (batchJob) Kind() string { return "writer_test_batch" }

// Concurrent submitters share commits; every new event is stored once and
// named by exactly one batch job; duplicates are reported as such.
func TestWriterGroupCommits(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		q, err := st.Queue(&river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var batches []int
		w := ingress.NewWriter(st, func(b ingress.Stored) store.Jobs {
			return store.Jobs{{Args: batchJob{IDs: b.IDs}}}
		}, ingress.WriterOptions{Observe: func(n int) {
			mu.Lock()
			batches = append(batches, n)
			mu.Unlock()
		}})
		const clients, each = 32, 40
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := range clients {
			wg.Go(func() {
				for i := range each {
					// Every event is sent twice: the second is a duplicate.
					ev := core.Event{Source: "s", EventID: fmt.Sprintf("e-%d-%d", c, i), Kind: core.KindMessage,
						Conversation: core.ConversationRef{Source: "s", Conversation: fmt.Sprint(c)}, Sender: core.Sender{ID: "u"}, Text: "hi"}
					for try, want := range []bool{true, false} {
						acc, err := w.Submit(t.Context(), []core.Event{ev})
						if err != nil || len(acc) != 1 || acc[0] != want {
							errs <- fmt.Errorf("client %d event %d try %d: accepted %v err %v", c, i, try, acc, err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		w.Close()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		res, err := q.JobList(t.Context(), river.NewJobListParams().Kinds("writer_test_batch").First(10000))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, j := range res.Jobs {
			var args batchJob
			if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
				t.Fatal(err)
			}
			for _, id := range args.IDs {
				if seen[id] {
					t.Fatalf("event %d named by two batch jobs", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != clients*each {
			t.Fatalf("batch jobs name %d events, want %d", len(seen), clients*each)
		}
		if len(res.Jobs) >= clients*each {
			t.Errorf("%d jobs for %d events: no batching happened", len(res.Jobs), clients*each)
		}
		t.Logf("%d events in %d commits with new rows", clients*each, len(res.Jobs))
	})
}

func TestWriterAfterClose(t *testing.T) {
	st := teststore.SQLite(t)
	if _, err := st.Queue(&river.Config{}); err != nil {
		t.Fatal(err)
	}
	w := ingress.NewWriter(st, func(ingress.Stored) store.Jobs { return nil }, ingress.WriterOptions{})
	w.Close()
	w.Close() // twice is harmless
	_, err := w.Submit(t.Context(), []core.Event{{Source: "s", EventID: "x"}})
	if err != ingress.ErrClosed {
		t.Fatalf("Submit after Close = %v, want ErrClosed", err)
	}
}
