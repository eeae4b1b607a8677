package postgres

import (
	"context"
	"fmt"
	"time"
)

// QueueLag is the age of the oldest job waiting in the queues: the
// earliest scheduled_at among their available jobs (for jobs inserted to
// run at once, their insertion time), through River's fetch index.
func (s *Store) QueueLag(ctx context.Context, queues []string) (time.Duration, error) {
	if len(queues) == 0 {
		return 0, nil
	}
	var secs *float64
	err := s.pool.QueryRow(ctx, `SELECT extract(epoch FROM now() - min(scheduled_at))::float8
		FROM river_job WHERE state = 'available' AND queue = ANY($1)`, queues).Scan(&secs)
	if err != nil {
		return 0, fmt.Errorf("queue lag: %w", err)
	}
	if secs == nil || *secs < 0 {
		return 0, nil
	}
	return time.Duration(*secs * float64(time.Second)), nil
}
