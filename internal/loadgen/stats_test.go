package loadgen

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSummarizeNearestRank(t *testing.T) {
	t.Parallel()
	seq := func(n int) []time.Duration {
		ds := make([]time.Duration, n)
		for i := range ds {
			// Reversed, to check Summarize sorts.
			ds[i] = time.Duration(n-i) * time.Millisecond
		}
		return ds
	}
	tests := map[string]struct {
		in   []time.Duration
		want Latency
	}{
		"empty":  {nil, Latency{}},
		"one":    {[]time.Duration{1500 * time.Microsecond}, Latency{Count: 1, P50: 1.5, P99: 1.5, P999: 1.5, Max: 1.5}},
		"ten":    {seq(10), Latency{Count: 10, P50: 5, P99: 10, P999: 10, Max: 10}},
		"1000":   {seq(1000), Latency{Count: 1000, P50: 500, P99: 990, P999: 999, Max: 1000}},
		"100000": {seq(100000), Latency{Count: 100000, P50: 50000, P99: 99000, P999: 99900, Max: 100000}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Summarize(tc.in); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRate(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		n    int
		d    time.Duration
		want float64
	}{
		"per second": {5000, 2 * time.Second, 2500},
		"sub second": {30, 100 * time.Millisecond, 300},
		"no time":    {10, 0, 0},
	}
	for name, tc := range tests {
		if got := Rate(tc.n, tc.d); got != tc.want {
			t.Errorf("%s: Rate(%d, %v) = %v, want %v", name, tc.n, tc.d, got, tc.want)
		}
	}
}

func TestSummaryCompleteAndText(t *testing.T) {
	t.Parallel()
	s := Summary{Target: "http://127.0.0.1:8080", Format: "generic", Events: 100, Accepted: 100, Drained: true,
		TicketsExpected: 10, TicketsCreated: 10, StatusReplies: 10, Errors: map[string]int{}}
	if !s.Complete() {
		t.Fatal("a complete run is not Complete")
	}
	only := s
	only.StatusReplies, only.TicketsOnly = 0, true
	if !only.Complete() {
		t.Fatal("a tickets-only run with every ticket is not Complete")
	}
	only.TicketsCreated = 9
	if only.Complete() {
		t.Fatal("a tickets-only run missing a ticket is Complete")
	}
	bad := s
	bad.Errors = map[string]int{"503": 2, "timeout": 1}
	bad.Accepted, bad.StatusReplies, bad.Drained = 97, 9, false
	if bad.Complete() {
		t.Fatal("a run with errors and a missing reply is Complete")
	}
	var b bytes.Buffer
	if err := bad.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"errors   503×2 timeout×1", "9 status of 10", "NOT drained"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, b.String())
		}
	}
}
