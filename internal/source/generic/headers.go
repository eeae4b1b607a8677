package generic

import "net/http"

// CheckHeaders checks the Standard Webhooks headers and the timestamp
// window before the body is read.
func (s *Source) CheckHeaders(r *http.Request) error {
	return s.verifier.CheckHeaders(r.Header)
}
