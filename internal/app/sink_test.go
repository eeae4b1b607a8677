package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// withGenericSink routes the conversation to an external ticket service
// (the generic sink against its fake) instead of the local desk.
func withGenericSink(desk *generictest.Desk, maxAttempts int) option {
	return func(cfg *config.Config, _ *app.Options) {
		c := config.NewConnector(fmt.Sprintf("sinks[%d]", len(cfg.Sinks)), "ext", "generic")
		c.Set("url", desk.URL())
		c.Set("secret", desk.Secret())
		cfg.Sinks = append(cfg.Sinks, c)
		cfg.Routes[0].Sink = "ext"
		cfg.Jobs.MaxAttempts = maxAttempts
	}
}

// The generic sink both ways: our signed create, their signed webhooks
// back; internal notes, our own echoes and redeliveries go nowhere.
func TestGenericSinkTwoWay(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		desk := generictest.NewDesk(t, generictest.DeskOptions{})
		h := start(t, st, withGenericSink(desk, 5))
		h.say("g1", "/ticket the VPN drops every hour")
		h.replies(1)
		ts := desk.Tickets()
		if len(ts) != 1 || !strings.HasPrefix(ts[0].ExternalID, "tb-") || !strings.Contains(ts[0].Draft.Title, "VPN") {
			t.Fatalf("external tickets = %+v", ts)
		}
		key := ts[0].Key
		ctx := t.Context()
		send := func(id string, w generic.Webhook) {
			t.Helper()
			resp, err := desk.SendWebhookWithID(ctx, h.srv.URL, "ext", id, w)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("webhook %s: %s", id, resp.Status)
			}
		}
		ticket := generic.Ticket{Key: key, ExternalID: ts[0].ExternalID}
		send("wh-1", generic.Webhook{Type: generic.TypeStatusChanged, Ticket: ticket, From: "new", To: "In Progress"})
		// Decided by the transaction that stored it: when the webhook is
		// answered, the link shows the new status.
		if l, err := st.LinkByTicket(ctx, "ext", key); err != nil || l.SinkStatus != "In Progress" {
			t.Fatalf("right after the ack the link is %+v (%v)", l, err)
		}
		got := h.replies(2)
		if !strings.Contains(got[1], "in progress") && !strings.Contains(got[1], "In Progress") {
			t.Fatalf("status notice = %q", got[1])
		}
		send("wh-1", generic.Webhook{Type: generic.TypeStatusChanged, Ticket: ticket, From: "new", To: "In Progress"})
		send("wh-2", generic.Webhook{Type: generic.TypeCommentAdded, Ticket: ticket, Comment: &generic.CommentBody{Body: "internal: check logs", Public: false, Author: "ops"}})
		send("wh-3", generic.Webhook{Type: generic.TypeCommentAdded, Ticket: ticket, Origin: generic.OriginUs, Comment: &generic.CommentBody{Body: "echo of ours", Public: true}})
		send("wh-4", generic.Webhook{Type: generic.TypeCommentAdded, Ticket: ticket, Comment: &generic.CommentBody{Body: "We replaced the VPN gateway.", Public: true, Author: "Kim"}})
		got = h.replies(3)
		if !strings.Contains(got[2], "We replaced the VPN gateway.") {
			t.Fatalf("comment notice = %q", got[2])
		}
		send("wh-5", generic.Webhook{Type: generic.TypeStatusChanged, Ticket: ticket, From: "In Progress", To: "Done"})
		got = h.replies(4)
		if !strings.Contains(got[3], "resolved") {
			t.Fatalf("resolved notice = %q", got[3])
		}
		h.quiet(4)
		if res, err := h.app.Queue.JobList(ctx, river.NewJobListParams().Kinds(jobs.KindTicketEvent).First(10)); err != nil || len(res.Jobs) != 0 {
			t.Fatalf("ticket_event jobs %v (%v), want none: ticket events are decided when stored", res, err)
		}
		// Once resolved the link is closed: a later message is not
		// appended to the old ticket, and a new command opens a new one.
		h.say("g1", "one more thing about the VPN")
		h.say("g1", "/ticket now the printer is broken too")
		h.replies(5)
		ts = desk.Tickets()
		if len(ts) != 2 || len(ts[0].Comments) != 0 {
			t.Fatalf("after resolution: tickets %+v", ts)
		}
	})
}

// A creation whose answer is lost (the service stored the ticket, we saw
// a 502 or a hang-up) is retried and finds the ticket: one ticket, one
// notice.
func TestLostCreateResponseMakesOneTicket(t *testing.T) {
	for _, loss := range []generictest.Loss{generictest.LoseWith502, generictest.LoseHangUp} {
		t.Run(fmt.Sprint(loss), func(t *testing.T) {
			desk := generictest.NewDesk(t, generictest.DeskOptions{})
			h := start(t, teststore.SQLite(t), withGenericSink(desk, 5))
			desk.LoseNextCreate(loss)
			h.say("l1", "/ticket the answer to this one gets lost")
			h.replies(1)
			h.quiet(1)
			ts := desk.Tickets()
			if len(ts) != 1 || desk.CountExternal(ts[0].ExternalID) != 1 {
				t.Fatalf("external tickets after a lost answer = %+v", ts)
			}
			if v := h.metric(`ticketbridge_tickets_created_total{result="found_existing",sink="ext"}`); v != 1 {
				t.Errorf("found_existing = %v, want 1", v)
			}
		})
	}
}

// A 429 with Retry-After snoozes the job for that long: no request comes
// before the allowed time.
func TestRetryAfterIsObeyed(t *testing.T) {
	desk := generictest.NewDesk(t, generictest.DeskOptions{})
	h := start(t, teststore.SQLite(t), withGenericSink(desk, 5))
	desk.FailNext(1, 429, "2")
	begin := time.Now()
	h.say("r1", "/ticket slow down please")
	h.eventually("the 429", func() bool { return desk.Requests() >= 1 })
	time.Sleep(1500 * time.Millisecond)
	if n := desk.Requests(); n != 1 {
		t.Fatalf("%d requests within Retry-After, want 1", n)
	}
	h.replies(1)
	if waited := time.Since(begin); waited < 2*time.Second {
		t.Fatalf("ticket created after %v, before Retry-After's 2s", waited)
	}
	if len(desk.Tickets()) != 1 {
		t.Fatalf("tickets = %+v", desk.Tickets())
	}
}

// A permanent failure is dead-lettered at once with the service's message,
// counted, and a replay after the fix creates the ticket. A transient one
// that outlasts the attempts is dead-lettered too.
func TestDeadLettersAndReplay(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		desk := generictest.NewDesk(t, generictest.DeskOptions{})
		h := start(t, st, withGenericSink(desk, 2))
		desk.FailNext(1, 400, "")
		h.say("d1", "/ticket this one is refused")
		var letters []any
		h.eventually("a dead letter", func() bool {
			_, out := h.api("GET", "/api/v1/dead-letters", adminToken, nil)
			letters, _ = out["dead_letters"].([]any)
			return len(letters) == 1
		})
		dl := letters[0].(map[string]any)
		if dl["kind"] != "create_ticket" || dl["state"] != "cancelled" || !strings.Contains(dl["error"].(string), "injected failure 400") {
			t.Fatalf("dead letter = %v", dl)
		}
		if n := desk.Requests(); n != 1 {
			t.Fatalf("a permanent failure was tried %d times", n)
		}
		if v := h.metric("ticketbridge_dead_letters"); v != 1 {
			t.Errorf("ticketbridge_dead_letters = %v", v)
		}
		id := int64(dl["id"].(float64))
		if status, out := h.api("POST", fmt.Sprintf("/api/v1/dead-letters/%d/replay", id), adminToken, nil); status != 200 {
			t.Fatalf("replay: %d %v", status, out)
		}
		h.replies(1)
		if len(desk.Tickets()) != 1 {
			t.Fatalf("replay made %d tickets", len(desk.Tickets()))
		}
		if status, _ := h.api("POST", fmt.Sprintf("/api/v1/dead-letters/%d/replay", id), adminToken, nil); status != 409 {
			t.Fatalf("replaying a completed job: %d, want 409", status)
		}

		desk.FailNext(10, 503, "")
		h.say("d2", "/ticket this one meets an outage")
		h.eventually("the outage to exhaust the attempts", func() bool {
			_, out := h.api("GET", "/api/v1/dead-letters", adminToken, nil)
			letters, _ = out["dead_letters"].([]any)
			return len(letters) == 1 && letters[0].(map[string]any)["state"] == "discarded"
		})
		if dl := letters[0].(map[string]any); dl["attempts"].(float64) != 2 {
			t.Fatalf("discarded after %v attempts, want 2", dl["attempts"])
		}
	})
}
