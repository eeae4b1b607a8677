package loadgen

import (
	"context"
	"time"
)

// Pacer offers n events at a fixed rate. It is an open loop: fire is
// called at each event's due time whatever happened to earlier events, so
// a slow server cannot slow the offered load down and hide its own
// queueing. Latencies should be measured from due, not from the send.
type Pacer struct {
	// Rate is events per second; it must be above zero.
	Rate float64
	// Now and Sleep are the clock; nil means the real one. Tests inject
	// a fake clock to check the schedule without waiting.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Interval is the time between two due times.
func (p Pacer) Interval() time.Duration {
	return time.Duration(float64(time.Second) / p.Rate)
}

// Due is event i's scheduled time for a run that started at start. It is
// computed from i, not accumulated, so rounding never drifts.
func (p Pacer) Due(start time.Time, i int) time.Time {
	return start.Add(time.Duration(float64(i) * float64(time.Second) / p.Rate))
}

// Run calls fire(i, due) for i in [0, n) at their due times from now and
// returns how many it fired. An event whose time has passed (the process
// was descheduled) fires at once, late; that lateness shows in latencies
// measured from due. fire must not block: it should hand the send to
// another goroutine. Run stops early when ctx ends.
func (p Pacer) Run(ctx context.Context, n int, fire func(i int, due time.Time)) (int, error) {
	now, sleep := p.Now, p.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	start := now()
	i := 0
	for i < n {
		t := now()
		for ; i < n; i++ {
			due := p.Due(start, i)
			if due.After(t) {
				break
			}
			fire(i, due)
		}
		if i == n {
			break
		}
		if err := sleep(ctx, p.Due(start, i).Sub(now())); err != nil {
			return i, err
		}
	}
	return i, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
