package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
)

// FuzzVerifyParse seals arbitrary plaintexts (or sends arbitrary bodies
// unsealed) through Verify and Parse. Nothing may panic; refusals must be
// of the documented classes; accepted events must be complete.
func FuzzVerifyParse(f *testing.F) {
	f.Add([]byte(w2Plain), true, false)
	f.Add([]byte(w3Plain), true, true)
	f.Add([]byte(`<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>tb:confirm:</EventKey></xml>`), true, false)
	f.Add([]byte(`{"FromUserName":"u","CreateTime":"9","MsgType":"image","MediaId":"m","MsgId":1e400}`), true, true)
	f.Add([]byte(`<xml><Encrypt>AAAA</Encrypt></xml>`), false, false)

	xmlSrc, jsonSrc := wecomSources(f)
	xmlSnd, jsonSnd := newSender(f, wecom.FormatXML), newSender(f, wecom.FormatJSON)
	f.Fuzz(func(t *testing.T, data []byte, seal, asJSON bool) {
		src, snd := xmlSrc, xmlSnd
		if asJSON {
			src, snd = jsonSrc, jsonSnd
		}
		var r *http.Request
		body := data
		if seal {
			sg, err := snd.Seal(data)
			if err != nil {
				t.Fatal(err)
			}
			r, body = request(sg), sg.Body
		} else {
			r = httptest.NewRequest(http.MethodPost, "/hooks/im/wc?msg_signature=x&timestamp=1&nonce=2", bytes.NewReader(data))
		}
		if err := src.Verify(r, body); err != nil {
			if seal {
				t.Fatalf("own seal refused: %v", err)
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
			if ev.Source != "wc" || ev.EventID == "" || ev.Conversation.Conversation == "" || ev.Sender.ID == "" ||
				ev.Sender.Role == "" || ev.Time.IsZero() || len(ev.Raw) == 0 {
				t.Fatalf("incomplete event %+v", ev)
			}
			if ev.Kind == core.KindMessage && strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
				t.Fatalf("empty message accepted: %+v", ev)
			}
			if ev.Kind == core.KindCommand && ev.Action == "" && ev.Command == "" {
				t.Fatalf("command without action or name: %+v", ev)
			}
		}
	})
}

func wecomSources(f *testing.F) (*wecom.Source, *wecom.Source) {
	x, err := wecom.New("wc", settings(), depsFixed())
	if err != nil {
		f.Fatal(err)
	}
	s := settings()
	s.Format = wecom.FormatJSON
	j, err := wecom.New("wc", s, depsFixed())
	if err != nil {
		f.Fatal(err)
	}
	return x, j
}
