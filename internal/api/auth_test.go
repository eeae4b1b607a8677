package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

// Bad tokens from an address end in 429s, but the valid token from the
// same address (a shared proxy, an office NAT) is still served.
func TestBadTokenThrottleSparesValidToken(t *testing.T) {
	tokens := NewTokens([]config.Token{{Name: "ops", Token: "valid-token-0123456789", Scopes: []string{ScopeOperate}}}, nil)
	h := tokens.require(ScopeRead, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	call := func(token string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
		req.RemoteAddr = "192.0.2.7:5000"
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		return rec.Code
	}
	for i := range failureBurst {
		if code := call("wrong-token-000000000"); code != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d, want 401", i, code)
		}
	}
	steps := []struct {
		token string
		want  int
	}{
		{"wrong-token-000000000", http.StatusTooManyRequests},
		{"", http.StatusTooManyRequests},
		{"valid-token-0123456789", http.StatusNoContent},
		{"wrong-token-000000000", http.StatusTooManyRequests},
		{"valid-token-0123456789", http.StatusNoContent},
	}
	for i, s := range steps {
		if code := call(s.token); code != s.want {
			t.Errorf("step %d (%q): %d, want %d", i, s.token, code, s.want)
		}
	}
}
