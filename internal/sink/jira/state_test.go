package jira_test

import (
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
)

// A status change's chat state comes from the project's overrides, then
// the new status's category; custom status names need no status_map.
func TestStateOf(t *testing.T) {
	s, err := jira.New("jira", jira.Settings{URL: "https://acme.atlassian.net", Email: "tb@acme.example", APIToken: "t", Project: "OPS", WebhookSecret: "s",
		StatusOverrides: map[string]map[string]string{"OPS": {"Waiting for vendor": core.StateWaitingOnCustomer}}}, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key, to, category string
		want              string
		ok                bool
	}{
		{"OPS-1", "Shipped", "done", core.StateResolved, true},
		{"OPS-2", "Triage board", "new", core.StateOpen, true},
		{"OPS-3", "With engineering", "indeterminate", core.StateInProgress, true},
		{"OPS-4", "Waiting for vendor", "indeterminate", core.StateWaitingOnCustomer, true},
		{"WEB-5", "Waiting for vendor", "indeterminate", core.StateInProgress, true}, // overrides are per project
		{"OPS-6", "Mystery", "", "", false},
	}
	for _, tt := range tests {
		got, ok := s.StateOf(core.TicketEvent{Ticket: core.TicketRef{Key: tt.key}, To: tt.to, ToCategory: tt.category})
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s → %q (%s): %q %v, want %q %v", tt.key, tt.to, tt.category, got, ok, tt.want, tt.ok)
		}
	}
}
