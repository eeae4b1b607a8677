package source

import "net/http"

// HeaderChecker is a source whose platform puts the signature, or what it
// is computed over, in headers or the query string. Ingress calls
// CheckHeaders before it reads the body, so that a request without them, or
// with a timestamp outside the window, is refused without a read; Verify
// still checks the signature itself once the body is in.
type HeaderChecker interface {
	CheckHeaders(r *http.Request) error
}
