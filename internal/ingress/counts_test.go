package ingress

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Asked for JSON, writeCounts must answer byte for byte what writeJSON
// answered before it.
func TestWriteCountsMatchesWriteJSON(t *testing.T) {
	for _, tc := range []struct{ accepted, duplicates int }{{0, 0}, {1, 0}, {0, 1}, {0, 3}, {1, 1}, {512, 1024}} {
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, map[string]int{"accepted": tc.accepted, "duplicates": tc.duplicates})
		got := httptest.NewRecorder()
		writeCounts(got, true, tc.accepted, tc.duplicates)
		if got.Body.String() != want.Body.String() || got.Code != want.Code ||
			got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Errorf("writeCounts(%d, %d) = %d %q %q, want %d %q %q", tc.accepted, tc.duplicates,
				got.Code, got.Header().Get("Content-Type"), got.Body, want.Code, want.Header().Get("Content-Type"), want.Body)
		}
	}
}

// Only a caller that names application/json gets a body; the platforms'
// deliveries get a bare 200.
func TestWriteCountsBody(t *testing.T) {
	tests := []struct {
		accept   []string
		wantBody bool
	}{
		{nil, false},
		{[]string{"*/*"}, false},
		{[]string{"text/plain"}, false},
		{[]string{"application/json"}, true},
		{[]string{"text/html, application/json;q=0.9"}, true},
		{[]string{"text/html", "application/json"}, true},
		{[]string{"application/jsonx"}, false},
		{[]string{";;;"}, false},
	}
	for _, tc := range tests {
		got := httptest.NewRecorder()
		writeCounts(got, acceptsJSON(tc.accept), 1, 0)
		if got.Code != http.StatusOK || (got.Body.Len() > 0) != tc.wantBody {
			t.Errorf("Accept %q: %d %q, want a body: %v", tc.accept, got.Code, got.Body, tc.wantBody)
		}
		if !tc.wantBody && got.Header().Get("Content-Type") != "" {
			t.Errorf("Accept %q: bare answer with Content-Type %q", tc.accept, got.Header().Get("Content-Type"))
		}
	}
}
