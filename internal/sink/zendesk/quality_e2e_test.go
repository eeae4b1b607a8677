package zendesk_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk/zendeskfake"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
)

// A customer the chat's bot could not help asks for a person: one
// Zendesk ticket with the bot's part; Zendesk's assignment webhook tells
// the customer who picked it up; the solve webhook asks how it went, and
// the typed "5 …" lands on the ticket as an internal note.
func TestEndToEndHandoverAssignAndCSAT(t *testing.T) {
	zdBridge := startBridgeRoute(t, func(r *config.Route) {
		r.Handover = &config.Handover{}
		r.CSAT = &config.CSAT{}
	})
	b, zd := zdBridge.Bridge, zdBridge.zd
	bot := generictest.Message("q1", "helpbot", "I'm the assistant. Have you tried restarting the router?")
	bot.Sender.Role = string(core.RoleBot)
	b.Delivered(generictest.Send(t.Context(), b.Srv.URL, "chat", b.Key, bot))
	b.Say("q1", "yes, twice. 转人工")
	opened := b.Replies(1)[0]
	ts := zd.Tickets()
	if len(ts) != 1 || !strings.Contains(opened, strconv.FormatInt(ts[0].ID, 10)) {
		t.Fatalf("tickets %+v, notice %q", ts, opened)
	}
	if d := ts[0].Create.Comment.Body; !strings.Contains(d, "restarting the router") || !strings.Contains(d, "转人工") {
		t.Fatalf("description lacks the bot's part:\n%s", d)
	}
	id := ts[0].ID
	ticket, _ := zd.Ticket(id)
	b.Delivered(zd.SendWebhook(t.Context(), b.Srv.URL, "zd", zendesk.Webhook{Kind: zendesk.KindAssigned,
		Ticket:   zendesk.HookTicket{ID: zendesk.Flex(strconv.FormatInt(id, 10)), ExternalID: ticket.ExternalID, Status: "Open"},
		Assignee: &zendesk.HookUser{ID: "311", Name: "Kim"}, Updater: "311"}))
	if got := b.Replies(2)[1]; !strings.Contains(got, "Kim has picked up your request") {
		t.Fatalf("assignment notice %q", got)
	}
	b.Delivered(zd.SendStatusChange(t.Context(), b.Srv.URL, "zd", id, "solved", 311))
	got := b.Replies(4)
	if !strings.Contains(got[2]+got[3], "resolved") || !strings.Contains(got[2]+got[3], "How satisfied are you") {
		t.Fatalf("after the solve: %q", got[2:])
	}
	b.Say("q1", "5 Kim was great")
	b.Replies(5)
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		tk, _ := zd.Ticket(id)
		var note bool
		for _, c := range tk.Comments {
			note = note || (!c.Public && strings.Contains(c.Body, "Customer satisfaction: 5/5") && strings.Contains(c.Body, "Kim was great"))
		}
		if note {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no CSAT note on the Zendesk ticket: %+v", tk.Comments)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An SLA breach escalates to another queue: the ticket moves to the
// escalation's group in Zendesk and the priority goes up, once each.
func TestEndToEndBreachMovesTheTicketToTheEscalationGroup(t *testing.T) {
	clock := apptest.NewClock(time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)) // ahead of the real clock
	zd := zendeskfake.New(t, zendeskfake.Options{Now: clock.Now, Groups: []int64{360002}})
	c := config.NewConnector("sinks[1]", "zd", "zendesk")
	for k, v := range map[string]any{
		"url": zd.URL(), "email": zd.Email(), "api_token": zd.Token(),
		"webhook_secret": zd.WebhookSecret(), "integration_user_id": zd.UserID(),
	} {
		c.Set(k, v)
	}
	b := apptest.StartClocked(t, c, clock, func(cfg *config.Config) {
		tr := &cfg.Routes[0].Trigger
		tr.RulePack, tr.Confirm = "", false
		cfg.Routes[0].SLA = &config.SLA{
			TimeZone:      "UTC",
			FirstResponse: map[string]time.Duration{"default": time.Hour},
			Escalate:      &config.Escalate{Priority: "urgent", Queue: "360002"},
		}
	})
	b.Say("g1", "/ticket the invoices page is down")
	b.Replies(1)
	id := zd.Tickets()[0].ID
	clock.Advance(61 * time.Minute)
	b.TimersDone(clock)
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		tk, _ := zd.Ticket(id)
		if tk.GroupID == 360002 && tk.Priority == "urgent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ticket group %d, priority %q: want group 360002, urgent", tk.GroupID, tk.Priority)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tk, _ := zd.Ticket(id)
	for _, cm := range tk.Comments {
		if strings.Contains(cm.Body, "please move this ticket") {
			t.Fatalf("asked on the ticket although the move worked: %q", cm.Body)
		}
	}
}
