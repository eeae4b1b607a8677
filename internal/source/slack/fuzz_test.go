package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/slack"
	"github.com/ticketbridge/ticketbridge/internal/source/slack/slackfake"
)

// FuzzVerifyParse runs Verify then Parse on arbitrary bodies, signed or
// not, as JSON or as a form. Nothing may panic; refusals must be of the
// documented classes; every event must carry what the rest relies on.
func FuzzVerifyParse(f *testing.F) {
	f.Add([]byte(s2Body), false, true)
	f.Add([]byte(s1Body), true, true)
	f.Add([]byte(`{"type":"url_verification","challenge":"c"}`), false, true)
	f.Add([]byte(`payload=%7B%22type%22%3A%22block_actions%22%7D`), true, true)
	f.Add([]byte(`{"type":"event_callback","event_id":"E","event":{"type":"message","channel":"C","user":"U","text":"<@U|","ts":"1.2"}}`), false, false)

	src := newSource(f, slack.Settings{})
	f.Fuzz(func(t *testing.T, body []byte, form, signIt bool) {
		r := httptest.NewRequest(http.MethodPost, "/hooks/im/sl", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if form {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if signIt {
			slackfake.Sign(r.Header, secret, clock, body)
		}
		if err := src.Verify(r, body); err != nil {
			if !errors.Is(err, core.ErrBadSignature) || signIt {
				t.Fatalf("verify: %v", err)
			}
			return
		}
		if !signIt {
			t.Fatal("unsigned request verified")
		}
		in, err := src.Parse(context.Background(), r, body)
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
			if ev.Source != "sl" || ev.EventID == "" || ev.Conversation.Conversation == "" || ev.Conversation.Source != "sl" ||
				ev.Sender.ID == "" || ev.Sender.Role == "" || ev.Kind == "" || !json.Valid(ev.Raw) {
				t.Fatalf("event incomplete: %+v", ev)
			}
			if ev.Kind == core.KindMessage && strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
				t.Fatalf("empty message accepted: %+v", ev)
			}
			if ev.Kind == core.KindCommand && ev.Command == "" && ev.Action == "" {
				t.Fatalf("command without name or action: %+v", ev)
			}
		}
	})
}
