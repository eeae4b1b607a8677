// Package sqlite is the embedded Store: one SQLite file in WAL mode, with
// River's SQLite driver keeping the job queue in the same file.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Store is the SQLite store.Store.
type Store struct {
	db *sql.DB
	// rdb is a pool of read-only connections to the same WAL file: reads
	// that need no transaction run there, beside the single writer
	// connection (which River, the group commit and the workers share).
	rdb    *sql.DB
	wal    *walSync
	mark   syncMark
	log    *slog.Logger
	client atomic.Pointer[river.Client[*sql.Tx]]
	// cipher seals the body columns; nil keeps them plaintext.
	cipher     store.Cipher
	plainReads atomic.Int64
	// rekeyFrom is BodiesRekey's cursor per table.
	rekeyMu   sync.Mutex
	rekeyFrom map[string]int64
	// waker wakes River's producers after a commit that queued jobs
	// (wake.go).
	waker queueWaker
	// titles has inTx index the desk titles a transaction made (titles.go).
	titles deskTitles
}

var _ store.Store = (*Store)(nil)

// errNoQueue is returned by writes that carry jobs before Queue was called.
var errNoQueue = errors.New("jobs given but no queue: call Queue first")

// Open opens (creating when missing) the database file at path. It does not
// migrate; call Migrate. ":memory:" is not supported: River and the store
// must share one file.
func Open(ctx context.Context, path string, log *slog.Logger, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" || len(path) > 5 && path[:5] == "file:" {
		return nil, fmt.Errorf("open sqlite: path %q: want a plain file path", path)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite database %s: cannot create its directory (check storage.dsn and the permissions of the parent): %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	// NORMAL: commits do not wait for the disk; acknowledged writes are
	// synced after their commit instead (durable.go).
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	// A multi-row statement inside a transaction keeps a statement journal;
	// on disk (the default) that is a temp file opened, written and closed
	// in every batch of the ingest writer.
	q.Add("_pragma", "temp_store(MEMORY)")
	// Write transactions take the lock at BEGIN, so two of them never
	// deadlock upgrading a read lock.
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	wal := &walSync{db: path}
	db, err := openCached(dsn, wal)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// River's SQLite driver needs a single connection; it also makes every
	// write transaction wait its turn instead of failing with SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, openError(path, err)
	}
	rdb, err := openReaders(ctx, path)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{db: db, rdb: rdb, log: log, wal: wal}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// readers is the size of the read-only pool.
const readers = 4

// openReaders opens the read-only pool. The writer connection has made
// the file WAL, so readers see every committed write and never block it.
func openReaders(ctx context.Context, path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	db, err := openCached("file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("open sqlite readers %s: %w", path, err)
	}
	db.SetMaxOpenConns(readers)
	db.SetMaxIdleConns(readers)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite readers %s: %w", path, err)
	}
	return db, nil
}

// DB returns the underlying pool, for tests and tooling.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

// Close closes the database. Stop the Queue first.
func (s *Store) Close() error {
	rerr := s.rdb.Close()
	defer s.wal.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close sqlite: %w", err)
	}
	if rerr != nil {
		return fmt.Errorf("close sqlite readers: %w", rerr)
	}
	return nil
}

// Queue builds the River client on this database. A nil cfg is an
// insert-only client. It may be called once.
func (s *Store) Queue(cfg *river.Config) (store.Queue, error) {
	// A copy, so that the defaults filled in here stay out of the caller's
	// config.
	var c river.Config
	if cfg != nil {
		c = *cfg
	}
	cfg = &c
	if cfg.Logger == nil {
		cfg.Logger = s.log
	}
	pilot := &wakingPilot{}
	driver := &readersFirstDriver{Driver: riversqlite.New(s.db), readers: s.rdb, pilot: pilot}
	client, err := river.NewClient[*sql.Tx](driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("new queue: %w", err)
	}
	if !s.client.CompareAndSwap(nil, client) {
		return nil, errors.New("new queue: already built")
	}
	s.waker.use(pilot)
	return client, nil
}

// Migrate applies River's migrations and then ours.
func (s *Store) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(riversqlite.New(s.db), &rivermigrate.Config{Logger: s.log})
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return s.migrate(ctx)
}

// inTx runs fn in a write transaction. fn must not use s.db: the pool has a
// single connection, which the transaction holds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(syncLater(ctx), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	err = fn(tx)
	if err == nil && s.titles.take() {
		err = indexDeskTitles(ctx, tx)
	}
	if err != nil {
		_ = tx.Rollback()
		s.waker.take()
		s.titles.take()
		return err
	}
	acknowledged := !store.IsInternal(ctx)
	var n int64
	if acknowledged {
		// Numbered before the commit makes its jobs visible (syncmark.go).
		n = s.mark.next()
	}
	err = tx.Commit()
	// Taken before the connection goes to the next transaction.
	queues := s.waker.take()
	if err == nil {
		// The fetch may start now; jobs of an acknowledged commit wait
		// for the sync below.
		s.waker.wake(ctx, queues)
	}
	if acknowledged {
		// After the commit released the connection, so that others can
		// use it while this one waits for the disk. A failed commit syncs
		// too: its number is marked only once the commits before it are
		// on disk.
		serr := s.wal.sync()
		if serr == nil {
			s.mark.done(n)
		}
		if err == nil {
			return serr
		}
	}
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// insertJobs adds jobs to River inside tx.
func (s *Store) insertJobs(ctx context.Context, tx *sql.Tx, jobs store.Jobs) error {
	if len(jobs) == 0 {
		return nil
	}
	c := s.client.Load()
	if c == nil {
		return errNoQueue
	}
	res, err := c.InsertManyTx(ctx, tx, jobs)
	if err != nil {
		return fmt.Errorf("insert jobs: %w", err)
	}
	s.waker.inserted(res)
	return nil
}

// checkJobs fails early, before any write, when jobs cannot be inserted.
func (s *Store) checkJobs(jobs store.Jobs) error {
	if len(jobs) > 0 && s.client.Load() == nil {
		return errNoQueue
	}
	return nil
}
