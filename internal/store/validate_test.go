package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

type sqlState string

func (s sqlState) Error() string    { return "sql error " + string(s) }
func (s sqlState) SQLState() string { return string(s) }

func TestCheckEvent(t *testing.T) {
	good := func() core.Event {
		return core.Event{Source: "s", EventID: "e", Kind: core.KindMessage,
			Conversation: core.ConversationRef{Source: "s", Conversation: "c"},
			Sender:       core.Sender{ID: "u"}, Text: "hi", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	tests := map[string]struct {
		mutate func(e *core.Event)
		reason string // "" when the event is fine
	}{
		"good":                 {func(e *core.Event) {}, ""},
		"zero time":            {func(e *core.Event) { e.Time = time.Time{} }, ""},
		"key at the limit":     {func(e *core.Event) { e.Conversation.Conversation = strings.Repeat("x", store.MaxKeyPart) }, ""},
		"typed meta":           {func(e *core.Event) { e.Meta = map[string]any{"ids": []string{"a", "b"}, "n": 3} }, ""},
		"invalid UTF-8 text":   {func(e *core.Event) { e.Text = "caf\xe9" }, "text is not valid UTF-8"},
		"invalid UTF-8 sender": {func(e *core.Event) { e.Sender.ID = "\xff" }, "sender id is not valid UTF-8"},
		"NUL in command":       {func(e *core.Event) { e.Command = "t\x00" }, "command contains a NUL"},
		"NUL in event id":      {func(e *core.Event) { e.EventID = "\x00" }, "event id contains a NUL"},
		"NUL in typed meta":    {func(e *core.Event) { e.Meta = map[string]any{"ids": []string{"a\x00"}} }, "meta.ids[0] contains a NUL"},
		"NaN in meta":          {func(e *core.Event) { e.Meta = map[string]any{"x": []float32{float32(nan())}} }, "cannot be encoded"},
		"long event id":        {func(e *core.Event) { e.EventID = strings.Repeat("x", store.MaxKeyPart+1) }, "event id is 1025 bytes"},
		"long source":          {func(e *core.Event) { e.Source = strings.Repeat("x", 200) }, "source is 200 bytes"},
		"year 3000":            {func(e *core.Event) { e.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the years"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e := good()
			tt.mutate(&e)
			err := store.CheckEvent(e)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, store.ErrUnstorable) || !strings.Contains(err.Error(), tt.reason) || !store.Unstorable(err) {
				t.Fatalf("got %v, want ErrUnstorable mentioning %q", err, tt.reason)
			}
		})
	}
}

func nan() float64 { var z float64; return z / z }

func TestCheckTicketEvent(t *testing.T) {
	tests := map[string]struct {
		ev     core.TicketEvent
		reason string
	}{
		"good":             {core.TicketEvent{Sink: "jira", EventID: "1", Kind: core.TicketCommentAdded, Comment: &core.Comment{Body: "ok"}}, ""},
		"NUL in comment":   {core.TicketEvent{Sink: "jira", EventID: "1", Comment: &core.Comment{Body: "a\x00"}}, "comment body contains a NUL"},
		"NUL in status":    {core.TicketEvent{Sink: "jira", EventID: "1", To: "Done\x00"}, "to contains a NUL"},
		"bad UTF-8 key":    {core.TicketEvent{Sink: "jira", EventID: "1", Ticket: core.TicketRef{Key: "\xc3"}}, "ticket key is not valid UTF-8"},
		"long delivery id": {core.TicketEvent{Sink: "jira", EventID: strings.Repeat("x", 3000)}, "event id is 3000 bytes"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := store.CheckTicketEvent(tt.ev)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, store.ErrUnstorable) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("got %v, want ErrUnstorable mentioning %q", err, tt.reason)
			}
		})
	}
}

func TestUnstorableClassifiesSQLStates(t *testing.T) {
	for state, want := range map[string]bool{"22021": true, "22P05": true, "54000": true, "40001": false, "08006": false, "": false} {
		if got := store.Unstorable(sqlState(state)); got != want {
			t.Errorf("SQLSTATE %q: Unstorable = %v, want %v", state, got, want)
		}
	}
	if store.Unstorable(errors.New("connection refused")) {
		t.Error("a plain error counted as unstorable")
	}
}
