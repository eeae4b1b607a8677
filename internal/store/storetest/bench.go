package storetest

import (
	"strconv"
	"testing"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// BenchmarkIngestBatch measures ingress's group commit: batches of 512 new
// events with one job naming the batch, reported as events/s. s must be
// fresh and migrated, without a Queue.
func BenchmarkIngestBatch(b *testing.B, s store.Store) {
	const size = 512
	if _, err := s.Queue(&river.Config{}); err != nil {
		b.Fatalf("Queue: %v", err)
	}
	c := conv("slack", "C1")
	batch := make([]core.Event, size)
	jobsFor := func(ids []int64, _ []int) store.Jobs { return store.Jobs{{Args: testJob{Tag: "batch", IDs: ids[:1]}}} }
	n := 0
	for b.Loop() {
		for i := range batch {
			n++
			batch[i] = ev(c, strconv.Itoa(n), "a message of ordinary length, about sixty characters long")
		}
		acc, err := s.IngestBatch(b.Context(), batch, jobsFor)
		if err != nil {
			b.Fatalf("IngestBatch: %v", err)
		}
		if !acc[size-1] {
			b.Fatal("IngestBatch did not accept a new event")
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
