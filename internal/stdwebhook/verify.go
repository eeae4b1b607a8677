package stdwebhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// maxSignatures bounds the work one request can ask of us; rotation needs
// two or three entries, not hundreds.
const maxSignatures = 16

// Verifier checks Standard Webhooks headers against one or more keys
// (several during a rotation).
type Verifier struct {
	Keys []Secret
	// Tolerance is how far webhook-timestamp may be from Now, either way;
	// zero means DefaultTolerance.
	Tolerance time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify authenticates a request and returns its webhook-id. Missing or
// unreadable headers and signatures matching no key wrap
// core.ErrBadSignature; a timestamp outside the window wraps core.ErrStale.
// Entries of other versions than v1 are ignored.
func (v *Verifier) Verify(h http.Header, body []byte) (string, error) {
	id, ts, sigs, err := v.headers(h)
	if err != nil {
		return "", err
	}
	unix := ts.Unix()
	for _, key := range v.Keys {
		want := mac(key, id, unix, body)
		r := signatureReader{rest: sigs}
		for got, ok := r.next(); ok; got, ok = r.next() {
			if hmac.Equal(got, want[:]) {
				return id, nil
			}
		}
	}
	return "", fmt.Errorf("%w: no signature matches", core.ErrBadSignature)
}

// CheckHeaders is the part of Verify that needs no body: the three headers
// are there, the timestamp is in the window and a v1 signature is present.
// Ingress calls it before reading the body, so that an unsigned request
// costs no read.
func (v *Verifier) CheckHeaders(h http.Header) error {
	_, _, _, err := v.headers(h)
	return err
}

// The header names as http.Header stores them, for lookups on the ingest
// path: a name that is already canonical is not copied into canonical
// form on every request.
const (
	CanonicalID        = "Webhook-Id"
	CanonicalTimestamp = "Webhook-Timestamp"
	CanonicalSignature = "Webhook-Signature"
)

// headers checks the three headers and returns the id, the timestamp and
// the signature header. It runs twice per request (CheckHeaders before
// the body is read, Verify after), so it allocates nothing: signatures
// are decoded into a buffer on the stack.
func (v *Verifier) headers(h http.Header) (string, time.Time, string, error) {
	id := h.Get(CanonicalID)
	tsText := h.Get(CanonicalTimestamp)
	sigs := h.Get(CanonicalSignature)
	switch {
	case id == "":
		return "", time.Time{}, "", fmt.Errorf("%w: missing %s header", core.ErrBadSignature, HeaderID)
	case tsText == "":
		return "", time.Time{}, "", fmt.Errorf("%w: missing %s header", core.ErrBadSignature, HeaderTimestamp)
	case sigs == "":
		return "", time.Time{}, "", fmt.Errorf("%w: missing %s header", core.ErrBadSignature, HeaderSignature)
	case len(v.Keys) == 0:
		return "", time.Time{}, "", fmt.Errorf("%w: no keys configured", core.ErrBadSignature)
	}
	ts, err := ParseTimestamp(tsText)
	if err != nil {
		return "", time.Time{}, "", fmt.Errorf("%w: %w", core.ErrBadSignature, err)
	}
	// The window is checked before the MAC: it is cheap, and a replayed
	// old request is refused without spending an HMAC per key on it.
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if d := now().Sub(ts); d > tol || d < -tol {
		return "", time.Time{}, "", fmt.Errorf("%w: %s is %s from now", core.ErrStale, HeaderTimestamp, d.Round(time.Second))
	}
	r := signatureReader{rest: sigs}
	if _, ok := r.next(); !ok {
		return "", time.Time{}, "", fmt.Errorf("%w: no v1 signature in header", core.ErrBadSignature)
	}
	return id, ts, sigs, nil
}

// signatureReader reads the v1 entries of a webhook-signature header, a
// list delimited by spaces. Entries of other versions, entries that are
// not strict base64 and entries longer than any MAC we make are skipped;
// at most maxSignatures entries are looked at. The reader decodes into
// its own buffer, so on the caller's stack it allocates nothing.
type signatureReader struct {
	rest   string
	looked int
	buf    [2 * sha256.Size]byte
}

// next returns the next v1 signature's bytes, valid until the next call.
func (r *signatureReader) next() ([]byte, bool) {
	for r.looked < maxSignatures {
		r.rest = strings.TrimLeft(r.rest, " ")
		if r.rest == "" {
			return nil, false
		}
		r.looked++
		var entry string
		entry, r.rest, _ = strings.Cut(r.rest, " ")
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" || base64.StdEncoding.DecodedLen(len(sig)) > len(r.buf) {
			continue
		}
		n, err := base64.StdEncoding.Strict().Decode(r.buf[:], []byte(sig))
		if err != nil {
			continue
		}
		return r.buf[:n], true
	}
	return nil, false
}
