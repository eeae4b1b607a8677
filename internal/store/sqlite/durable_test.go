package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
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

// The kept file follows the WAL: the database file while there is none,
// the WAL once there is one, and a new WAL after the old one was deleted
// (a checkpoint on close), whose directory entry is then synced too.
func TestWALSyncFollowsTheFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tb.db")
	write := func(path string) uint64 {
		t.Helper()
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		return inode(t, path)
	}
	w := &walSync{db: db}
	t.Cleanup(w.close)
	dbIno := write(db)
	steps := []struct {
		name   string
		change func() uint64 // returns the inode the sync must keep
	}{
		{"no WAL yet", func() uint64 { return dbIno }},
		{"a WAL appears", func() uint64 { return write(db + "-wal") }},
		{"the same WAL", func() uint64 { return inode(t, db+"-wal") }},
		{"the WAL deleted and made anew", func() uint64 {
			if err := os.Remove(db + "-wal"); err != nil {
				t.Fatal(err)
			}
			// A file in between, so the new WAL cannot reuse the inode.
			write(filepath.Join(dir, "spacer"))
			return write(db + "-wal")
		}},
		{"the WAL gone", func() uint64 {
			if err := os.Remove(db + "-wal"); err != nil {
				t.Fatal(err)
			}
			return dbIno
		}},
	}
	for _, step := range steps {
		want := step.change()
		if err := w.sync(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		st, err := w.f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Sys().(*syscall.Stat_t).Ino; got != want || w.ino != want {
			t.Errorf("%s: kept inode %d, directory synced for %d, want %d", step.name, got, w.ino, want)
		}
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}
