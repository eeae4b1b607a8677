package agora_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
	"github.com/ticketbridge/ticketbridge/internal/source/agora/agorafake"
)

// FuzzVerifyParse sends arbitrary bodies, signed as NCS notices or (when
// they decode as Chat callbacks) re-signed, or unsigned, through Verify
// and Parse. Nothing may panic; refusals must be of the documented
// classes; accepted events must be complete.
func FuzzVerifyParse(f *testing.F) {
	f.Add([]byte(a1Body), 0)
	f.Add(agorafake.Notice("n", agora.EventAudienceLeave, agora.ChannelPayload{ChannelName: "c", TS: 5, UID: "1"}), 0)
	f.Add(agorafake.Encode(signer().Text(agora.ChatTypeGroup, "a", "g", "/ticket x")), 1)
	f.Add([]byte(`{"callId":"c","eventType":"chat","timestamp":1,"chat_type":"chatroom","from":"a","to":"r","payload":{"bodies":[{"type":"img","url":"/"}]}}`), 1)
	f.Add([]byte(`{"noticeId":"x","productId":1,"eventType":104,"payload":{"channelName":"c","ts":1,"uid":1e30}}`), 2)

	src := newSource(f, settings(""))
	sg := signer()
	f.Fuzz(func(t *testing.T, body []byte, mode int) {
		var h http.Header
		signed := false
		switch mode % 3 {
		case 0:
			h, signed = agorafake.NCSHeaders(ncsSecret, body, agorafake.SignBoth), true
		case 1:
			var cb agora.ChatCallback
			if err := strictDecode(body, &cb); err == nil && cb.CallID != "" {
				cb.Timestamp = ""
				body, signed = agorafake.Encode(sg.Sign(cb)), true
			}
		}
		r := request(body, h)
		if err := src.Verify(r, body); err != nil {
			if signed {
				t.Fatalf("own signature refused: %v", err)
			}
			if !errors.Is(err, core.ErrBadSignature) && !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("verify: %v", err)
			}
			return
		}
		in, err := src.Parse(t.Context(), r, body)
		if err != nil {
			if !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("parse: %v", err)
			}
			return
		}
		if len(in.Events) > 1 {
			t.Fatalf("%d events", len(in.Events))
		}
		for _, ev := range in.Events {
			if ev.Source != "ag" || ev.EventID == "" || ev.Conversation.Conversation == "" || ev.Sender.ID == "" ||
				ev.Sender.Role == "" || ev.Time.IsZero() || len(ev.Raw) == 0 {
				t.Fatalf("incomplete event %+v", ev)
			}
			switch ev.Kind {
			case agora.KindCallSignal:
				if _, ok := ev.Meta["event_type"]; !ok {
					t.Fatalf("signal without event_type: %+v", ev)
				}
			case core.KindMessage, core.KindLiveFeedback:
				if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
					t.Fatalf("empty message accepted: %+v", ev)
				}
			default:
				t.Fatalf("kind %q", ev.Kind)
			}
		}
	})
}
