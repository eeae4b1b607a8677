package app_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// The API trigger says what happened (issue #15): created with a link to
// fetch the ticket, then appended to it with its key, and a replay of the
// same Idempotency-Key is a duplicate.
func TestAPITriggerSaysWhatHappened(t *testing.T) {
	h := start(t, teststore.SQLite(t))
	body := map[string]any{"source": "chat", "conversation": "api-2", "text": "customer called: the router reboots every hour"}
	status, out := h.api("POST", "/api/v1/tickets", adminToken, body)
	if status != 202 || out["outcome"] != "created" || out["decision"] != "create" {
		t.Fatalf("create: %d %v", status, out)
	}
	fetch, _ := out["fetch"].(string)
	u, err := url.Parse(fetch)
	if err != nil || u.Query().Get("conversation") != "api-2" {
		t.Fatalf("fetch = %q", fetch)
	}
	h.replies(1)
	var key string
	h.eventually("the ticket to have its key", func() bool {
		status, got := h.api("GET", fetch, "viewer-token-0123456789", nil)
		if status != 200 {
			return false
		}
		ts, _ := got["tickets"].([]any)
		if len(ts) != 1 {
			return false
		}
		key, _ = ts[0].(map[string]any)["key"].(string)
		return key != ""
	})

	body["text"] = "customer called again: now it does not boot at all"
	status, out = h.api("POST", "/api/v1/tickets", adminToken, body)
	ticket, _ := out["ticket"].(map[string]any)
	if status != 200 || out["outcome"] != "appended" || ticket["key"] != key {
		t.Fatalf("append: %d %v, want appended to %s", status, out, key)
	}
	h.eventually("the second call on the ticket", func() bool {
		return strings.Contains(allComments(t, h, key), "does not boot")
	})
	if n := len(h.tickets()); n != 1 {
		t.Fatalf("desk has %d tickets, want 1", n)
	}

	if status, _ := h.api("GET", "/api/v1/tickets?source=chat&conversation=nobody", "viewer-token-0123456789", nil); status != 404 {
		t.Errorf("fetch without a ticket: %d, want 404", status)
	}
	if status, _ := h.api("GET", "/api/v1/tickets?source=chat", "viewer-token-0123456789", nil); status != 400 {
		t.Errorf("fetch without a conversation: %d, want 400", status)
	}
}

func TestAPITriggerOutsideRolloutAndDryRun(t *testing.T) {
	tests := map[string]struct {
		route   func(r *config.Route)
		outcome string
	}{
		"out of rollout": {func(r *config.Route) { zero := 0; r.Rollout = &zero }, "out_of_rollout"},
		"dry run":        {func(r *config.Route) { r.Mode = rules.ModeDryRun }, "dry_run"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := start(t, teststore.SQLite(t), withRoute(tc.route))
			body := map[string]any{"source": "chat", "conversation": "api-3", "text": "please open a ticket"}
			status, out := h.api("POST", "/api/v1/tickets", adminToken, body)
			if status != 200 || out["outcome"] != tc.outcome {
				t.Fatalf("%d %v, want 200 %s", status, out, tc.outcome)
			}
			h.quiet(0)
			if n := len(h.tickets()); n != 0 {
				t.Fatalf("desk has %d tickets", n)
			}
		})
	}
}
