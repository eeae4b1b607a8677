package postgres_test

import (
	"testing"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// TestSchemaHoldsEverything checks that our tables and River's live in the
// store's schema, not in public.
func TestSchemaHoldsEverything(t *testing.T) {
	t.Parallel()
	s := teststore.Postgres(t)
	for _, table := range []string{"tb_events", "tb_links", "tb_migrations", "river_job", "river_migration"} {
		var n int
		err := s.Pool().QueryRow(t.Context(), `SELECT count(*) FROM information_schema.tables
			WHERE table_schema = $1 AND table_name = $2`, s.Schema(), table).Scan(&n)
		if err != nil {
			t.Fatalf("look up %s: %v", table, err)
		}
		if n != 1 {
			t.Errorf("table %s not in schema %s", table, s.Schema())
		}
	}
	cfg := &river.Config{}
	if _, err := s.Queue(cfg); err != nil {
		t.Fatalf("Queue: %v", err)
	}
	if cfg.Schema != "" {
		t.Error("Queue changed the caller's config")
	}
	if _, err := s.Queue(nil); err == nil {
		t.Error("second Queue succeeded, want an error")
	}
}
