package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// An acknowledged write returns only after the WAL was synced; an
// internal one does not wait for the disk.
func TestAcknowledgedWritesAreSynced(t *testing.T) {
	ctx := context.Background()
	s := openMigrated(t)
	cases := []struct {
		name  string
		write func(context.Context) error
		ctx   context.Context
		syncs bool
	}{
		{"ingest, acknowledged", func(ctx context.Context) error { _, err := s.IngestBatch(ctx, chatEvent("e1"), nil); return err }, ctx, true},
		{"ingest, internal", func(ctx context.Context) error { _, err := s.IngestBatch(ctx, chatEvent("e2"), nil); return err }, store.Internal(ctx), false},
		{"statement outside a transaction, acknowledged", func(ctx context.Context) error { return s.CursorSet(ctx, "c", "1") }, ctx, true},
		{"statement outside a transaction, internal", func(ctx context.Context) error { return s.CursorSet(ctx, "c", "2") }, store.Internal(ctx), false},
	}
	for _, tc := range cases {
		before := s.wal.n.Load()
		if err := tc.write(tc.ctx); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if synced := s.wal.n.Load() > before; synced != tc.syncs {
			t.Errorf("%s: synced %v, want %v", tc.name, synced, tc.syncs)
		}
	}
}

// openMigrated opens a migrated store in a temporary directory.
func openMigrated(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "tb.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// chatEvent is one chat message event with the given id.
func chatEvent(id string) []core.Event {
	return []core.Event{{Source: "chat", EventID: id, Kind: core.KindMessage, Text: "hello",
		Conversation: core.ConversationRef{Source: "chat", Conversation: "c1"}}}
}
