package ingress

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Backpressure refuses new chat events while processing lags more than
// MaxLag behind ingest (lag: the age of the oldest event not yet
// processed). Every platform resends on a 429, so refusing costs nothing
// but time, while accepting work that cannot be done in time only grows
// an unbounded queue behind the acknowledgements.
type Backpressure struct {
	MaxLag time.Duration
	lag    atomic.Int64 // nanoseconds, as last sampled
}

// Lag is the last sampled lag.
func (b *Backpressure) Lag() time.Duration { return time.Duration(b.lag.Load()) }

// Set records a sampled lag.
func (b *Backpressure) Set(lag time.Duration) { b.lag.Store(int64(max(lag, 0))) }

// Watch samples the lag every interval until ctx ends, handing each
// sample to observe too (may be nil). A failed sample keeps the last one.
func (b *Backpressure) Watch(ctx context.Context, interval time.Duration, sample func(context.Context) (time.Duration, error), observe func(time.Duration)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if lag, err := sample(ctx); err == nil {
			b.Set(lag)
			if observe != nil {
				observe(lag)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refuse answers 429 with a Retry-After and reports true while the lag is
// over the limit.
func (b *Backpressure) refuse(w http.ResponseWriter) bool {
	if b == nil || b.MaxLag <= 0 {
		return false
	}
	lag := b.Lag()
	if lag <= b.MaxLag {
		return false
	}
	// Ask for the time the excess should take to drain, within reason.
	wait := int(math.Ceil((lag - b.MaxLag).Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(min(max(wait, 1), 60)))
	writeError(w, http.StatusTooManyRequests, "processing is "+lag.Round(time.Second).String()+" behind; retry later")
	return true
}
