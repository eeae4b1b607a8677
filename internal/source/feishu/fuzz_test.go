package feishu_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
)

// FuzzVerifyParse runs Verify then Parse on arbitrary plaintexts, sent
// encrypted and signed or plain. Nothing may panic; refusals must be of
// the documented classes; accepted events must be complete.
func FuzzVerifyParse(f *testing.F) {
	f.Add([]byte(`{"challenge":"c","token":"vtoken-abc","type":"url_verification"}`), true)
	f.Add([]byte(`{"schema":"2.0","header":{"event_id":"e","event_type":"im.message.receive_v1","token":"vtoken-abc"},"event":{"sender":{"sender_id":{"open_id":"ou"}},"message":{"message_id":"om","chat_id":"oc","message_type":"text","content":"{\"text\":\"@_user_1 hi\"}"}}}`), true)
	f.Add([]byte(`{"open_id":"ou","open_message_id":"om","token":"vtoken-abc","action":{"value":{"tb_action":"confirm","tb_token":"p","tb_chat":"oc"}}}`), false)
	f.Add([]byte(`not json`), false)
	withKey := newSource(f, feishu.Settings{EncryptKey: encKey})
	plainSrc := newSource(f, feishu.Settings{})
	f.Fuzz(func(t *testing.T, plain []byte, encrypt bool) {
		src, key := plainSrc, ""
		if encrypt {
			src, key = withKey, encKey
		}
		r, body := delivery(t, key, clock, plain)
		if err := src.Verify(r, body); err != nil {
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
		for i, ev := range in.Events {
			if ev.Source != "fs" || ev.EventID == "" || ev.Conversation.Conversation == "" || ev.Sender.ID == "" ||
				ev.Sender.Role == "" || ev.Kind == "" || ev.Time.IsZero() || len(ev.Raw) == 0 {
				t.Fatalf("event %d incomplete: %+v", i, ev)
			}
			if ev.Kind == core.KindCommand && ev.Action != core.ActionConfirm && ev.Action != core.ActionReject {
				t.Fatalf("command without a known action: %+v", ev)
			}
		}
	})
}
