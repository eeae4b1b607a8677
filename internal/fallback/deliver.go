package fallback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// ErrNoChannels is returned by Deliver when the route has no fallback.
var ErrNoChannels = errors.New("no fallback channels")

// Deliver tries the channels in order and stops at the first that takes
// the notice, returning its name. When all fail, the error is a
// *core.CallError joining each channel's error; it is permanent only when
// every channel failed permanently, so a notify job retries while any
// channel might still work, and its RetryAfter is the shortest wait asked.
func Deliver(ctx context.Context, channels []Channel, n Notice) (used string, err error) {
	if len(channels) == 0 {
		return "", ErrNoChannels
	}
	var (
		errs      []error
		tried     int
		permanent = true
		wait      time.Duration
	)
	for _, ch := range channels {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			permanent = false
			break
		}
		tried++
		err := ch.Send(ctx, n)
		if err == nil {
			return ch.Name(), nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", ch.Name(), err))
		if !core.IsPermanent(err) {
			permanent = false
		}
		if d, ok := core.RetryAfterOf(err); ok && (wait == 0 || d < wait) {
			wait = d
		}
	}
	return "", &core.CallError{
		Op:         "deliver fallback notice",
		Message:    fmt.Sprintf("%d of %d channels tried, all failed", tried, len(channels)),
		Permanent:  permanent,
		RetryAfter: wait,
		Err:        errors.Join(errs...),
	}
}
