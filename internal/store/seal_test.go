package store

import (
	"bytes"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/crypt"
)

func TestSealEvent(t *testing.T) {
	ring, err := crypt.NewRing("k1", map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	ev := core.Event{Source: "chat", EventID: "e1", Text: "my card 4111", Raw: json.RawMessage(`{"text":"my card 4111"}`)}
	tests := []struct {
		name   string
		cipher Cipher
		ev     core.Event
	}{
		{"plain", nil, ev},
		{"plain without raw", nil, core.Event{Source: "chat", EventID: "e2", Text: "hi", Raw: json.RawMessage{}}},
		{"sealed", ring, ev},
		{"sealed without raw", ring, core.Event{Source: "chat", EventID: "e2", Text: "hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, raw := SealEvent(tt.cipher, tt.ev)
			if len(tt.ev.Raw) == 0 && raw != nil {
				t.Fatalf("raw = %q, want nil (NULL) for an empty payload", raw)
			}
			var plainReads atomic.Int64
			gotText, err := OpenBody(tt.cipher, &plainReads, []byte(text), ADEventText(tt.ev.Source, tt.ev.EventID))
			if err != nil || string(gotText) != tt.ev.Text {
				t.Fatalf("text opens to %q, %v; want %q", gotText, err, tt.ev.Text)
			}
			if tt.cipher != nil && text == tt.ev.Text {
				t.Fatal("text stored in the clear with a cipher set")
			}
			if raw == nil {
				return
			}
			gotRaw, err := OpenBody(tt.cipher, &plainReads, raw, ADEventRaw(tt.ev.Source, tt.ev.EventID))
			if err != nil || !bytes.Equal(gotRaw, tt.ev.Raw) {
				t.Fatalf("raw opens to %q, %v; want %q", gotRaw, err, tt.ev.Raw)
			}
			// Bound to its row: the text's ciphertext does not open as
			// another event's.
			if tt.cipher != nil {
				if _, err := OpenBody(tt.cipher, &plainReads, []byte(text), ADEventText("chat", "other")); err == nil {
					t.Fatal("sealed text opened under another event's associated data")
				}
			}
		})
	}
}
