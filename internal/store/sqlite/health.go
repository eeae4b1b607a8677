package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// HealthAdd adds rows to the minute's totals.
func (s *Store) HealthAdd(ctx context.Context, minute time.Time, rows []store.HealthRow) error {
	m := minute.Truncate(time.Minute).Unix()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tb_health_minutes (series, minute, sum, count) VALUES (?, ?, ?, ?)
				ON CONFLICT (series, minute) DO UPDATE SET sum = sum + excluded.sum, count = count + excluded.count`,
				r.Series, m, r.Sum, r.Count); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add health rows: %w", err)
	}
	return nil
}

// HealthRange returns the series' totals per step, oldest first.
func (s *Store) HealthRange(ctx context.Context, series string, from, to time.Time, step time.Duration) ([]store.HealthPoint, error) {
	st := max(int64(step/time.Second), 60)
	rows, err := s.db.QueryContext(ctx, `SELECT (minute / ?1) * ?1 AS b, SUM(sum), SUM(count) FROM tb_health_minutes
		WHERE series = ?2 AND minute >= ?3 AND minute < ?4 GROUP BY b ORDER BY b`, st, series, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("health range: %w", err)
	}
	defer rows.Close()
	var out []store.HealthPoint
	for rows.Next() {
		var (
			p  store.HealthPoint
			at int64
		)
		if err := rows.Scan(&at, &p.Sum, &p.Count); err != nil {
			return nil, fmt.Errorf("health range: %w", err)
		}
		p.At = time.Unix(at, 0).UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("health range: %w", err)
	}
	return out, nil
}
