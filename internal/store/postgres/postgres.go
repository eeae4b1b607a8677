// Package postgres is the scale-out Store: PostgreSQL through pgx, with
// River's pgx driver keeping the job queue in the same database (and
// schema), so that several replicas share one queue.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Store is the PostgreSQL store.Store.
type Store struct {
	pool *pgxpool.Pool
	// internal is a second pool whose commits do not wait for the WAL
	// flush (synchronous_commit=off): River's own queries and the jobs'
	// writes go through it (store.Internal, durability.go).
	internal *pgxpool.Pool
	schema   string
	log      *slog.Logger
	client   atomic.Pointer[river.Client[pgx.Tx]]
	// cipher seals the body columns; nil keeps them plaintext.
	cipher     store.Cipher
	plainReads atomic.Int64
	// rekeyFrom is BodiesRekey's cursor per table.
	rekeyMu   sync.Mutex
	rekeyFrom map[string]int64
	// warm opens the pools' connections at Open (WarmPools).
	warm bool
}

var _ store.Store = (*Store)(nil)

// errNoQueue is returned by writes that carry jobs before Queue was called.
var errNoQueue = errors.New("jobs given but no queue: call Queue first")

// Option configures Open.
type Option func(*Store)

// WarmPools opens warmConns connections per pool at Open, in the
// background, and keeps them open, unless the DSN sets pool_min_conns.
// A connection opened while events wait for a commit took up to 42 ms on
// a busy two-core machine, and the tickets queued behind it waited up to
// 100 ms, twice a ticket's p99 budget (BENCHMARKS.md, "Processing core,
// session 19"). For the server, not for
// tests that open many stores at once (PostgreSQL allows 100 connections
// by default).
func WarmPools() Option { return func(s *Store) { s.warm = true } }

// warmConns is the pgxpool default size on a machine of up to four cores.
const warmConns = 4

// Open connects to dsn. A non-empty schema is created when missing and
// becomes every connection's search_path, ours and River's tables both
// living in it. Open does not migrate; call Migrate.
func Open(ctx context.Context, dsn, schema string, log *slog.Logger, opts ...Option) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{schema: schema, log: log}
	for _, o := range opts {
		o(s)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
	}
	if s.warm && !strings.Contains(dsn, "pool_min_conns") {
		cfg.MinConns = min(cfg.MaxConns, warmConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if schema != "" {
		_, err := pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("open postgres: create schema: %w", err)
		}
	}
	icfg := pool.Config()
	icfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	internal, err := pgxpool.NewWithConfig(ctx, icfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: internal pool: %w", err)
	}
	s.pool, s.internal = pool, internal
	return s, nil
}

// Pool returns the underlying pool, for tests and tooling.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the schema given to Open.
func (s *Store) Schema() string { return s.schema }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Close closes the pool. Stop the Queue first.
func (s *Store) Close() error {
	s.internal.Close()
	s.pool.Close()
	return nil
}

// Queue builds the River client on this database, in the store's schema
// unless cfg names one. A nil cfg is an insert-only client. It may be called
// once.
func (s *Store) Queue(cfg *river.Config) (store.Queue, error) {
	// A copy, so that the defaults filled in here stay out of the caller's
	// config.
	var c river.Config
	if cfg != nil {
		c = *cfg
	}
	cfg = &c
	if cfg.Schema == "" {
		cfg.Schema = s.schema
	}
	if cfg.Logger == nil {
		cfg.Logger = s.log
	}
	client, err := river.NewClient(riverpgxv5.New(s.internal), cfg)
	if err != nil {
		return nil, fmt.Errorf("new queue: %w", err)
	}
	if !s.client.CompareAndSwap(nil, client) {
		return nil, errors.New("new queue: already built")
	}
	return client, nil
}

// Migrate applies River's migrations and then ours.
func (s *Store) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: s.log, Schema: s.schema})
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return s.migrate(ctx)
}

// inTx runs fn in a transaction.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	pool := s.pool
	if store.IsInternal(ctx) {
		pool = s.internal
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// insertJobs adds jobs to River inside tx.
func (s *Store) insertJobs(ctx context.Context, tx pgx.Tx, jobs store.Jobs) error {
	if len(jobs) == 0 {
		return nil
	}
	c := s.client.Load()
	if c == nil {
		return errNoQueue
	}
	if _, err := c.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("insert jobs: %w", err)
	}
	return nil
}

// checkJobs fails early, before any write, when jobs cannot be inserted.
func (s *Store) checkJobs(jobs store.Jobs) error {
	if len(jobs) > 0 && s.client.Load() == nil {
		return errNoQueue
	}
	return nil
}
