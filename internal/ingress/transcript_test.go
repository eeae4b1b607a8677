package ingress

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestParseTranscript(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		body, want string
	}{
		{`{"channel":"c1","text":"hello","speaker":"1001"}`, "1001: hello"},
		{`{"channel":"c1","text":"hi","id":"t-7","time":"2026-11-28T09:00:00Z"}`, "hi"},
		{`{"channel":"","text":"x"}`, "channel is required"},
		{`{"channel":"c1"}`, "text is required"},
		{`{"channel":"c1","text":"x","extra":1}`, "unknown field"},
		{`not json`, "malformed"},
	}
	for _, tt := range tests {
		ev, err := parseTranscript("ag", []byte(tt.body), now)
		if err != nil {
			if !errors.Is(err, core.ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: %v, want a malformed error about %q", tt.body, err, tt.want)
			}
			continue
		}
		if ev.Text != tt.want || ev.Kind != core.KindTranscript || ev.Conversation.Conversation != "c1" || !strings.HasPrefix(ev.EventID, "transcript:") {
			t.Errorf("%s: %+v", tt.body, ev)
		}
	}
	a, _ := parseTranscript("ag", []byte(`{"channel":"c","text":"same"}`), now)
	b, _ := parseTranscript("ag", []byte(`{"channel":"c","text":"same"}`), now)
	if a.EventID != b.EventID {
		t.Fatal("a redelivered transcript must keep its id")
	}
}

// FuzzParseTranscript: never panics; what it accepts is complete.
func FuzzParseTranscript(f *testing.F) {
	f.Add([]byte(`{"channel":"c1","text":"hello","speaker":"1001"}`))
	f.Add([]byte(`{"channel":"c1","text":"hi","id":"t-7","time":"2026-11-28T09:00:00Z"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseTranscript("ag", body, time.Unix(0, 0))
		if err != nil {
			if !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("error not marked malformed: %v", err)
			}
			return
		}
		if ev.EventID == "" || ev.Conversation.Conversation == "" || strings.TrimSpace(ev.Text) == "" || ev.Kind != core.KindTranscript {
			t.Fatalf("incomplete event %+v", ev)
		}
	})
}
