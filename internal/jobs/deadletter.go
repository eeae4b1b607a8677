package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Dead letters are River jobs that exhausted their attempts (discarded) or
// failed permanently (cancelled). They stay until replayed or cleaned.
var deadStates = []rivertype.JobState{rivertype.JobStateDiscarded, rivertype.JobStateCancelled}

// DeadLetters lists up to limit dead letters, newest first.
func DeadLetters(ctx context.Context, q store.Queue, limit int) ([]*rivertype.JobRow, error) {
	limit = min(max(limit, 1), 10000) // River's page size bounds
	params := river.NewJobListParams().States(deadStates...).First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	res, err := q.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return res.Jobs, nil
}

// CountDeadLetters counts dead letters, stopping at max.
func CountDeadLetters(ctx context.Context, q store.Queue, max int) (int, error) {
	n := 0
	params := river.NewJobListParams().States(deadStates...).First(1000)
	for n < max {
		res, err := q.JobList(ctx, params)
		if err != nil {
			return n, fmt.Errorf("count dead letters: %w", err)
		}
		n += len(res.Jobs)
		if len(res.Jobs) < 1000 || res.LastCursor == nil {
			break
		}
		params = params.After(res.LastCursor)
	}
	return n, nil
}

// Replay makes a dead letter available again with its attempts reset.
func Replay(ctx context.Context, q store.Queue, id int64) error {
	job, err := q.JobGet(ctx, id)
	if err != nil {
		return fmt.Errorf("load job %d: %w", id, err)
	}
	if job.State != rivertype.JobStateDiscarded && job.State != rivertype.JobStateCancelled {
		return fmt.Errorf("job %d is %s, not a dead letter", id, job.State)
	}
	if _, err := q.JobRetry(ctx, id); err != nil {
		return fmt.Errorf("replay job %d: %w", id, err)
	}
	return nil
}

// DeadLetter is a dead letter as shown to people.
type DeadLetter struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error"`
	Args      string    `json:"args"`
	CreatedAt time.Time `json:"created_at"`
}

// Describe turns job rows into dead letters with their last error.
func Describe(rows []*rivertype.JobRow) []DeadLetter {
	out := make([]DeadLetter, 0, len(rows))
	for _, j := range rows {
		d := DeadLetter{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempts: j.Attempt, Args: string(j.EncodedArgs), CreatedAt: j.CreatedAt}
		if n := len(j.Errors); n > 0 {
			d.Error = j.Errors[n-1].Error
		}
		out = append(out, d)
	}
	return out
}
