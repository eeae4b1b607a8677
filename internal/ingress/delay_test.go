package ingress

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// delayStore is a SQLite store with River's tables, for a writer.
func delayStore(t *testing.T) store.Store {
	t.Helper()
	st := teststore.SQLite(t)
	if _, err := st.Queue(&river.Config{}); err != nil {
		t.Fatal(err)
	}
	return st
}

// The writer waits before a commit only after one of more than
// DelayAfter events, and what queues while it waits joins that commit.
func TestWriterCommitDelay(t *testing.T) {
	st := delayStore(t)
	var (
		mu        sync.Mutex
		commits   []int
		sleeps    int
		expecting bool // the test waits for the writer to sleep
	)
	asleep, wake := make(chan struct{}), make(chan struct{})
	w := NewWriter(st, func(Stored) store.Jobs { return nil }, WriterOptions{
		CommitDelay: time.Hour, // never slept: sleep below stands in
		DelayAfter:  2,
		sleep: func(d time.Duration) {
			if d != time.Hour {
				t.Errorf("slept %v, want the commit delay", d)
			}
			mu.Lock()
			sleeps++
			expected, after := expecting, fmt.Sprint(commits)
			mu.Unlock()
			if !expected {
				t.Errorf("the writer waited after commits %s", after)
				return
			}
			asleep <- struct{}{}
			<-wake
		},
		Observe: func(n int) {
			mu.Lock()
			commits = append(commits, n)
			mu.Unlock()
		},
	})
	defer w.Close()
	next := 0
	events := func(n int) []core.Event {
		var out []core.Event
		for range n {
			next++
			out = append(out, core.Event{Source: "s", EventID: fmt.Sprint("e", next), Kind: core.KindMessage,
				Conversation: core.ConversationRef{Source: "s", Conversation: "c"}, Sender: core.Sender{ID: "u"}, Text: "hi"})
		}
		return out
	}
	submit := func(evs []core.Event) {
		if _, err := w.Submit(t.Context(), evs); err != nil {
			t.Error(err)
		}
	}
	// Light load: commits of up to DelayAfter events, then one larger; no wait.
	submit(events(1))
	submit(events(2))
	submit(events(3))
	// After the commit of 3 the next one waits, and what queues meanwhile joins it.
	first, second, third := events(1), events(1), events(2)
	mu.Lock()
	expecting = true
	mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { submit(first) })
	<-asleep
	wg.Go(func() { submit(second) })
	wg.Go(func() { submit(third) })
	for len(w.in) < 2 {
		runtime.Gosched()
	}
	close(wake)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if want := []int{1, 2, 3, 4}; fmt.Sprint(commits) != fmt.Sprint(want) || sleeps != 1 {
		t.Errorf("commits %v with %d waits, want %v with 1", commits, sleeps, want)
	}
}

// When half the last commit's events have queued by the time the writer
// is free, they go in at once: the writer does not sleep.
func TestWriterSkipsTheSleepWhenEventsQueued(t *testing.T) {
	st := delayStore(t)
	var mu sync.Mutex
	var commits []int
	busy, free := make(chan struct{}), make(chan struct{})
	w := NewWriter(st, func(Stored) store.Jobs { return nil }, WriterOptions{
		CommitDelay: time.Hour,
		DelayAfter:  2,
		sleep:       func(d time.Duration) { t.Errorf("the writer slept %v with the next batch queued", d) },
		Observe: func(n int) {
			mu.Lock()
			commits = append(commits, n)
			mu.Unlock()
			if n == 6 { // hold the writer while the next events queue
				busy <- struct{}{}
				<-free
			}
		},
	})
	defer w.Close()
	events := func(prefix string, n int) []core.Event {
		var out []core.Event
		for i := range n {
			out = append(out, core.Event{Source: "s", EventID: fmt.Sprint(prefix, i), Kind: core.KindMessage,
				Conversation: core.ConversationRef{Source: "s", Conversation: "c"}, Sender: core.Sender{ID: "u"}, Text: "hi"})
		}
		return out
	}
	var wg sync.WaitGroup
	submit := func(evs []core.Event) {
		wg.Go(func() {
			if _, err := w.Submit(t.Context(), evs); err != nil {
				t.Error(err)
			}
		})
	}
	submit(events("big", 6))
	<-busy
	for i := range 4 {
		submit(events(fmt.Sprint("next", i, "-"), 1))
	}
	for len(w.in) < 4 {
		runtime.Gosched()
	}
	close(free)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if want := []int{6, 4}; fmt.Sprint(commits) != fmt.Sprint(want) {
		t.Errorf("commits %v, want %v", commits, want)
	}
}

// The wait grows with the last commit up to CommitDelay, and a commit of
// DelayAfter events or fewer is never waited for.
func TestCommitDelayScales(t *testing.T) {
	opts := WriterOptions{CommitDelay: DefaultCommitDelay, DelayAfter: DefaultDelayAfter, DelayPerEvent: DefaultDelayPerEvent}
	tests := []struct {
		opts WriterOptions
		last int
		want time.Duration
	}{
		{opts, 0, 0},
		{opts, 4, 0},
		{opts, 5, 30 * time.Microsecond},
		{opts, 35, 210 * time.Microsecond},
		{opts, 133, 798 * time.Microsecond},
		{opts, 134, 800 * time.Microsecond},
		{opts, MaxBatch, 800 * time.Microsecond},
		{WriterOptions{CommitDelay: 400 * time.Microsecond, DelayAfter: 4}, 5, 400 * time.Microsecond},
		{WriterOptions{DelayAfter: 4, DelayPerEvent: time.Microsecond}, 100, 0},
	}
	for _, tc := range tests {
		w := &Writer{opts: tc.opts}
		if got := w.commitDelay(tc.last); got != tc.want {
			t.Errorf("commitDelay(%d) with %+v = %v, want %v", tc.last, tc.opts, got, tc.want)
		}
	}
}
