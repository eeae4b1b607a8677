package loadgen

import (
	"slices"
	"sync"
	"time"
)

// Latency is a distribution in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

// Summarize computes a Latency. Percentiles are nearest rank: they never
// interpolate, so each is a latency some request really had. ds is
// sorted in place.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	return Latency{
		Count: len(ds),
		P50:   ms(rank(ds, 50)),
		P99:   ms(rank(ds, 99)),
		P999:  ms(rank(ds, 99.9)),
		Max:   ms(ds[len(ds)-1]),
	}
}

// rank is the nearest-rank p-th percentile of sorted ds.
func rank(ds []time.Duration, p float64) time.Duration {
	// The small epsilon keeps exact products (p=50 of 10 → rank 5) from
	// being pushed up a rank by floating-point error.
	r := int(p/100*float64(len(ds)) + 0.999999)
	r = min(max(r, 1), len(ds))
	return ds[r-1]
}

func ms(d time.Duration) float64 {
	// Three decimals: microseconds are as fine as loopback timing means.
	return float64(d.Microseconds()) / 1000
}

// Rate is count per second over d; zero when d is not positive.
func Rate(count int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(count) / d.Seconds()
}

// durations collects latencies from many goroutines.
type durations struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *durations) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *durations) summary() Latency {
	l.mu.Lock()
	s := slices.Clone(l.d)
	l.mu.Unlock()
	return Summarize(s)
}
