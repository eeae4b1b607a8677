package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// The spine: complaint → proposal → yes → ticket with the conversation →
// internal note (stays) → public comment (reaches the chat) → solved
// (reaches the chat), on both backends.
func TestComplaintBecomesTicketAndStatusComesBack(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st)
		h.say("c1", "Hello, I placed order 1042 last week.")
		h.say("c1", "I was charged twice for it and want my money back")
		got := h.replies(1)
		if !strings.Contains(got[0], "Shall I open a ticket?") {
			t.Fatalf("proposal = %q", got[0])
		}
		if p := h.chat.Replies()[0].Prompt; p == nil || p.Token == "" {
			t.Fatalf("proposal carries no confirm/reject prompt: %+v", h.chat.Replies()[0])
		}
		h.say("c1", "yes")
		got = h.replies(2)
		ts := h.tickets()
		if len(ts) != 1 {
			t.Fatalf("desk has %d tickets, want 1", len(ts))
		}
		tk := ts[0]
		if !strings.Contains(got[1], tk.Key) {
			t.Fatalf("created notice %q does not name %s", got[1], tk.Key)
		}
		for _, want := range []string{"order 1042", "charged twice"} {
			if !strings.Contains(tk.Description, want) {
				t.Errorf("description lacks %q:\n%s", want, tk.Description)
			}
		}
		if tk.Requester.Name != "Customer c1" || !strings.HasPrefix(tk.ExternalID, "tb-") {
			t.Errorf("ticket requester %+v external id %q", tk.Requester, tk.ExternalID)
		}

		if _, err := h.app.Desk.AgentComment(t.Context(), tk.Key, "Dana", "checking with payments", false); err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.Desk.AgentComment(t.Context(), tk.Key, "Dana", "Refunded the second charge.", true); err != nil {
			t.Fatal(err)
		}
		got = h.replies(3)
		if !strings.Contains(got[2], "Refunded the second charge.") {
			t.Fatalf("comment notice = %q", got[2])
		}
		if _, err := h.app.Desk.SetStatus(t.Context(), tk.Key, "solved"); err != nil {
			t.Fatal(err)
		}
		got = h.replies(4)
		if !strings.Contains(got[3], "resolved") {
			t.Fatalf("status notice = %q", got[3])
		}
		h.quiet(4)
		for _, r := range got {
			if strings.Contains(r, "checking with payments") {
				t.Fatalf("the internal note reached the chat: %q", r)
			}
		}
		if v := h.metric(`ticketbridge_tickets_created_total{result="created",sink="desk"}`); v != 1 {
			t.Errorf("tickets_created_total = %v, want 1", v)
		}
		if v := h.metric(`ticketbridge_sync_latency_seconds_count{direction="event_to_ticket"}`); v != 1 {
			t.Errorf("event_to_ticket latency count = %v, want 1", v)
		}
		if v := h.metric(`ticketbridge_sync_latency_seconds_count{direction="ticket_to_chat"}`); v != 2 {
			t.Errorf("ticket_to_chat latency count = %v, want 2", v)
		}
	})
}

// A command creates at once; follow-ups are appended to the ticket in
// order, each exactly once, and nothing we appended is echoed to the chat.
func TestCommandAndFollowUpsInOrder(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st)
		h.say("c2", "/ticket printer on floor 3 is on fire")
		h.replies(1)
		ts := h.tickets()
		if len(ts) != 1 || !strings.Contains(ts[0].Title, "printer on floor 3") {
			t.Fatalf("tickets = %+v", ts)
		}
		var want []string
		for i := range 12 {
			msg := "update number " + string(rune('A'+i))
			want = append(want, msg)
			h.say("c2", msg)
		}
		h.eventually("all follow-ups on the ticket", func() bool {
			return strings.Contains(allComments(t, h, ts[0].Key), want[len(want)-1])
		})
		body := allComments(t, h, ts[0].Key)
		last := -1
		for _, w := range want {
			i := strings.Index(body, w)
			if i < 0 || i < last || strings.Count(body, w) != 1 {
				t.Fatalf("follow-up %q missing, out of order or doubled in:\n%s", w, body)
			}
			last = i
		}
		h.quiet(1)
	})
}

func allComments(t *testing.T, h *harness, key string) string {
	t.Helper()
	cs, err := h.app.Store.DeskComments(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range cs {
		if !c.Ours {
			t.Errorf("appended comment not marked ours: %+v", c)
		}
		b.WriteString(c.Body + "\n")
	}
	return b.String()
}

// Saying no (or a button's reject) to a proposal creates nothing; a later
// complaint may be proposed again.
func TestRejectedProposalCreatesNothing(t *testing.T) {
	h := start(t, teststore.SQLite(t))
	h.say("c3", "the package arrived smashed")
	h.replies(1)
	ev := customerEvent("c3", "")
	ev.Type, ev.Action = "command", core.ActionReject
	h.send("c3", ev)
	h.quiet(1)
	if n := len(h.tickets()); n != 0 {
		t.Fatalf("desk has %d tickets after a rejection", n)
	}
	h.say("c3", "it still arrived broken and nobody helps, this is terrible service")
	h.replies(2)
	ev.Action = core.ActionConfirm
	h.send("c3", ev)
	h.replies(3)
	if n := len(h.tickets()); n != 1 {
		t.Fatalf("desk has %d tickets after the confirm button, want 1", n)
	}
}

// Dry-run routes record what they would create and call nothing.
func TestDryRunCallsNothing(t *testing.T) {
	h := start(t, teststore.SQLite(t), withRoute(func(r *config.Route) {
		r.Mode = "dry_run"
		r.Trigger.Confirm = false
	}))
	h.say("c4", "I was charged twice for my subscription")
	h.eventually("a dry run record", func() bool {
		ds, err := h.app.Store.DryRuns(t.Context(), 10)
		return err == nil && len(ds) == 1
	})
	ds, _ := h.app.Store.DryRuns(t.Context(), 10)
	if !strings.Contains(ds[0].Draft.Description, "charged twice") || ds[0].Route != "support" {
		t.Fatalf("dry run = %+v", ds[0])
	}
	h.quiet(0)
	if n := len(h.tickets()); n != 0 {
		t.Fatalf("dry run created %d tickets", n)
	}
}

// Rollout 0 acts on no conversation; thanks and negations never act.
func TestNothingFires(t *testing.T) {
	h := start(t, teststore.SQLite(t), withRoute(func(r *config.Route) { r.Rollout = new(int) }))
	h.say("c5", "I was charged twice for my order")
	h.say("c6", "thanks, the refund arrived")
	h.say("c7", "我不是要投诉")
	h.say("c8", "/ticket outside rollout too")
	h.quiet(0)
	if n := len(h.tickets()); n != 0 {
		t.Fatalf("desk has %d tickets", n)
	}
}

// Bots never trigger anything.
func TestBotsAreIgnored(t *testing.T) {
	h := start(t, teststore.SQLite(t))
	ev := customerEvent("c9", "/ticket I am a bot")
	ev.Sender.Role = "bot"
	h.send("c9", ev)
	h.send("c9", generic.Event{Type: "message", Conversation: generic.Conversation{ID: "c9"},
		Sender: generic.Sender{ID: "b", Role: "bot"}, Text: "I was charged twice"})
	h.quiet(0)
}

// A "yes" after the confirmation timeout creates nothing; a new complaint
// after it is proposed afresh.
func TestProposalExpires(t *testing.T) {
	h := start(t, teststore.SQLite(t), withRoute(func(r *config.Route) { r.Trigger.ConfirmTimeout = 300 * time.Millisecond }))
	h.say("x1", "I was charged twice for my order")
	h.replies(1)
	time.Sleep(400 * time.Millisecond)
	h.say("x1", "yes")
	h.quiet(1)
	if n := len(h.tickets()); n != 0 {
		t.Fatalf("a late yes created %d tickets", n)
	}
	h.say("x1", "hello? you charged my card two times and I still have no refund")
	h.replies(2)
	time.Sleep(400 * time.Millisecond)
	h.say("x1", "my order arrived broken as well")
	h.replies(3)
	h.say("x1", "yes")
	h.replies(4)
	if n := len(h.tickets()); n != 1 {
		t.Fatalf("desk has %d tickets, want 1", n)
	}
}

// "/ticket close" resolves the conversation's ticket on the desk; the chat
// hears it once (the desk's own event of our change is not echoed).
func TestCloseFromChat(t *testing.T) {
	h := start(t, teststore.SQLite(t))
	h.say("z1", "/ticket the badge reader at gate 2 is dead")
	h.replies(1)
	h.say("z1", "/ticket close")
	got := h.replies(2)
	if !strings.Contains(got[1], "resolved") {
		t.Fatalf("close notice = %q", got[1])
	}
	h.quiet(2)
	ts := h.tickets()
	if len(ts) != 1 || ts[0].Status != "solved" {
		t.Fatalf("tickets after close = %+v", ts)
	}
	// The conversation is free again: the next command opens a new ticket.
	h.say("z1", "/ticket gate 3 now")
	h.replies(3)
	if n := len(h.tickets()); n != 2 {
		t.Fatalf("desk has %d tickets, want 2", n)
	}
}

// Personal data is masked in what reaches the ticket system: partially by
// default, per field as the route says, and in appended comments too.
func TestPersonalDataIsMaskedOnTheWayToTheSink(t *testing.T) {
	h := start(t, teststore.SQLite(t), withRoute(func(r *config.Route) {
		r.Redact = map[string]string{"title": "full"}
	}))
	h.say("p1", "/ticket call me on 13812345678 about card 6222021234567890128")
	h.replies(1)
	h.say("p1", "my email is lin.chen@example.com")
	ts := h.tickets()
	if len(ts) != 1 {
		t.Fatalf("tickets: %+v", ts)
	}
	tk := ts[0]
	for _, leak := range []string{"13812345678", "6222021234567890128"} {
		if strings.Contains(tk.Title+tk.Description, leak) {
			t.Fatalf("ticket carries %s:\n%s\n%s", leak, tk.Title, tk.Description)
		}
	}
	if !strings.Contains(tk.Title, "[PHONE]") || !strings.Contains(tk.Description, "138****5678") {
		t.Fatalf("title should be fully masked and description partially:\n%s\n%s", tk.Title, tk.Description)
	}
	h.eventually("the follow-up on the ticket", func() bool {
		return strings.Contains(allComments(t, h, tk.Key), "@example.com")
	})
	if body := allComments(t, h, tk.Key); strings.Contains(body, "lin.chen@example.com") {
		t.Fatalf("comment carries the e-mail: %s", body)
	}
}
