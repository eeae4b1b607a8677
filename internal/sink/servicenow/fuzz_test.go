package servicenow_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// FuzzParseWebhook runs ParseWebhook on arbitrary bodies, signed or not:
// no panic, only the documented refusals, and complete events; a work
// note is never public.
func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"event_id":"a:1","number":"INC1","state":"6","previous_state":"2"}`), true)
	f.Add([]byte(`{"event_id":"a:2","number":"INC1","comment":"x","comment_kind":"work_notes"}`), true)
	f.Add([]byte(`{"event_id":"a:3","number":"INC1","assigned_to":""}`), false)
	f.Add([]byte(`null`), true)
	sn := hookSink(f)
	f.Fuzz(func(t *testing.T, body []byte, signIt bool) {
		r := signed(body, clock.Add(-time.Second))
		if !signIt {
			r.Header.Del("X-TB-Signature")
		}
		evs, err := sn.ParseWebhook(r, body)
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
		if !signIt {
			t.Fatal("unsigned request accepted")
		}
		var kind struct {
			CommentKind any `json:"comment_kind"`
		}
		_ = json.Unmarshal(body, &kind)
		seen := map[string]bool{}
		for _, ev := range evs {
			if ev.Sink != "sn" || ev.EventID == "" || seen[ev.EventID] || ev.Ticket.Key == "" || ev.Time.IsZero() {
				t.Fatalf("incomplete or repeated event %+v", ev)
			}
			seen[ev.EventID] = true
			switch ev.Kind {
			case core.TicketStatusChanged:
				if ev.To == "" || ev.From == ev.To {
					t.Fatalf("status change without a change: %+v", ev)
				}
			case core.TicketCommentAdded:
				if ev.Comment == nil || ev.Comment.Body == "" {
					t.Fatalf("comment without body: %+v", ev)
				}
				if ev.Comment.Public && kind.CommentKind != "comments" {
					t.Fatalf("a %v entry became public", kind.CommentKind)
				}
			case core.TicketAssigned:
			default:
				t.Fatalf("unknown kind %q", ev.Kind)
			}
		}
	})
}
