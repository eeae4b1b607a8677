package slack

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// CheckHeaders refuses, before the body is read, a request without a
// well-formed v0 signature or with a timestamp outside the window.
func (s *Source) CheckHeaders(r *http.Request) error {
	sig, tsText := r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp)
	if sig == "" || tsText == "" {
		return fmt.Errorf("%w: missing %s or %s header", core.ErrBadSignature, HeaderSignature, HeaderTimestamp)
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if _, err := hex.DecodeString(hexSig); !ok || err != nil || len(hexSig) != 64 {
		return fmt.Errorf("%w: %s is not a v0 signature", core.ErrBadSignature, HeaderSignature)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not a unix time", core.ErrBadSignature, HeaderTimestamp)
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: request timestamp is %s away from now", core.ErrStale, d.Round(time.Second))
	}
	return nil
}
