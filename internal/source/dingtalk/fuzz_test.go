package dingtalk_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// FuzzVerifyParse runs arbitrary bodies through Verify and Parse, signed
// as a robot callback, sealed as an event push, or unsigned. Nothing may
// panic; refusals must be of the documented classes; accepted events
// must be complete; an own signature is never refused.
func FuzzVerifyParse(f *testing.F) {
	f.Add([]byte(`{"conversationId":"cid1","conversationType":"2","msgId":"m1","msgtype":"text","createAt":1,"senderStaffId":"u","text":{"content":"/ticket x"}}`), uint8(0))
	f.Add([]byte(`{"conversationId":"c","msgId":"m","msgtype":"richText","createAt":5,"senderId":"s","content":{"richText":[{"text":"a"},{"downloadCode":"d"}]}}`), uint8(0))
	f.Add([]byte(`{"EventType":"check_url"}`), uint8(1))
	f.Add([]byte(`{"encrypt":"AAAA"}`), uint8(2))
	src := newSource(f, eventSettings())
	p := pusher(f)
	f.Fuzz(func(t *testing.T, data []byte, how uint8) {
		var r *http.Request
		body := data
		switch how % 3 {
		case 0:
			r = robotRequest(t, data)
		case 1:
			sl, err := p.Seal(data)
			if err != nil {
				t.Fatal(err)
			}
			r, body = pushRequest(sl), sl.Body
		default:
			r = httptest.NewRequest(http.MethodPost, "/hooks/im/dt?signature=x&timestamp=1&nonce=2", bytes.NewReader(data))
		}
		if err := src.Verify(r, body); err != nil {
			if how%3 != 2 {
				t.Fatalf("own signature refused: %v", err)
			}
			if !errors.Is(err, core.ErrBadSignature) && !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("verify: %v", err)
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
		if in.Reply == nil || len(in.Events) > 1 {
			t.Fatalf("inbound %+v", in)
		}
		for _, ev := range in.Events {
			if ev.Source != "dt" || ev.EventID == "" || ev.Conversation.Conversation == "" || ev.Sender.ID == "" ||
				ev.Sender.Role == "" || ev.Time.IsZero() || len(ev.Raw) == 0 {
				t.Fatalf("incomplete event %+v", ev)
			}
			if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
				t.Fatalf("empty message accepted: %+v", ev)
			}
		}
	})
}
