package rules

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestNotify(t *testing.T) {
	t.Parallel()
	e := mustCompile(t,
		route("r", func(r *config.Route) { r.StatusMap = map[string]string{"Waiting For Support": core.StateInProgress} }),
		route("custom", func(r *config.Route) {
			r.Notify.Created = `Ticket {{.Ticket.Key}} is yours{{if .Chinese}} / 工单已创建{{end}}`
		}),
	)
	zh := storedMsg(1, 0, "Ann", core.RoleCustomer, "钱还没退给我")
	en := storedMsg(1, 0, "Ann", core.RoleCustomer, "still no refund")
	ticket := core.TicketRef{Sink: "desk", Key: "T-7", URL: "https://desk.example/T-7"}
	tests := map[string]struct {
		route, kind string
		d           NotifyData
		want        string
	}{
		"propose en": {"r", NotifyPropose, NotifyData{Category: "refund", Event: &en},
			"It looks like you need help with a refund. Shall I open a ticket? Reply yes or no."},
		"propose zh": {"r", NotifyPropose, NotifyData{Category: "refund", Event: &zh},
			"It looks like you need help with a refund. Shall I open a ticket? Reply yes or no.\n看起来您需要退款方面的帮助，要为您创建工单吗？请回复“是”或“否”。"},
		"propose no category": {"r", NotifyPropose, NotifyData{},
			"It looks like you need help with this. Shall I open a ticket? Reply yes or no."},
		"created": {"r", NotifyCreated, NotifyData{Ticket: ticket, Event: &en},
			"I've opened ticket T-7 (https://desk.example/T-7). We'll keep you posted here."},
		"created zh no url": {"r", NotifyCreated, NotifyData{Ticket: core.TicketRef{Key: "T-8"}, Event: &zh},
			"I've opened ticket T-8. We'll keep you posted here.\n已为您创建工单 T-8，处理进展会在这里通知您。"},
		"status from sink status via map": {"r", NotifyStatus, NotifyData{Ticket: ticket, SinkStatus: "waiting for support"},
			"Ticket T-7 is now in progress."},
		"status builtin zh": {"r", NotifyStatus, NotifyData{Ticket: ticket, SinkStatus: "pending", Event: &zh},
			"Ticket T-7 is now waiting for your reply.\n工单 T-7 状态更新：等待您的回复。"},
		"status given":      {"r", NotifyStatus, NotifyData{Ticket: ticket, State: core.StateResolved}, "Ticket T-7 is now resolved."},
		"comment":           {"r", NotifyComment, NotifyData{Ticket: ticket, Comment: &core.Comment{Body: "We sent a new one.", Author: "Bob", Public: true}}, "Bob on T-7: We sent a new one."},
		"comment no author": {"r", NotifyComment, NotifyData{Ticket: ticket, Comment: &core.Comment{Body: "Done."}}, "Support on T-7: Done."},
		"dry run": {"r", NotifyDryRun, NotifyData{Category: "refund", Draft: &core.TicketDraft{Title: "Refund: still no refund"}},
			"[dry run] Route r would open a ticket (refund): Refund: still no refund."},
		"custom template": {"custom", NotifyCreated, NotifyData{Ticket: ticket, Event: &zh}, "Ticket T-7 is yours / 工单已创建"},
	}
	for name, tc := range tests {
		got, err := e.Notify(tc.route, tc.kind, tc.d)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", name, got, tc.want)
		}
	}
	if _, err := e.Notify("r", "shout", NotifyData{}); err == nil || !strings.Contains(err.Error(), "shout") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := e.Notify("nope", NotifyCreated, NotifyData{}); err == nil {
		t.Error("unknown route: no error")
	}
}

func TestChatState(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", func(r *config.Route) {
		r.StatusMap = map[string]string{"Triage": core.StateInProgress, "Done": core.StateClosed}
	}))
	tests := map[string]string{
		"new": core.StateOpen, "Open": core.StateOpen, "pending": core.StateWaitingOnCustomer,
		"hold": core.StateInProgress, "on-hold": core.StateInProgress, "solved": core.StateResolved,
		"closed": core.StateClosed, "To Do": core.StateOpen, "In Progress": core.StateInProgress,
		"in_review": core.StateInProgress, "RESOLVED": core.StateResolved, "Waiting for customer": core.StateWaitingOnCustomer,
		"canceled": core.StateClosed, "cancelled": core.StateClosed, "waiting_on_customer": core.StateWaitingOnCustomer,
		"something odd": core.StateOpen, "": core.StateOpen,
		// The route's own map wins over the built-ins, case-insensitively.
		"triage": core.StateInProgress, "DONE": core.StateClosed,
	}
	for in, want := range tests {
		if got := e.ChatState("r", in); got != want {
			t.Errorf("ChatState(%q) = %q, want %q", in, got, want)
		}
	}
	if got := e.ChatState("unknown-route", "done"); got != core.StateResolved {
		t.Errorf("unknown route: %q", got)
	}
}
