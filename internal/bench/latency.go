// Package bench holds ticketbridge's end-to-end benchmarks: ingest
// throughput through the real webhook handler and event→ticket latency
// through the local desk, on SQLite and PostgreSQL. BENCHMARKS.md at the
// repository root lists the commands and the results. Only the small
// measuring helpers below are ordinary code; the benchmarks are test files.
package bench

import (
	"slices"
	"sync"
	"time"
)

// Latencies collects durations from many goroutines.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// Add records durations.
func (l *Latencies) Add(d ...time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

// Len is the number of recorded durations.
func (l *Latencies) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100), or 0
// when nothing was recorded. Nearest rank never interpolates, so a p99 is
// a latency some request really had.
func (l *Latencies) Percentile(p float64) time.Duration {
	l.mu.Lock()
	s := slices.Clone(l.d)
	l.mu.Unlock()
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	rank := int(p/100*float64(len(s)) + 0.999999)
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Stamps remembers the first time each key was seen.
type Stamps struct {
	mu      sync.Mutex
	at      map[string]time.Time
	changed chan struct{}
}

// NewStamps returns an empty Stamps.
func NewStamps() *Stamps {
	return &Stamps{at: map[string]time.Time{}, changed: make(chan struct{})}
}

// Mark records now for key unless key was marked before.
func (s *Stamps) Mark(key string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.at[key]; ok {
		return
	}
	s.at[key] = now
	close(s.changed)
	s.changed = make(chan struct{})
}

// Get returns key's time and whether it was marked.
func (s *Stamps) Get(key string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.at[key]
	return t, ok
}

// WaitAll waits until every key is marked or timeout passes, and reports
// how many of keys are marked.
func (s *Stamps) WaitAll(keys []string, timeout time.Duration) int {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		n := 0
		for _, k := range keys {
			if _, ok := s.at[k]; ok {
				n++
			}
		}
		changed := s.changed
		s.mu.Unlock()
		if n == len(keys) {
			return n
		}
		select {
		case <-changed:
		case <-deadline.C:
			return n
		}
	}
}

// Pace calls fire(i, due) for i in [0, n) at rate calls per second from
// now, each at its due time, without waiting for earlier calls: an open
// loop, so a slow server cannot slow the offered load down and hide its
// own queueing (latencies are measured from due, not from the send).
// fire must not block for long; it should hand work to other goroutines.
func Pace(n int, rate float64, fire func(i int, due time.Time)) {
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; i < n; {
		now := time.Now()
		for ; i < n; i++ {
			due := start.Add(time.Duration(i) * interval)
			if due.After(now) {
				break
			}
			fire(i, due)
		}
		if i < n {
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		}
	}
}
