package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// QueueLag is the age of the oldest job waiting in the queues: the
// earliest scheduled_at among their available jobs (for jobs inserted to
// run at once, their insertion time), through River's fetch index.
func (s *Store) QueueLag(ctx context.Context, queues []string) (time.Duration, error) {
	if len(queues) == 0 {
		return 0, nil
	}
	args := make([]any, len(queues))
	for i, q := range queues {
		args[i] = q
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(queues)), ",")
	var secs sql.NullFloat64
	err := s.rdb.QueryRowContext(ctx, `SELECT (julianday('now') - julianday(min(scheduled_at))) * 86400.0
		FROM river_job WHERE state = 'available' AND queue IN (`+marks+`)`, args...).Scan(&secs)
	if err != nil {
		return 0, fmt.Errorf("queue lag: %w", err)
	}
	if !secs.Valid || secs.Float64 < 0 {
		return 0, nil
	}
	return time.Duration(secs.Float64 * float64(time.Second)), nil
}
