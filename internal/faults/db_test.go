package faults

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// db reads the server's database directly: the events it stored and
// River's jobs. SQLite is opened read-only (WAL lets it read while the
// server writes).
type db struct {
	*sql.DB
	pg bool
}

func openSQLite(t *testing.T, path string) *db {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return &db{DB: d}
}

// freshSchema returns a new schema name, dropped (with River's tables in
// it) when t ends, and a handle whose search_path is that schema.
func freshSchema(t *testing.T) (string, *db) {
	t.Helper()
	schema := "faults_" + strings.ToLower(rand.Text()[:10])
	u, err := url.Parse(pgDSN())
	if err != nil {
		t.Fatalf("dsn: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	d, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.PingContext(ctx); err != nil {
		t.Skipf("no PostgreSQL at %s: %v", pgDSN(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := d.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
		d.Close()
	})
	return schema, &db{DB: d, pg: true}
}

// storedEvents returns the event ids the store holds for the chat source
// and how many rows carry them (more rows than ids would be a duplicate).
func (d *db) storedEvents(ctx context.Context) (map[string]bool, int, error) {
	rows, err := d.QueryContext(ctx, `SELECT event_id FROM tb_events WHERE source = 'chat'`)
	if err != nil {
		return nil, 0, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	ids, n := map[string]bool{}, 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, 0, fmt.Errorf("scan event: %w", err)
		}
		ids[id] = true
		n++
	}
	return ids, n, rows.Err()
}

// pendingJobs counts River jobs that are not finished yet.
func (d *db) pendingJobs(ctx context.Context) (int, error) {
	var n int
	err := d.QueryRowContext(ctx, `SELECT count(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pending jobs: %w", err)
	}
	return n, nil
}

// jobStates counts River jobs by state.
func (d *db) jobStates(ctx context.Context) (map[string]int, error) {
	rows, err := d.QueryContext(ctx, `SELECT state, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("job states: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("scan job state: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// waitQuiet waits until River has no unfinished job, so that a late
// retry (a rescued job, a duplicate notice) has had its chance to show.
func (d *db) waitQuiet(t *testing.T, limit time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := d.pendingJobs(ctx)
		cancel()
		if err == nil && n == 0 {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}

// checkStored verifies every acknowledged event is in the store, once.
func checkStored(t *testing.T, d *db, acked []string) {
	t.Helper()
	e := eventCount(t, d, acked)
	if e.lost > 0 {
		t.Errorf("%d of %d acknowledged events lost", e.lost, len(acked))
	}
	if e.doubled > 0 {
		t.Errorf("%d event rows more than event ids: duplicates stored", e.doubled)
	}
	t.Logf("store: %d acknowledged events, %d stored, %d lost", len(acked), e.delivered, e.lost)
}
