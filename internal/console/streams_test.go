package console

import (
	"net/http"
	"testing"
)

// Past the open-stream limit a page is told to poll (503), and the limit
// frees up when a stream ends.
func TestDeskEventsLimit(t *testing.T) {
	f := newFixture(t)
	f.c.MaxStreams = 1
	f.c.streams.open.Store(1)
	w := f.do(http.MethodGet, "/console/desk/{key}/events?v=1.0.1", f.sessions["agent"], "")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %q, want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	f.c.streams.open.Store(0)
	// No such ticket in the fixture: refused after the limit is passed,
	// and the slot is given back.
	if w := f.do(http.MethodGet, "/console/desk/{key}/events?v=1.0.1", f.sessions["agent"], ""); w.Code != http.StatusNotFound {
		t.Fatalf("under the limit: %d, want 404 for the fixture's missing ticket", w.Code)
	}
	if n := f.c.streams.open.Load(); n != 0 {
		t.Fatalf("open streams after the answer = %d, want 0", n)
	}
}
