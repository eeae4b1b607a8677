package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/store/sqlite"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestOpenRejectsNonFilePaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if s, err := sqlite.Open(t.Context(), path, nil); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func TestOpenSettings(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a", "b", "tb.db")
	s, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("Open with missing parent directories: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	pragmas := []struct {
		name, want string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"}, // NORMAL: acknowledged writes are synced after commit (durable.go)
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, p := range pragmas {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+p.name).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", p.name, err)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %q, want %q", p.name, got, p.want)
		}
	}
}

func TestQueueOnce(t *testing.T) {
	t.Parallel()
	s := teststore.SQLite(t)
	cfg := &river.Config{}
	if _, err := s.Queue(cfg); err != nil {
		t.Fatalf("first Queue: %v", err)
	}
	if cfg.Logger != nil {
		t.Error("Queue changed the caller's config")
	}
	if _, err := s.Queue(&river.Config{}); err == nil {
		t.Error("second Queue succeeded, want an error")
	}
}
