package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// Every kind of bad request is refused with its status and reason, stores
// nothing, and is counted; a redelivery is acknowledged and dropped.
func TestBadInputChangesNothing(t *testing.T) {
	h := start(t, teststore.SQLite(t), func(cfg *config.Config, _ *app.Options) {
		cfg.Server.MaxBodyBytes = 4096
	})
	otherKey, _ := stdwebhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	good := []byte(`{"type":"message","conversation":{"id":"bad"},"sender":{"id":"u"},"text":"/ticket hello"}`)
	contentType := "application/json"
	post := func(path string, body []byte, key stdwebhook.Secret, id string, ts time.Time) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if key != nil {
			stdwebhook.SetHeaders(req.Header, key, id, ts, body)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	now := time.Now()
	tests := []struct {
		name   string
		path   string
		body   []byte
		key    stdwebhook.Secret
		ts     time.Time
		status int
		reason string
		result string
	}{
		{"unsigned", "/hooks/im/chat", good, nil, now, 401, "webhook-id", "bad_signature"},
		{"wrong secret", "/hooks/im/chat", good, otherKey, now, 401, "signature", "bad_signature"},
		{"stale", "/hooks/im/chat", good, h.key, now.Add(-6 * time.Minute), 401, "window", "stale"},
		{"from the future", "/hooks/im/chat", good, h.key, now.Add(6 * time.Minute), 401, "window", "stale"},
		{"not json", "/hooks/im/chat", []byte(`{"type":`), h.key, now, 400, "json", "malformed"},
		{"no conversation", "/hooks/im/chat", []byte(`{"type":"message","sender":{"id":"u"},"text":"x"}`), h.key, now, 400, "conversation.id", "malformed"},
		{"unknown type", "/hooks/im/chat", []byte(`{"type":"poke","conversation":{"id":"c"},"sender":{"id":"u"}}`), h.key, now, 400, "type", "malformed"},
		{"too large", "/hooks/im/chat", bytes.Repeat([]byte("x"), 5000), h.key, now, 413, "limit", "too_large"},
		{"unknown source", "/hooks/im/nope", good, h.key, now, 404, "nope", "unknown_source"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.path, tt.body, tt.key, "msg_bad_"+string(rune('a'+i)), tt.ts)
			if status != tt.status || !strings.Contains(strings.ToLower(body), strings.ToLower(tt.reason)) {
				t.Fatalf("got %d %s, want %d mentioning %q", status, body, tt.status, tt.reason)
			}
		})
	}
	contentType = "multipart/form-data; boundary=x"
	if status, body := post("/hooks/im/chat", good, h.key, "msg_multipart", now); status != http.StatusUnsupportedMediaType || !strings.Contains(body, "content type") {
		t.Fatalf("multipart body: %d %s, want 415", status, body)
	}
	contentType = "application/json"
	for _, result := range []string{"bad_signature", "stale", "malformed", "too_large"} {
		if v := h.metric(`ticketbridge_events_total{kind="",result="` + result + `",source="chat"}`); v < 1 {
			t.Errorf("rejections with result %s counted %v times", result, v)
		}
	}
	if v := h.metric(`ticketbridge_events_total{kind="",result="unknown_source",source=""}`); v != 1 {
		t.Errorf("unknown source counted %v times", v)
	}
	// A ticket webhook for a sink that is not configured counts as such.
	if status, body := post("/hooks/tickets/nope", good, h.key, "msg_no_sink", now); status != http.StatusNotFound || !strings.Contains(body, "unknown sink") {
		t.Errorf("unknown sink: %d %s, want 404", status, body)
	}
	if v := h.metric(`ticketbridge_ticket_events_total{kind="",result="unknown_sink",sink=""}`); v != 1 {
		t.Errorf("unknown sink counted %v times as unknown_sink", v)
	}
	evs, err := h.app.Store.ConversationEvents(t.Context(), "chat/bad", 0, 0, 0)
	if err != nil || len(evs) != 0 {
		t.Fatalf("rejected requests stored %d events (%v)", len(evs), err)
	}

	// The same webhook-id twice: both 200, processed once.
	for range 2 {
		status, body := post("/hooks/im/chat", good, h.key, "msg_replayed", time.Now())
		if status != 200 {
			t.Fatalf("delivery: %d %s", status, body)
		}
	}
	h.replies(1)
	h.quiet(1)
	if n := len(h.tickets()); n != 1 {
		t.Fatalf("a redelivered event made %d tickets", n)
	}
	if v := h.metric(`ticketbridge_events_total{kind="message",result="duplicate",source="chat"}`); v != 1 {
		t.Errorf("duplicates counted %v", v)
	}
}

// Operational endpoints answer.
func TestHealthReadyMetrics(t *testing.T) {
	h := start(t, teststore.SQLite(t))
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "ticketbridge_dead_letters 0"} {
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(b.String(), want) {
			t.Errorf("%s: %d, body lacks %q", path, resp.StatusCode, want)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", path)
		}
	}
	// A ticket, then a follow-up: the desk's ticket is made inside the
	// ingest transaction (no sink request); the comment is a request.
	h.say("m1", "/ticket make every series appear")
	h.replies(1)
	key := h.tickets()[0].Key
	h.say("m1", "and a follow-up for the ticket")
	h.eventually("the follow-up on the ticket", func() bool { return len(h.deskComments(key)) == 1 })
	resp, _ := http.Get(h.srv.URL + "/metrics")
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"ticketbridge_events_total", "ticketbridge_tickets_created_total",
		"ticketbridge_sink_request_duration_seconds", "ticketbridge_sync_latency_seconds"} {
		if !strings.Contains(b.String(), name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if v := h.metric(`ticketbridge_tickets_created_total{result="created",sink="desk"}`); v != 1 {
		t.Errorf("tickets created counted %v, want 1", v)
	}
}

// The API trigger opens a ticket for a conversation; tokens and scopes are
// enforced.
func TestAPITrigger(t *testing.T) {
	h := start(t, teststore.SQLite(t))
	body := map[string]any{"source": "chat", "conversation": "api-1", "text": "customer called about a broken router",
		"sender": map[string]string{"id": "agent-1", "name": "Sam"}}
	if status, _ := h.api("POST", "/api/v1/tickets", "", body); status != 401 {
		t.Fatalf("no token: %d, want 401", status)
	}
	if status, _ := h.api("POST", "/api/v1/tickets", "wrong-token-0000000000", body); status != 401 {
		t.Fatalf("unknown token: %d, want 401", status)
	}
	if status, _ := h.api("POST", "/api/v1/tickets", "viewer-token-0123456789", body); status != 403 {
		t.Fatalf("read-only token: %d, want 403", status)
	}
	if status, out := h.api("POST", "/api/v1/tickets", adminToken, map[string]any{"source": "nope", "conversation": "x", "text": "y"}); status != 404 {
		t.Fatalf("unknown source: %d %v", status, out)
	}
	if status, out := h.api("POST", "/api/v1/tickets", adminToken, map[string]any{"source": "chat", "text": "y"}); status != 400 {
		t.Fatalf("no conversation: %d %v", status, out)
	}
	status, out := h.api("POST", "/api/v1/tickets", adminToken, body)
	if status != 202 {
		t.Fatalf("create: %d %v", status, out)
	}
	h.replies(1)
	ts := h.tickets()
	if len(ts) != 1 || !strings.Contains(ts[0].Title, "broken router") {
		t.Fatalf("tickets = %+v", ts)
	}
	status, out = h.api("GET", "/api/v1/desk/tickets/"+ts[0].Key, "viewer-token-0123456789", nil)
	if status != 200 || out["ticket"] == nil {
		t.Fatalf("desk show: %d %v", status, out)
	}
	status, _ = h.api("POST", "/api/v1/desk/tickets/"+ts[0].Key+"/comments", adminToken, map[string]any{"body": "on it", "author": "Sam"})
	if status != 201 {
		t.Fatalf("desk comment: %d", status)
	}
	h.replies(2)
	status, out = h.api("POST", "/api/v1/desk/tickets/"+ts[0].Key+"/status", adminToken, map[string]any{"status": "bogus"})
	if status != 400 {
		t.Fatalf("bad status: %d %v", status, out)
	}
	if status, _ = h.api("POST", "/api/v1/desk/tickets/LOCAL-999/status", adminToken, map[string]any{"status": "open"}); status != 404 {
		t.Fatalf("unknown ticket: %d", status)
	}
}
