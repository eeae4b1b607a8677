package ingress

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// writeCounts must answer byte for byte what writeJSON answered before it.
func TestWriteCountsMatchesWriteJSON(t *testing.T) {
	for _, tc := range []struct{ accepted, duplicates int }{{0, 0}, {1, 0}, {0, 1}, {0, 3}, {1, 1}, {512, 1024}} {
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, map[string]int{"accepted": tc.accepted, "duplicates": tc.duplicates})
		got := httptest.NewRecorder()
		writeCounts(got, tc.accepted, tc.duplicates)
		if got.Body.String() != want.Body.String() || got.Code != want.Code ||
			got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Errorf("writeCounts(%d, %d) = %d %q %q, want %d %q %q", tc.accepted, tc.duplicates,
				got.Code, got.Header().Get("Content-Type"), got.Body, want.Code, want.Header().Get("Content-Type"), want.Body)
		}
	}
}
