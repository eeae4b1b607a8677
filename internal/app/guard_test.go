package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// A source with an allowlist takes calls only from its networks; behind a
// trusted proxy the forwarded address counts, from anyone else it is
// ignored.
func TestWebhookAllowlist(t *testing.T) {
	h := start(t, teststore.SQLite(t), func(cfg *config.Config, _ *app.Options) {
		cfg.Security.Allow = map[string][]string{"im/chat": {"203.0.113.0/24"}}
		cfg.Security.TrustedProxies = []string{"127.0.0.1"}
	})
	post := func(xff string) int {
		t.Helper()
		resp, err := sendVia(h, xff)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(""); got != http.StatusForbidden {
		t.Fatalf("from loopback itself: %d, want 403", got)
	}
	if got := post("198.51.100.7"); got != http.StatusForbidden {
		t.Fatalf("forwarded for an outside address: %d, want 403", got)
	}
	if got := post("203.0.113.9"); got != http.StatusOK {
		t.Fatalf("forwarded for an allowed address: %d, want 200", got)
	}
	if v := h.metric(`ticketbridge_events_total{kind="",result="forbidden",source="chat"}`); v != 2 {
		t.Fatalf("forbidden counted %v times, want 2", v)
	}
}

func sendVia(h *harness, xff string) (*http.Response, error) {
	ev := generictest.Message("g1", "u1", "hello")
	req, err := generictest.NewRequest(h.t.Context(), h.srv.URL, "chat", h.key, ev)
	if err != nil {
		return nil, err
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return http.DefaultClient.Do(req)
}

// Tokens may be configured by their SHA-256 only; a client that keeps
// sending bad tokens is throttled, but a valid token from the same address
// (a shared proxy or NAT) is still served.
func TestAdminTokensHashedAndThrottled(t *testing.T) {
	const token = "a-token-only-its-hash-is-configured"
	sum := sha256.Sum256([]byte(token))
	h := start(t, teststore.SQLite(t), func(cfg *config.Config, _ *app.Options) {
		cfg.Admin.Tokens = append(cfg.Admin.Tokens, config.Token{Name: "hashed", TokenSHA256: hex.EncodeToString(sum[:]), Scopes: []string{"read"}})
	})
	if status, _ := h.api("GET", "/api/v1/dry-runs", token, nil); status != 200 {
		t.Fatalf("hashed token: %d, want 200", status)
	}
	for i := range 10 {
		if status, _ := h.api("GET", "/api/v1/dry-runs", "wrong-token-000000000", nil); status != 401 {
			t.Fatalf("bad token %d: %d, want 401", i, status)
		}
	}
	if status, _ := h.api("GET", "/api/v1/dry-runs", "wrong-token-000000000", nil); status != 429 {
		t.Fatalf("after 10 bad tokens: %d, want 429", status)
	}
	if status, _ := h.api("GET", "/api/v1/dry-runs", token, nil); status != 200 {
		t.Fatalf("a valid token from a throttled address: %d, want 200", status)
	}
}
