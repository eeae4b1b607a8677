package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// SQLite has no LISTEN/NOTIFY, so River polls every queue for work (every
// 20 ms here, jobs.RiverConfig). Each poll is an UPDATE … RETURNING: a
// write transaction on the single writer connection, taken from the group
// commit even when the queue is empty, which it almost always is now that
// chatter is decided at ingest (7 % of the CPU and the writer's waits in a
// profile of the ingest path). readersFirstDriver first asks the read pool
// whether the queue has an available job at all, and polls only then.
//
// Skipping is safe: a reader sees every committed job, so "none available"
// is what the poll itself would have found a moment earlier; a job
// committed after the look-up is found by the next poll, as it would be
// after an empty poll.

// readersFirstDriver is River's SQLite driver whose executor looks before
// it claims.
type readersFirstDriver struct {
	*riversqlite.Driver
	readers *sql.DB
	pilot   *wakingPilot
}

func (d *readersFirstDriver) GetExecutor() riverdriver.Executor {
	return &readersFirstExecutor{Executor: d.Driver.GetExecutor(), readers: d.readers}
}

// River's SQLite driver stands in for LISTEN/NOTIFY with a table that
// every insert writes to and a listener that reads it every 50 ms on the
// writer connection: a job waited up to 50 ms for its producer however
// soon it was committed, and every transaction that queued jobs wrote a
// notification row too. One process owns the file, so its producers can be
// told directly instead: River wakes them after its own inserts when the
// driver has no listener, and the store after its transactions
// (wake.go). Another process's inserts (the CLI) are found by the poll.
func (d *readersFirstDriver) SupportsListener() bool     { return false }
func (d *readersFirstDriver) SupportsListenNotify() bool { return false }

type readersFirstExecutor struct {
	riverdriver.Executor
	readers *sql.DB
}

func (e *readersFirstExecutor) JobGetAvailable(ctx context.Context, params *riverdriver.JobGetAvailableParams) (*riverdriver.JobGetAvailableResult, error) {
	if params.Schema == "" && params.Queue != "" {
		var one int
		err := e.readers.QueryRowContext(ctx,
			`SELECT 1 FROM river_job WHERE state = 'available' AND queue = ? LIMIT 1`, params.Queue).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return &riverdriver.JobGetAvailableResult{}, nil
		}
		// Any other error: poll as River would have, and let it report.
	}
	return e.Executor.JobGetAvailable(ctx, params)
}
