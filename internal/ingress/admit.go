package ingress

import (
	"net/http"

	"github.com/ticketbridge/ticketbridge/internal/source"
)

// checkHeaders runs the source's body-free checks, where it has them.
func checkHeaders(src source.Source, r *http.Request) error {
	if hc, ok := src.(source.HeaderChecker); ok {
		return hc.CheckHeaders(r)
	}
	return nil
}

// BodyLimiter bounds the webhook bodies being read at once, and so the
// memory they take: a request over the bound is answered 503 before any of
// its body is read, instead of queueing (a slow sender would hold its
// place for the whole read).
type BodyLimiter struct {
	slots chan struct{}
}

// NewBodyLimiter allows n bodies at once; n <= 0 means no bound (nil).
func NewBodyLimiter(n int) *BodyLimiter {
	if n <= 0 {
		return nil
	}
	return &BodyLimiter{slots: make(chan struct{}, n)}
}

func (l *BodyLimiter) acquire() bool {
	if l == nil {
		return true
	}
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l *BodyLimiter) release() {
	if l != nil {
		<-l.slots
	}
}
