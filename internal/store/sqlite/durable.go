package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// The writer connection runs with synchronous=NORMAL: in WAL mode a commit
// then writes its pages to the WAL without waiting for the disk, and stays
// atomic and crash-safe. Acknowledged writes (store.IsInternal false) are
// made durable by an fsync of the WAL file after their commit, which also
// carries every commit before them; internal writes skip it. The store's
// own transactions (inTx) sync after the connection is released, so the
// job queue can use the connection while a group commit waits for the
// disk; anything else (River's API called from a handler) syncs in place.

// walSync makes everything committed so far durable.
type walSync struct {
	db  string // the database file
	mu  sync.Mutex
	ino uint64 // the WAL file whose directory entry was last synced
	n   atomic.Int64
}

func (w *walSync) sync() error {
	w.n.Add(1)
	f, err := os.Open(w.db + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		// Not in WAL mode after all (or the file was just checkpointed
		// away by a closing connection): the database file holds it.
		f, err = os.Open(w.db)
	}
	if err != nil {
		return fmt.Errorf("sync sqlite: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync sqlite %s: %w", f.Name(), err)
	}
	// A new WAL file is durable only once its directory entry is.
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("sync sqlite: %w", err)
	}
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ino != 0 && ino == w.ino {
		return nil
	}
	dir, err := os.Open(filepath.Dir(w.db))
	if err != nil {
		return fmt.Errorf("sync sqlite directory: %w", err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("sync sqlite directory: %w", err)
	}
	w.ino = ino
	return nil
}

type syncLaterKey struct{}

// syncLater tells the connection that the caller syncs after the commit.
func syncLater(ctx context.Context) context.Context {
	return context.WithValue(ctx, syncLaterKey{}, true)
}

func mustSync(ctx context.Context) bool {
	later, _ := ctx.Value(syncLaterKey{}).(bool)
	return !later && !store.IsInternal(ctx)
}
