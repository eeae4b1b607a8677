package loadgen

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when the pacer sleeps.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestPacerFiresEachEventAtItsDueTime(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rate float64
		n    int
		step time.Duration
	}{
		"1000/s":  {1000, 50, time.Millisecond},
		"3/s":     {3, 7, 333333333 * time.Nanosecond},
		"50000/s": {50000, 1000, 20 * time.Microsecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{now: time.Unix(1_800_000_000, 0)}
			start := clk.Now()
			p := Pacer{Rate: tc.rate, Now: clk.Now, Sleep: clk.Sleep}
			var got []int
			fired, err := p.Run(context.Background(), tc.n, func(i int, due time.Time) {
				got = append(got, i)
				if now := clk.Now(); now.Before(due) {
					t.Errorf("event %d fired at %v, before its due time %v", i, now, due)
				}
				want := start.Add(time.Duration(i) * tc.step)
				if d := due.Sub(want); d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("event %d due %v after start, want %v", i, due.Sub(start), want.Sub(start))
				}
			})
			if err != nil || fired != tc.n || len(got) != tc.n {
				t.Fatalf("fired %d (%d calls), err %v; want %d", fired, len(got), err, tc.n)
			}
			for i, g := range got {
				if g != i {
					t.Fatalf("order: call %d was event %d", i, g)
				}
			}
		})
	}
}

// An open loop does not slow down when a call is slow: events whose time
// passed meanwhile fire at once, with their original due times.
func TestPacerCatchesUpWithoutShiftingTheSchedule(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	start := clk.Now()
	p := Pacer{Rate: 100, Now: clk.Now, Sleep: clk.Sleep}
	lateness := map[int]time.Duration{}
	_, err := p.Run(context.Background(), 20, func(i int, due time.Time) {
		lateness[i] = clk.Now().Sub(due)
		if due != p.Due(start, i) {
			t.Errorf("event %d due %v, want %v", i, due, p.Due(start, i))
		}
		if i == 5 {
			clk.Advance(55 * time.Millisecond) // a stall: events 6..10 are now late
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if lateness[6] != 45*time.Millisecond || lateness[10] != 5*time.Millisecond || lateness[11] != 0 {
		t.Fatalf("lateness after a stall: 6=%v 10=%v 11=%v; want 45ms 5ms 0", lateness[6], lateness[10], lateness[11])
	}
}

func TestPacerStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	p := Pacer{Rate: 1000}
	fired, err := p.Run(ctx, 1_000_000, func(i int, _ time.Time) {
		if i == 9 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || fired < 10 || fired > 100 {
		t.Fatalf("fired %d, err %v; want about 10 and context.Canceled", fired, err)
	}
}

// On the real clock the whole schedule takes n/rate, not more.
func TestPacerRealClockRate(t *testing.T) {
	t.Parallel()
	start := time.Now()
	n, _ := Pacer{Rate: 2000}.Run(context.Background(), 200, func(int, time.Time) {})
	took := time.Since(start)
	if n != 200 || took < 95*time.Millisecond || took > 600*time.Millisecond {
		t.Fatalf("200 events at 2000/s took %v (fired %d); want about 100ms", took, n)
	}
}
