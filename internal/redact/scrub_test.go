package redact_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/redact"
)

func TestScrubberPerField(t *testing.T) {
	r, err := redact.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := redact.NewScrubber(r, redact.Policy{Default: redact.Partial}, map[string]map[string]redact.Mode{
		"vip":    {"requester": redact.None, "description": redact.Full},
		"strict": {"requester": redact.Full},
	})
	d := core.TicketDraft{
		Title:       "call me on 13812345678",
		Description: "card 6222021234567890128, mail lin@example.com",
		Requester:   core.Requester{Name: "Lin", Email: "lin@example.com"},
		Labels:      []string{"13812345678"},
		Custom:      map[string]any{"phone": "13812345678", "count": 3},
	}
	got := s.Draft("support", d)
	if got.Title != "call me on 138****5678" || strings.Contains(got.Description, "6222021234567890128") ||
		got.Requester.Email != "lin@example.com" || got.Labels[0] != "138****5678" || got.Custom["phone"] != "138****5678" || got.Custom["count"] != 3 {
		t.Fatalf("support draft = %+v", got)
	}
	vip := s.Draft("vip", d)
	if vip.Requester.Email != "lin@example.com" || !strings.Contains(vip.Description, "[BANK_CARD]") || !strings.Contains(vip.Description, "[EMAIL]") {
		t.Fatalf("vip draft = %+v", vip)
	}
	if strict := s.Draft("strict", d); strict.Requester.Email != "[EMAIL]" {
		t.Fatalf("strict requester = %+v", strict.Requester)
	}
	if d.Labels[0] != "13812345678" || d.Custom["phone"] != "13812345678" {
		t.Fatal("Draft changed its argument")
	}
	if c := s.Comment("support", "my number is 13812345678"); c != "my number is 138****5678" {
		t.Fatalf("comment = %q", c)
	}
	var none *redact.Scrubber
	if none.Comment("x", "13812345678") != "13812345678" {
		t.Fatal("a nil scrubber must pass text through")
	}
}
