package bench

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // reversed, so sorting matters
	}
	tests := map[string]struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		"empty":         {nil, 50, 0},
		"one":           {ms(7), 99, 7 * time.Millisecond},
		"median of odd": {ms(3, 1, 2), 50, 2 * time.Millisecond},
		"p50 of 100":    {ms(hundred...), 50, 50 * time.Millisecond},
		"p99 of 100":    {ms(hundred...), 99, 99 * time.Millisecond},
		"p100 is max":   {ms(hundred...), 100, 100 * time.Millisecond},
		"tiny p is min": {ms(hundred...), 0.001, time.Millisecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var l Latencies
			l.Add(tc.in...)
			if got := l.Percentile(tc.p); got != tc.want {
				t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestStampsKeepFirstAndWait(t *testing.T) {
	t.Parallel()
	s := NewStamps()
	t0 := time.Unix(100, 0)
	s.Mark("a", t0)
	s.Mark("a", t0.Add(time.Second))
	if got, ok := s.Get("a"); !ok || !got.Equal(t0) {
		t.Fatalf("Get(a) = %v, %v; want the first mark %v", got, ok, t0)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		s.Mark("b", time.Now())
	}()
	if n := s.WaitAll([]string{"a", "b"}, 5*time.Second); n != 2 {
		t.Fatalf("WaitAll = %d, want 2", n)
	}
	if n := s.WaitAll([]string{"a", "never"}, 20*time.Millisecond); n != 1 {
		t.Fatalf("WaitAll with a missing key = %d, want 1", n)
	}
}

func TestPaceIsOpenLoop(t *testing.T) {
	t.Parallel()
	const n, rate = 50, 1000.0 // 50 ms of schedule
	var mu sync.Mutex
	seen := map[string]time.Time{}
	start := time.Now()
	Pace(n, rate, func(i int, due time.Time) {
		mu.Lock()
		seen[strconv.Itoa(i)] = due
		mu.Unlock()
	})
	elapsed := time.Since(start)
	if len(seen) != n {
		t.Fatalf("fired %d times, want %d", len(seen), n)
	}
	// The last call is due 49 ms in; pacing must not run much faster.
	if elapsed < 45*time.Millisecond {
		t.Errorf("Pace took %v, want about %v", elapsed, 49*time.Millisecond)
	}
	if d := seen["1"].Sub(seen["0"]); d != time.Millisecond {
		t.Errorf("due times 1 ms apart expected, got %v", d)
	}
}
