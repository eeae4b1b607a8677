package dingtalk

import (
	"fmt"
	"net/http"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// CheckHeaders refuses, before the body is read, a robot callback without
// its timestamp and sign headers or outside the window, and an event push
// without the query parameters its signature is computed with. The robot
// signature covers only the timestamp, so it is checked here in full.
func (s *Source) CheckHeaders(r *http.Request) error {
	if r.Method != http.MethodPost {
		return fmt.Errorf("%w: method %s", core.ErrMalformed, r.Method)
	}
	if isEventPush(r) {
		q := readEventQuery(r)
		if q.signature == "" || q.timestamp == "" || q.nonce == "" {
			return fmt.Errorf("%w: signature, timestamp and nonce are required", core.ErrBadSignature)
		}
		return nil
	}
	return s.verifyRobot(r)
}
