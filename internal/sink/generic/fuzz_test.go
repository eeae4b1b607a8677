package generic_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// FuzzParse runs ParseWebhook on arbitrary bodies, signed or not. It must
// not panic, must refuse only with the documented classes, and every
// event it returns must be usable downstream.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"type":"ticket.status_changed","ticket":{"key":"EXT-1"},"to":"closed"}`), "msg_1", true)
	f.Add([]byte(`{"type":"ticket.comment_added","ticket":{"key":"EXT-1"},"comment":{"body":"x","public":true},"origin":"ticketbridge"}`), "msg_2", true)
	f.Add([]byte(`{"type":"ticket.assigned","ticket":{"key":"EXT-1"}}`), "msg_3", false)
	f.Add([]byte(`null`), "msg_4", true)

	sk := hookSink(f)
	k, err := stdwebhook.ParseSecret(secretB)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, id string, signIt bool) {
		r := httptest.NewRequest(http.MethodPost, "/hooks/tickets/desk1", bytes.NewReader(body))
		if signIt {
			stdwebhook.SetHeaders(r.Header, k, id, clock, body)
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
		if ev.Sink != "desk1" || ev.EventID != id || ev.Ticket.Key == "" || ev.Kind == "" || ev.Time.IsZero() {
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
