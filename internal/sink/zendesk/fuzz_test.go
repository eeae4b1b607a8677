package zendesk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// FuzzParseWebhook runs ParseWebhook on arbitrary bodies, signed or not:
// no panic, only the documented refusals, usable events, and a comment is
// public only when the body says "true".
func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"kind":"status_changed","ticket":{"id":"42","status":"Solved"},"updater_id":"9001"}`), "inv-1", true)
	f.Add([]byte(`{"kind":"comment_added","ticket":{"id":42},"comment":{"body":"x","public":"false","author_id":"3"}}`), "inv-2", true)
	f.Add([]byte(`{"kind":"assigned","ticket":{"id":"1"},"assignee":{"id":null}}`), "", false)
	f.Add([]byte(`null`), "inv-4", true)
	sk := hookSink(f)
	f.Fuzz(func(t *testing.T, body []byte, invocation string, signIt bool) {
		r := signed(body, invocation, clock.Add(-time.Second), hookSecret)
		if !signIt {
			r.Header.Del("X-Zendesk-Webhook-Signature")
		}
		evs, err := sk.ParseWebhook(r, body)
		if err != nil {
			if !errors.Is(err, core.ErrBadSignature) && !errors.Is(err, core.ErrStale) && !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("unexpected error class: %v", err)
			}
			if evs != nil {
				t.Fatal("events returned with an error")
			}
			if !signIt && !errors.Is(err, core.ErrBadSignature) {
				t.Fatalf("unsigned request got past verification: %v", err)
			}
			return
		}
		if !signIt || len(evs) != 1 {
			t.Fatalf("signed %v, %d events", signIt, len(evs))
		}
		ev := evs[0]
		if ev.Sink != "zd" || ev.EventID == "" || ev.Ticket.Key == "" || ev.Kind == "" || ev.Time.IsZero() {
			t.Fatalf("incomplete event %+v", ev)
		}
		switch ev.Kind {
		case core.TicketStatusChanged:
			if ev.To == "" {
				t.Fatalf("status change without to: %+v", ev)
			}
		case core.TicketCommentAdded:
			if ev.Comment == nil || ev.Comment.Body == "" {
				t.Fatalf("comment without body: %+v", ev)
			}
		}
	})
}
