package ingress

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadBody: a body of known length is read into a buffer of that size,
// one of unknown length (chunked) as before; both stop at MaxBody.
func TestReadBody(t *testing.T) {
	t.Parallel()
	h := &Handler{MaxBody: 10}
	tests := map[string]struct {
		body       string
		length     int64 // -1: unknown, as for a chunked body
		wantStatus int
	}{
		"known length":             {"0123456789", 10, 0},
		"unknown length":           {"0123456789", -1, 0},
		"empty":                    {"", 0, 0},
		"known length, too large":  {"0123456789A", 11, http.StatusRequestEntityTooLarge},
		"unknown length too large": {"0123456789A", -1, http.StatusRequestEntityTooLarge},
		"shorter than declared":    {"0123", 8, http.StatusBadRequest},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/chat", io.NopCloser(strings.NewReader(tc.body)))
			r.Header.Set("Content-Type", "application/json")
			r.ContentLength = tc.length
			if tc.length >= 0 && int(tc.length) > len(tc.body) {
				// What net/http gives a handler when the client stops early.
				r.Body = io.NopCloser(io.MultiReader(strings.NewReader(tc.body), errReader{io.ErrUnexpectedEOF}))
			}
			body, status, _ := h.readBody(httptest.NewRecorder(), r)
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d", status, tc.wantStatus)
			}
			if status == 0 && string(body) != tc.body {
				t.Fatalf("body %q, want %q", body, tc.body)
			}
		})
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
