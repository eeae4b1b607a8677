package faults

import (
	"context"
	"net/http"
	"sort"
	"testing"
	"time"
)

// The ticket system answers 503 for a while (20 s; 60 s with
// TICKETBRIDGE_FAULTS_LONG=1), then recovers, under the mixed scenario
// (mixed_test.go). Every kind of effect must arrive exactly once; the
// test measures how long the backlog takes to drain after the recovery
// and how many requests hit the sink while it was down (a paused and
// probed queue would send a handful; plain per-job backoff sends one per
// job per retry).
func TestSinkOutage(t *testing.T) {
	requireFaults(t)
	outage := 20 * time.Second
	if long() {
		outage = 60 * time.Second
	}
	r := newRig(t, false)
	srv := r.server("outage", nil)
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	win := window{from: time.Now(), to: time.Now().Add(outage), status: http.StatusServiceUnavailable}
	r.w.faults.set(win)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	ld := r.newMixedLoad(conversations(t, 300), fixed(srv.URL()))
	if err := ld.send(ctx, 100, 32); err != nil {
		t.Fatalf("load: %v", err)
	}
	convs := ld.conversations()
	// Retries back off exponentially (1 s base, doubling), so after an
	// outage of d the last retries can come up to about 2d later.
	r.settle(ld, outage*2+time.Minute)
	drained := lastTicket(r.w).Sub(win.to)
	_, statuses, during := r.w.faults.snapshot()
	srv.stop()
	r.report("sink_outage", "outage_s", outage.Seconds(), "conversations", len(convs),
		"requests_during_outage", during, "answered_503", statuses[http.StatusServiceUnavailable],
		"drain_after_recovery_s", drained.Round(100*time.Millisecond).Seconds())
}

// lastTicket is when the fake ticket system created its newest ticket.
func lastTicket(w *world) time.Time {
	var last time.Time
	for _, tk := range w.sink.Tickets() {
		if tk.Created.After(last) {
			last = tk.Created
		}
	}
	return last
}

// The ticket system answers every request with 429 and Retry-After: 2
// for eight seconds, under the mixed scenario. No request for a ticket
// may arrive sooner than two seconds after that ticket's last 429 was
// answered, and every kind of effect must arrive exactly once.
func TestRateLimitStorm(t *testing.T) {
	requireFaults(t)
	const retryAfter = 2 * time.Second
	r := newRig(t, false)
	srv := r.server("storm", nil)
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	win := window{from: time.Now(), to: time.Now().Add(8 * time.Second), status: http.StatusTooManyRequests, retryAfter: retryAfter}
	r.w.faults.set(win)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	ld := r.newMixedLoad(conversations(t, 200), fixed(srv.URL()))
	if err := ld.send(ctx, 100, 32); err != nil {
		t.Fatalf("load: %v", err)
	}
	r.settle(ld, 2*time.Minute)
	log, statuses, _ := r.w.faults.snapshot()
	srv.stop()
	early, checked := 0, 0
	minGap := time.Hour
	for id, hits := range log {
		sort.Slice(hits, func(i, j int) bool { return hits[i].at.Before(hits[j].at) })
		for i := 0; i+1 < len(hits); i++ {
			if hits[i].status != http.StatusTooManyRequests {
				continue
			}
			checked++
			gap := hits[i+1].at.Sub(hits[i].answered)
			minGap = min(minGap, gap)
			if gap < retryAfter {
				early++
				if early <= 5 {
					t.Errorf("%s: request %s after a 429 asking for %s", id, gap, retryAfter)
				}
			}
		}
	}
	if statuses[http.StatusTooManyRequests] == 0 || checked == 0 {
		t.Fatalf("the storm answered no 429 that was followed by a retry (%v)", statuses)
	}
	if early > 0 {
		t.Errorf("%d of %d retries came before Retry-After allowed", early, checked)
	}
	r.report("rate_limit_storm", "answered_429", statuses[http.StatusTooManyRequests], "retries_checked", checked,
		"early", early, "min_gap_s", minGap.Round(10*time.Millisecond).Seconds())
}
