package generic_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// FuzzParse runs Verify then Parse on arbitrary bodies, signed or not.
// Neither may panic; refusals must be of the documented classes; every
// accepted event must carry what the rest of the system relies on.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"hi"}`), "msg_1", true)
	f.Add([]byte(`{"events":[{"type":"reaction","conversation":{"id":"c"},"sender":{"id":"u"}}]}`), "msg_2", true)
	f.Add([]byte(`{"events":null,"type":"command","conversation":{"id":"c"},"sender":{"id":"u"},"command":"/"}`), "msg_3", true)
	f.Add([]byte(`not json`), "msg_4", false)

	src, err := generic.New("chat1", generic.Settings{Secret: secretA}, source.Deps{Now: fixedNow})
	if err != nil {
		f.Fatal(err)
	}
	k := key(f, secretA)

	f.Fuzz(func(t *testing.T, body []byte, id string, signIt bool) {
		r := httptest.NewRequest(http.MethodPost, "/hooks/im/chat1", bytes.NewReader(body))
		if signIt {
			stdwebhook.SetHeaders(r.Header, k, id, clock, body)
		} else {
			r.Header.Set(stdwebhook.HeaderID, id)
		}
		if err := src.Verify(r, body); err != nil {
			if !errors.Is(err, core.ErrBadSignature) {
				t.Fatalf("verify: %v", err)
			}
			if signIt && id != "" && !strings.ContainsAny(id, "\r\n\x00") {
				// Our own signature must pass unless the id cannot
				// survive a header round trip.
				if got := r.Header.Get(stdwebhook.HeaderID); got == id {
					t.Fatalf("own signature refused: %v", err)
				}
			}
			return
		}
		in, err := src.Parse(context.Background(), r, body)
		if err != nil {
			if !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("parse: %v", err)
			}
			return
		}
		if len(in.Events) == 0 || len(in.Events) > generic.MaxBatch {
			t.Fatalf("%d events", len(in.Events))
		}
		for i, ev := range in.Events {
			if ev.Source != "chat1" || ev.Conversation.Conversation == "" || ev.Sender.ID == "" ||
				ev.Sender.Role == "" || ev.Kind == "" || ev.Time.IsZero() || len(ev.Raw) == 0 ||
				!strings.HasPrefix(ev.EventID, id) {
				t.Fatalf("event %d incomplete: %+v", i, ev)
			}
			if ev.Kind == core.KindMessage && strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
				t.Fatalf("empty message accepted: %+v", ev)
			}
		}
	})
}
