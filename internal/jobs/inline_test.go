package jobs

import (
	"log/slog"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// enrichCalls must say exactly when enrich calls the platform: an event
// it wrongly calls self-contained would get its ticket made at ingest
// without the requester's name or the thread.
func TestEnrichCallsAgreesWithEnrich(t *testing.T) {
	conv := core.ConversationRef{Source: "chat", Conversation: "C1"}
	known := core.Sender{ID: "U1", Name: "Ann", Email: "ann@example.com"}
	for name, ev := range map[string]core.Event{
		"sender known":          {Source: "chat", Conversation: conv, Sender: known},
		"sender without e-mail": {Source: "chat", Conversation: conv, Sender: core.Sender{ID: "U1", Name: "Ann"}},
		"anonymous sender":      {Source: "chat", Conversation: conv},
		"in a thread":           {Source: "chat", Conversation: core.ConversationRef{Source: "chat", Conversation: "C1", Thread: "T1"}, Sender: known},
		"a reaction's target":   {Source: "chat", Conversation: conv, Sender: known, Meta: map[string]any{source.MetaTarget: "m1"}},
		"unknown source":        {Source: "other", Conversation: conv},
	} {
		t.Run(name, func(t *testing.T) {
			src := &threadedChat{}
			d := &Deps{Sources: map[string]source.Source{"chat": src}, Log: slog.New(slog.DiscardHandler)}
			se := core.StoredEvent{ID: 1, Event: ev}
			predicted := d.enrichCalls(se)
			d.enrich(t.Context(), se, nil, 10)
			if predicted != (src.calls > 0) {
				t.Fatalf("enrichCalls = %v, but enrich made %d calls", predicted, src.calls)
			}
		})
	}
}
