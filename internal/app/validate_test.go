package app_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// randomHex defeats PostgreSQL's compression of index entries, which lets
// a repetitive long key through where a real id of the same length fails.
func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Events a store cannot keep get 400 with the reason on both stores, are
// not stored, and do not fail the good events committed alongside them.
func TestUnstorableEventsRefusedOnBothStores(t *testing.T) {
	bad := map[string]struct {
		ev     func() generic.Event
		reason string
	}{
		"NUL in text":         {func() generic.Event { return customerEvent("v1", "hello\x00world") }, "text contains a NUL"},
		"NUL in sender":       {func() generic.Event { e := customerEvent("v2", "hi"); e.Sender.ID = "u\x00"; return e }, "sender id contains a NUL"},
		"NUL in sender name":  {func() generic.Event { e := customerEvent("v3", "hi"); e.Sender.Name = "A\x00"; return e }, "sender name contains a NUL"},
		"NUL in conversation": {func() generic.Event { return customerEvent("v4\x00", "hi") }, "conversation contains a NUL"},
		"NUL in thread":       {func() generic.Event { e := customerEvent("v5", "hi"); e.Conversation.Thread = "t\x00"; return e }, "thread contains a NUL"},
		"NUL in meta value": {func() generic.Event {
			e := customerEvent("v6", "hi")
			e.Meta = map[string]any{"k": []any{"a\x00"}}
			return e
		}, "meta.k[0] contains a NUL"},
		"NUL in meta key": {func() generic.Event { e := customerEvent("v7", "hi"); e.Meta = map[string]any{"k\x00": 1}; return e }, "meta key contains a NUL"},
		"NUL in attachment": {func() generic.Event {
			e := customerEvent("v8", "hi")
			e.Attachments = []core.Attachment{{ID: "a", Name: "x\x00"}}
			return e
		}, "attachment 0 name contains a NUL"},
		"long conversation": {func() generic.Event { return customerEvent(randomHex(3000), "hi") }, "conversation is 3000 bytes"},
		"long thread": {func() generic.Event {
			e := customerEvent("v9", "hi")
			e.Conversation.Thread = randomHex(2800)
			return e
		}, "thread is 2800 bytes"},
		"time before the stores": {func() generic.Event { e := customerEvent("v10", "hi"); e.Time = "1500-01-01T00:00:00Z"; return e }, "outside the years"},
		"time after the stores":  {func() generic.Event { e := customerEvent("v11", "hi"); e.Time = "2400-01-01T00:00:00Z"; return e }, "outside the years"},
	}
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st)
		post := func(ev any) (int, string) {
			resp, err := generictest.Send(t.Context(), h.srv.URL, "chat", h.key, ev)
			if err != nil {
				t.Error(err)
				return 0, ""
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		// Good events from 20 senders keep arriving while the bad ones do,
		// so that they share group commits.
		var wg sync.WaitGroup
		const senders, each = 20, 10
		for s := range senders {
			wg.Go(func() {
				for i := range each {
					if status, body := post(customerEvent(fmt.Sprintf("good-%d", s), fmt.Sprintf("message %d", i))); status != http.StatusOK {
						t.Errorf("good event from sender %d: %d %s", s, status, body)
					}
				}
			})
		}
		for name, tt := range bad {
			wg.Go(func() {
				status, body := post(tt.ev())
				if status != http.StatusBadRequest || !strings.Contains(body, tt.reason) {
					t.Errorf("%s: %d %s, want 400 mentioning %q", name, status, body, tt.reason)
				}
			})
		}
		// A batch delivery with one bad event is refused whole and names it.
		wg.Go(func() {
			batch := generic.Batch{Events: []generic.Event{customerEvent("b1", "fine"), customerEvent("b1", "not\x00fine")}}
			if status, body := post(batch); status != http.StatusBadRequest || !strings.Contains(body, "event 2 of 2") {
				t.Errorf("batch with a bad event: %d %s", status, body)
			}
		})
		wg.Wait()
		for s := range senders {
			evs, err := st.ConversationEvents(t.Context(), fmt.Sprintf("chat/good-%d", s), 0, 0, 0)
			if err != nil || len(evs) != each {
				t.Errorf("sender %d: %d events stored (%v), want %d", s, len(evs), err, each)
			}
		}
		for _, conv := range []string{"v1", "v2", "v3", "v5", "b1"} {
			if evs, _ := st.ConversationEvents(t.Context(), "chat/"+conv, 0, 0, 0); len(evs) != 0 {
				t.Errorf("refused conversation %s stored %d events", conv, len(evs))
			}
		}
	})
}

// The API trigger refuses unstorable input with 400, and its
// Idempotency-Key lives apart from chat event ids: K1 over the API and a
// chat delivery whose webhook-id is api:K1 are two events.
func TestAPITriggerValidationAndKeyNamespace(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st)
		if status, out := h.api("POST", "/api/v1/tickets", adminToken,
			map[string]any{"source": "chat", "conversation": "x\x00", "text": "y"}); status != 400 || !strings.Contains(fmt.Sprint(out), "NUL") {
			t.Fatalf("NUL conversation over the API: %d %v", status, out)
		}
		resp, err := generictest.SendWithID(t.Context(), h.srv.URL, "chat", h.key, "api:K1", time.Now(), customerEvent("ns-chat", "hello"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("chat delivery api:K1: %s", resp.Status)
		}
		req := map[string]any{"source": "chat", "conversation": "ns-api", "text": "printer on fire"}
		status, out := h.apiWithKey("K1", req)
		if status != 202 || out["duplicate"] != false {
			t.Fatalf("API K1 after chat api:K1: %d %v, want a new event", status, out)
		}
		if status, out := h.apiWithKey("K1", req); status != 200 || out["duplicate"] != true || out["outcome"] != "duplicate" {
			t.Fatalf("API K1 again: %d %v, want a duplicate", status, out)
		}
		for _, conv := range []string{"ns-chat", "ns-api"} {
			if evs, err := st.ConversationEvents(t.Context(), "chat/"+conv, 0, 0, 0); err != nil || len(evs) != 1 {
				t.Fatalf("%s: %d events (%v), want 1", conv, len(evs), err)
			}
		}
	})
}

// apiWithKey posts an API trigger with an Idempotency-Key.
func (h *harness) apiWithKey(key string, body any) (int, map[string]any) {
	h.t.Helper()
	return h.apiHeader("POST", "/api/v1/tickets", adminToken, body, http.Header{"Idempotency-Key": {key}})
}
