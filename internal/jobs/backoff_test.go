package jobs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestBackoffDoublesWithEqualJitter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		attempt  int
		rand     float64
		wantWait time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 0.999999, time.Second},
		{2, 0, time.Second},
		{3, 0.5, 3 * time.Second},
		{4, 0, 4 * time.Second},
		{20, 0, 30 * time.Minute}, // capped at Max, then jittered
		{20, 0.999999, time.Hour},
		{0, 0, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		b := &Backoff{Base: time.Second, Max: time.Hour, Now: func() time.Time { return now }, Rand: func() float64 { return tt.rand }}
		got := b.NextRetry(&rivertype.JobRow{Attempt: tt.attempt}).Sub(now)
		if diff := got - tt.wantWait; diff < -5*time.Millisecond || diff > 5*time.Millisecond {
			t.Errorf("attempt %d rand %v: wait %v, want %v", tt.attempt, tt.rand, got, tt.wantWait)
		}
	}
}

func TestBackoffJitterSpreads(t *testing.T) {
	b := &Backoff{Base: time.Second, Max: time.Hour, Now: time.Now}
	seen := map[time.Duration]bool{}
	for range 50 {
		d := b.Delay(5)
		if d < 8*time.Second || d > 16*time.Second {
			t.Fatalf("Delay(5) = %v, want within [8s, 16s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 40 {
		t.Fatalf("only %d distinct delays in 50: no jitter", len(seen))
	}
}

func TestRetryableClassifies(t *testing.T) {
	transient := &core.CallError{Op: "create", Status: 503}
	if got := retryable(transient); got != transient {
		t.Fatalf("transient: retryable = %v, want the error itself (retried with backoff)", got)
	}
	var snooze *river.JobSnoozeError
	if err := retryable(&core.CallError{Status: 429, RetryAfter: 7 * time.Second}); !errors.As(err, &snooze) || snooze.Duration != 7*time.Second {
		t.Fatalf("429: retryable = %v, want a 7s snooze", err)
	}
	var cancel *river.JobCancelError
	err := retryable(&core.CallError{Status: 400, Message: "field summary is required", Permanent: true})
	if !errors.As(err, &cancel) || !strings.Contains(err.Error(), "field summary is required") {
		t.Fatalf("400: retryable = %v, want a cancel carrying the sink's message", err)
	}
	if retryable(nil) != nil {
		t.Fatal("retryable(nil) != nil")
	}
}
