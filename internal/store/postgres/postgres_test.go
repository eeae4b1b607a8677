package postgres_test

import (
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return teststore.Postgres(t) })
}

func BenchmarkIngestBatch(b *testing.B) {
	storetest.BenchmarkIngestBatch(b, teststore.Postgres(b))
}
