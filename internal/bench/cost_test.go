package bench

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// costEvents is how many events each cost measurement posts.
const costEvents = 10000

// BenchmarkCostPerEvent is the DESIGN's "cost per event stays flat" check:
// the store is first filled with one event in each of N conversations
// (1k, 100k, 1M) through IngestBatch in large batches (no HTTP, no jobs),
// then 10,000 neutral messages spread over those N conversations are
// posted (64 clients, closed loop) and processed by the workers. Reported:
// this process's CPU time (user+sys, client included; PostgreSQL's own
// server processes are not counted) per 10,000 events, from the first
// post until the last process job finished, and the wall time of that.
// b.N is ignored beyond 1: run with -benchtime 1x.
func BenchmarkCostPerEvent(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			h := newHarness(b, be.open(b), true)
			filled := 0
			for _, n := range []int{1000, 100000, 1000000} {
				b.Run("conversations="+strconv.Itoa(n), func(b *testing.B) {
					fill(b, h, filled, n)
					filled = n
					costRun(b, h, n)
				})
			}
		})
	}
}

// fill stores one event in each of conversations [from, to) in batches
// of 5,000, without jobs: the conversations exist (their events are what
// processing reads) but cost nothing afterwards.
func fill(b *testing.B, h *harness, from, to int) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	const batch = 5000
	evs := make([]core.Event, 0, batch)
	at := time.Now().Add(-time.Hour)
	for i := from; i < to; i++ {
		c := "conv-" + strconv.Itoa(i)
		evs = append(evs, core.Event{
			Source:       h.source,
			EventID:      "fill-" + strconv.Itoa(i),
			Kind:         core.KindMessage,
			Conversation: core.ConversationRef{Source: h.source, Conversation: c},
			Sender:       core.Sender{ID: "cust-" + c, Name: "Customer " + c, Role: "customer"},
			Time:         at,
			Text:         "hello, a question about the opening hours",
		})
		if len(evs) == batch || i == to-1 {
			if _, err := h.app.Store.IngestBatch(ctx, evs, nil); err != nil {
				b.Fatalf("fill: %v", err)
			}
			evs = evs[:0]
		}
	}
	if to > from {
		b.Logf("filled conversations %d..%d in %s (%.0f events/s)", from, to, time.Since(start).Round(time.Millisecond),
			float64(to-from)/time.Since(start).Seconds())
	}
}

func costRun(b *testing.B, h *harness, n int) {
	reqs := make([]signed, costEvents)
	for i := range reqs {
		// A stride coprime with n spreads consecutive events over the
		// whole id range instead of the first few thousand.
		c := "conv-" + strconv.Itoa(int((int64(i)*7919+int64(h.seq.Load()))%int64(n)))
		reqs[i] = h.sign(b, c, "cust-"+c, neutral)
	}
	waitIdle(b, h, 60*time.Second)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	start := time.Now()
	var lat Latencies
	postAll(b, h, reqs, 64, &lat)
	posted := time.Since(start)
	waitIdle(b, h, 60*time.Second)
	wall := time.Since(start)
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(cpu.Seconds()*float64(10000)/costEvents, "cpu-s/10k-events")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(float64(costEvents)/posted.Seconds(), "events/s")
	b.ReportMetric(ms(lat.Percentile(99)), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// postAll sends reqs from clients closed-loop clients.
func postAll(b *testing.B, h *harness, reqs []signed, clients int, lat *Latencies) {
	work := make(chan int)
	done := make(chan error, clients)
	ctx := context.Background()
	for range clients {
		go func() {
			var first error
			for i := range work {
				t0 := time.Now()
				if err := h.post(ctx, reqs[i]); err != nil && first == nil {
					first = err
				}
				lat.Add(time.Since(t0))
			}
			done <- first
		}()
	}
	for i := range reqs {
		work <- i
	}
	close(work)
	for range clients {
		if err := <-done; err != nil {
			b.Errorf("post: %v", err)
		}
	}
}

// waitIdle waits until no job is waiting or running.
func waitIdle(b *testing.B, h *harness, limit time.Duration) {
	b.Helper()
	ctx := context.Background()
	params := river.NewJobListParams().States(rivertype.JobStateAvailable, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStatePending).First(1)
	deadline := time.Now().Add(limit)
	for {
		res, err := h.app.Queue.JobList(ctx, params)
		if err != nil {
			b.Fatalf("job list: %v", err)
		}
		if len(res.Jobs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("jobs still pending after %s", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpuTime is this process's user plus system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
