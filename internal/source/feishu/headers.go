package feishu

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// CheckHeaders refuses, before the body is read, a signed delivery whose
// timestamp is missing or outside the window. An unsigned delivery cannot
// be judged without its body (the verification token is inside it), so it
// waits for Verify, within the cap on bodies read at once.
func (s *Source) CheckHeaders(r *http.Request) error {
	if r.Method != http.MethodPost {
		return fmt.Errorf("%w: feishu deliveries are POST requests", core.ErrBadSignature)
	}
	if r.Header.Get(HeaderSignature) == "" {
		return nil
	}
	ts := r.Header.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not a unix time", core.ErrStale, HeaderTimestamp, cut(ts, 20))
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > s.s.Tolerance || d < -s.s.Tolerance {
		return fmt.Errorf("%w: %s is %s away", core.ErrStale, HeaderTimestamp, d.Round(time.Second))
	}
	return nil
}
