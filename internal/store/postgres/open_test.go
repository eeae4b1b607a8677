package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/store/postgres"
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

// TestWarmPools checks that WarmPools opens the pool's connections before
// any query asks for one, and that a DSN's own pool_min_conns wins.
func TestWarmPools(t *testing.T) {
	cold := teststore.Postgres(t)
	if got := cold.Pool().Config().MinConns; got != 0 {
		t.Errorf("without WarmPools: MinConns %d, want pgx's default 0", got)
	}
	warm := teststore.Postgres(t, postgres.WarmPools())
	want := min(warm.Pool().Config().MaxConns, 4)
	if got := warm.Pool().Config().MinConns; got != want {
		t.Fatalf("WarmPools: MinConns %d, want %d", got, want)
	}
	// pgxpool opens them in the background; wait for it, not for a time.
	for warm.Pool().Stat().TotalConns() < want {
		select {
		case <-t.Context().Done():
			t.Fatalf("pool holds %d connections, want %d", warm.Pool().Stat().TotalConns(), want)
		case <-time.After(10 * time.Millisecond):
		}
	}

	// No schema and no migration: Open alone reads the DSN.
	own, err := postgres.Open(t.Context(), withParam(teststore.PostgresDSN(), "pool_min_conns=1"), "", nil, postgres.WarmPools())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer own.Close()
	if got := own.Pool().Config().MinConns; got != 1 {
		t.Errorf("DSN with pool_min_conns=1: MinConns %d, want 1", got)
	}
}

// withParam adds a key=value setting to a DSN in URL or keyword form.
func withParam(dsn, kv string) string {
	switch {
	case !strings.Contains(dsn, "://"):
		return dsn + " " + kv
	case strings.Contains(dsn, "?"):
		return dsn + "&" + kv
	default:
		return dsn + "?" + kv
	}
}
