package zendesk_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk/zendeskfake"
)

// bridge is the whole app with the Zendesk sink "zd" on a fake Zendesk.
type bridge struct {
	*apptest.Bridge
	zd *zendeskfake.Server
}

func startBridge(t *testing.T, extra ...map[string]any) *bridge {
	t.Helper()
	return startBridgeRoute(t, nil, extra...)
}

// startBridgeRoute is startBridge with the route as route (if any) sets it.
func startBridgeRoute(t *testing.T, route func(r *config.Route), extra ...map[string]any) *bridge {
	t.Helper()
	zd := zendeskfake.New(t, zendeskfake.Options{})
	c := config.NewConnector("sinks[1]", "zd", "zendesk")
	for k, v := range map[string]any{
		"url": zd.URL(), "email": zd.Email(), "api_token": zd.Token(),
		"webhook_secret": zd.WebhookSecret(), "integration_user_id": zd.UserID(),
		"priority_map": map[string]any{"p1": "urgent"},
	} {
		c.Set(k, v)
	}
	for _, m := range extra {
		for k, v := range m {
			c.Set(k, v)
		}
	}
	b := apptest.Start(t, c, func(cfg *config.Config) {
		tr := &cfg.Routes[0].Trigger
		tr.RulePack, tr.Confirm = "", false
		if route != nil {
			route(&cfg.Routes[0])
		}
	})
	return &bridge{Bridge: b, zd: zd}
}

// (a) "/ticket …" makes a Zendesk ticket; an agent's public reply and a
// solve come back as signed webhooks and reach the chat; an internal note
// and our own echo do not.
func TestEndToEndTwoWay(t *testing.T) {
	b := startBridge(t)
	b.Say("z1", "/ticket the VPN drops every hour")
	b.Replies(1)
	ts := b.zd.Tickets()
	if len(ts) != 1 || !strings.Contains(ts[0].Subject, "VPN") || !strings.HasPrefix(ts[0].ExternalID, "tb-") {
		t.Fatalf("tickets = %+v", ts)
	}
	ctx, id := t.Context(), ts[0].ID
	b.Delivered(b.zd.SendComment(ctx, b.Srv.URL, "zd", id, zendeskfake.Comment{Body: "internal: check the gateway logs", Public: false, AuthorID: 311}, "Kim"))
	b.Delivered(b.zd.SendComment(ctx, b.Srv.URL, "zd", id, zendeskfake.Comment{Body: "echo of our own comment", Public: true, AuthorID: b.zd.UserID()}, "ticketbridge"))
	b.Delivered(b.zd.SendComment(ctx, b.Srv.URL, "zd", id, zendeskfake.Comment{Body: "We replaced the VPN gateway.", Public: true, AuthorID: 311}, "Kim"))
	got := b.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("comment notice = %q", got[1])
	}
	b.Delivered(b.zd.SendStatusChange(ctx, b.Srv.URL, "zd", id, "solved", 311))
	got = b.Replies(3)
	if !strings.Contains(got[2], "resolved") {
		t.Fatalf("status notice = %q", got[2])
	}
	b.Quiet(3)
	for _, r := range got {
		if strings.Contains(r, "internal") || strings.Contains(r, "echo") {
			t.Fatalf("leaked to chat: %q", r)
		}
	}
}

// (b) A create whose answer is lost is retried, finds the ticket by
// external id, and leaves exactly one ticket.
func TestEndToEndLostCreate(t *testing.T) {
	b := startBridge(t)
	b.zd.LoseNextCreate()
	b.Say("z2", "/ticket the answer to this one gets lost")
	b.Replies(1)
	b.Quiet(1)
	ts := b.zd.Tickets()
	if len(ts) != 1 || b.zd.CountExternal(ts[0].ExternalID) != 1 {
		t.Fatalf("tickets after a lost answer = %+v", ts)
	}
}

// (c) A 429 with Retry-After 2 keeps every request away for 2 seconds.
func TestEndToEndRetryAfter(t *testing.T) {
	b := startBridge(t)
	b.zd.FailNextOn("/api/v2/tickets", 1, http.StatusTooManyRequests, "2")
	b.Say("z3", "/ticket slow down please")
	b.Replies(1)
	// Only the ticket endpoints count: the app may read metadata (ticket
	// fields, users/me) on its own schedule.
	var calls []zendeskfake.Request
	for _, r := range b.zd.Requests() {
		if strings.HasPrefix(r.Path, "/api/v2/tickets") {
			calls = append(calls, r)
		}
	}
	if len(calls) < 2 {
		t.Fatalf("ticket requests = %+v", calls)
	}
	for _, r := range calls[1:] {
		if gap := r.At.Sub(calls[0].At); gap < 2*time.Second {
			t.Fatalf("request %s %s only %v after the 429", r.Method, r.Path, gap)
		}
	}
	if len(b.zd.Tickets()) != 1 {
		t.Fatalf("tickets = %d", len(b.zd.Tickets()))
	}
}

// Follow-ups that come faster than the sink's budget (here 60 requests a
// minute, so a burst of 6) are not dropped or reordered: the append job
// snoozes until the bucket refills and then sends everything since the
// last comment as one comment.
func TestEndToEndFollowUpsCoalesceUnderTheRateLimit(t *testing.T) {
	b := startBridge(t, map[string]any{"requests_per_minute": 60})
	b.Say("rl", "/ticket the label printer jams")
	b.Replies(1)
	var want []string
	for i := range 25 {
		msg := fmt.Sprintf("follow-up %02d", i)
		want = append(want, msg)
		b.Say("rl", msg)
	}
	var comments []zendeskfake.Comment
	// The bucket refills in real time (one request a second), and a busy
	// machine delays the snoozed job further: the wait is for the
	// condition, with a bound only so a real loss fails before go test's
	// own timeout.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ts := b.zd.Tickets()
		if len(ts) == 1 {
			comments = ts[0].Comments
			var all strings.Builder
			for _, c := range comments {
				all.WriteString(c.Body + "\n")
			}
			if strings.Contains(all.String(), want[len(want)-1]) {
				body := all.String()
				last := -1
				for _, w := range want {
					i := strings.Index(body, w)
					if i < 0 || i < last || strings.Count(body, w) != 1 {
						t.Fatalf("follow-up %q missing, out of order or doubled:\n%s", w, body)
					}
					last = i
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not all follow-ups arrived; comments: %+v", comments)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The first comment is the description; the follow-ups needed far
	// fewer comments than messages.
	if n := len(comments) - 1; n >= len(want) || n < 1 {
		t.Fatalf("%d follow-up comments for %d messages: no coalescing", n, len(want))
	}
	t.Logf("%d messages in %d comments", len(want), len(comments)-1)
}
