package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkEventToTicket measures event→ticket latency through the local
// desk: each event opens a new conversation with "/ticket …", which the
// default route turns into a ticket at once (decided at ingest; the
// desk's ticket is made in the ingest transaction, jobs/inline.go; a
// notify job then sends the "created" reply). Events are offered at a fixed rate (open loop); b.N is the
// number of conversations. Reported per event, from its due time:
// ticket-p50/p99 (the transaction holding the ticket committed) and reply-p50/p99 (the
// "ticket created" reply reached the chat, one notify job later).
//
// The mixed cases are issue #11's "1,000 events/s of which 100/s open
// tickets": one event in every is a /ticket, the others are chatter
// ("thanks …") in conversations of their own; latencies are the tickets'.
func BenchmarkEventToTicket(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			h := newHarness(b, be.open(b), true)
			for _, rate := range []float64{50, 500, 1000, 2000} {
				b.Run(fmt.Sprintf("rate=%.0f", rate), func(b *testing.B) { eventToTicket(b, h, rate, 1) })
			}
			b.Run("mixed=1000:10", func(b *testing.B) { eventToTicket(b, h, 1000, 10) })
		})
	}
}

// eventToTicket offers b.N events at rate, one in every of them a ticket.
func eventToTicket(b *testing.B, h *harness, rate float64, every int) {
	run := h.seq.Add(1)
	var keys []string
	reqs := make([]signed, b.N)
	isTicket := make([]bool, b.N)
	for i := range reqs {
		key := "t" + strconv.FormatInt(run, 10) + "-" + strconv.Itoa(i)
		if i%every != 0 {
			reqs[i] = h.sign(b, key, key, "thanks, that answers my question")
			continue
		}
		// The conversation and the sender share the key: the desk
		// stamps tickets by requester, the chat replies by conversation.
		isTicket[i] = true
		keys = append(keys, key)
		reqs[i] = h.sign(b, key, key, "/ticket order 1042 arrived broken, please replace it")
	}
	due := make([]time.Time, b.N)
	var (
		errs atomic.Int64
		once sync.Once
		wg   sync.WaitGroup
	)
	ctx := context.Background()
	b.ResetTimer()
	Pace(b.N, rate, func(i int, at time.Time) {
		due[i] = at
		wg.Go(func() {
			if err := h.post(ctx, reqs[i]); err != nil {
				errs.Add(1)
				once.Do(func() { b.Errorf("post: %v", err) })
			}
		})
	})
	wg.Wait()
	// Bounded: a backlog that takes longer than this is a result too.
	timeout := 60 * time.Second
	created := h.created.WaitAll(keys, timeout)
	replied := h.replied.WaitAll(keys, 10*time.Second)
	b.StopTimer()
	if n := errs.Load(); n > 0 {
		b.Fatalf("%d of %d posts failed", n, b.N)
	}
	if created < len(keys) || replied < len(keys) {
		b.Fatalf("after waiting: %d of %d tickets created, %d replies", created, len(keys), replied)
	}
	var tickets, replies Latencies
	k := 0
	for i := range reqs {
		if !isTicket[i] {
			continue
		}
		c, _ := h.created.Get(keys[k])
		r, _ := h.replied.Get(keys[k])
		tickets.Add(c.Sub(due[i]))
		replies.Add(r.Sub(due[i]))
		k++
	}
	b.ReportMetric(float64(len(keys))/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(ms(tickets.Percentile(50)), "ticket-p50-ms")
	b.ReportMetric(ms(tickets.Percentile(99)), "ticket-p99-ms")
	b.ReportMetric(ms(replies.Percentile(50)), "reply-p50-ms")
	b.ReportMetric(ms(replies.Percentile(99)), "reply-p99-ms")
	b.ReportMetric(0, "ns/op")
}
