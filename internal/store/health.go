package store

import (
	"context"
	"time"
)

// HealthRow is one series' contribution to a minute: Sum and Count add up
// across replicas and samples (a rate is Sum/Count, a mean too).
type HealthRow struct {
	Series string
	Sum    float64
	Count  float64
}

// HealthPoint is a series over one step of a range.
type HealthPoint struct {
	At    time.Time
	Sum   float64
	Count float64
}

// Health keeps the per-minute rollup the console's charts read.
type Health interface {
	// HealthAdd adds rows to the minute's totals (several replicas add to
	// the same minute).
	HealthAdd(ctx context.Context, minute time.Time, rows []HealthRow) error
	// HealthRange returns the series' totals per step from from (inclusive)
	// to to (exclusive), oldest first; empty steps are left out.
	HealthRange(ctx context.Context, series string, from, to time.Time, step time.Duration) ([]HealthPoint, error)
}
