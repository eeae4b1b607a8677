package wecom

import (
	"fmt"
	"net/http"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// CheckHeaders refuses, before the body is read, a callback without the
// query parameters its signature is computed with. WeCom puts no
// timestamp window on them; the signature covers the ciphertext, in the
// body, and replays are caught by the message id.
func (s *Source) CheckHeaders(r *http.Request) error {
	q := readQuery(r)
	if q.signature == "" || q.timestamp == "" || q.nonce == "" {
		return fmt.Errorf("%w: msg_signature, timestamp and nonce are required", core.ErrBadSignature)
	}
	return nil
}
