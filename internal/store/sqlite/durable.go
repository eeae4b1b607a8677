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
//
// It keeps the WAL file open between syncs: opening and closing it for
// every group commit was 2 % of the server's CPU under chatter load.
// SQLite writes the WAL in place and deletes it only after a checkpoint
// has put every frame into the database file, which it syncs first; so a
// kept descriptor whose file has been unlinked (no links left) holds
// nothing that is not durable already, and the next sync opens the file
// that is there now.
type walSync struct {
	db string // the database file
	n  atomic.Int64

	mu    sync.Mutex
	f     *os.File // the open WAL (or database) file; nil before the first sync
	fIsDB bool     // f is the database file: there was no WAL when it was opened
	ino   uint64   // the inode of the file whose directory entry was last synced
}

func (w *walSync) sync() error {
	w.n.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	ino, err := w.current()
	if err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync sqlite %s: %w", w.f.Name(), err)
	}
	// A new WAL file is durable only once its directory entry is.
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

// current makes w.f the file that holds the latest commits and returns
// its inode (0 when the system does not say).
func (w *walSync) current() (uint64, error) {
	if w.f != nil {
		st, err := w.f.Stat()
		if err != nil {
			return 0, fmt.Errorf("sync sqlite: %w", err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if ok && sys.Nlink > 0 && !w.fIsDB {
			return sys.Ino, nil
		}
		// Unlinked, or the database file, kept while there was no WAL.
		w.f.Close()
		w.f = nil
	}
	f, err := os.Open(w.db + "-wal")
	isDB := false
	if errors.Is(err, fs.ErrNotExist) {
		// Not in WAL mode after all (or the file was just checkpointed
		// away by a closing connection): the database file holds it.
		f, err = os.Open(w.db)
		isDB = true
	}
	if err != nil {
		return 0, fmt.Errorf("sync sqlite: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, fmt.Errorf("sync sqlite: %w", err)
	}
	w.f, w.fIsDB = f, isDB
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Ino, nil
	}
	return 0, nil
}

// close lets go of the kept file.
func (w *walSync) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
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
