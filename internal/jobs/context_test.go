package jobs

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// threadedChat is a platform with threads, messages and a user directory,
// answering from memory.
type threadedChat struct {
	thread []core.Event
	msgs   map[string]core.Event
	users  map[string]core.Sender
	fail   bool
	calls  int // of the three look-ups below
}

func (c *threadedChat) ID() string                         { return "chat" }
func (c *threadedChat) Verify(*http.Request, []byte) error { return nil }
func (c *threadedChat) Parse(context.Context, *http.Request, []byte) (core.Inbound, error) {
	return core.Inbound{}, nil
}
func (c *threadedChat) Post(context.Context, core.ConversationRef, core.OutboundMessage) (core.PostedRef, error) {
	return core.PostedRef{}, nil
}
func (c *threadedChat) FetchThread(_ context.Context, conv core.ConversationRef, limit int) ([]core.Event, error) {
	c.calls++
	if c.fail {
		return nil, errors.New("platform down")
	}
	return c.thread, nil
}
func (c *threadedChat) FetchMessage(_ context.Context, _ core.ConversationRef, id string) (core.Event, error) {
	c.calls++
	if m, ok := c.msgs[id]; ok {
		return m, nil
	}
	return core.Event{}, errors.New("no such message")
}
func (c *threadedChat) LookupUser(_ context.Context, id string) (core.Sender, error) {
	c.calls++
	if u, ok := c.users[id]; ok {
		return u, nil
	}
	return core.Sender{}, errors.New("no such user")
}

func msg(id, user, text string) core.Event {
	return core.Event{Source: "chat", Kind: core.KindMessage, Text: text, Sender: core.Sender{ID: user},
		Conversation: core.ConversationRef{Source: "chat", Conversation: "C1", Thread: "100.1"},
		Meta:         map[string]any{source.MetaMessageID: id}}
}

func TestEnrichUsesTargetThreadAndDirectory(t *testing.T) {
	chat := &threadedChat{
		thread: []core.Event{msg("100.1", "U1", "the app crashes on login"), msg("100.2", "U2", "same here"), msg("100.3", "U1", "still broken")},
		msgs:   map[string]core.Event{"100.3": msg("100.3", "U1", "still broken")},
		users:  map[string]core.Sender{"U1": {ID: "U1", Name: "Ann Lee", Email: "ann@example.com"}},
	}
	d := &Deps{Sources: map[string]source.Source{"chat": chat}, Log: slog.New(slog.DiscardHandler)}
	reaction := core.StoredEvent{ID: 9, Event: core.Event{Source: "chat", EventID: "Ev9", Kind: core.KindReaction,
		Sender:       core.Sender{ID: "U7"},
		Conversation: core.ConversationRef{Source: "chat", Conversation: "C1"},
		Meta:         map[string]any{source.MetaTarget: "100.3", source.MetaReaction: "ticket"}}}

	ev, ctxEvents := d.enrich(context.Background(), reaction, nil, 10)
	if ev.Text != "still broken" || ev.Sender.Name != "Ann Lee" || ev.Sender.Email != "ann@example.com" || ev.Conversation.Thread != "100.1" {
		t.Fatalf("enriched event = %+v", ev)
	}
	if len(ctxEvents) != 3 || ctxEvents[0].Text != "the app crashes on login" || ctxEvents[2].ID != 9 {
		t.Fatalf("context = %+v; want the thread, ending with the event itself", ctxEvents)
	}

	chat.fail = true
	stored := []core.StoredEvent{{ID: 1, Event: msg("x", "U1", "what we stored")}}
	plain := core.StoredEvent{ID: 2, Event: msg("100.2", "U9", "hello")}
	ev, ctxEvents = d.enrich(context.Background(), plain, stored, 10)
	if len(ctxEvents) != 1 || ctxEvents[0].Text != "what we stored" || ev.Sender.Name != "" {
		t.Fatalf("with the platform failing: event %+v context %+v; want what we had", ev, ctxEvents)
	}
}
