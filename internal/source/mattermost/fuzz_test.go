package mattermost_test

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
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost/mattermostfake"
)

// FuzzVerifyParse runs Verify then Parse on arbitrary bodies as a form,
// as JSON or as a GET query, with or without the command token header.
// Nothing may panic; refusals must be of the documented classes; every
// event must carry what the rest relies on.
func FuzzVerifyParse(f *testing.F) {
	f.Add([]byte("token="+outToken+"&channel_id=c&user_id=u&post_id=p&text=hi"), uint8(0), false)
	f.Add([]byte(`{"token":"`+outToken+`","channel_id":"c","user_id":"u","post_id":"p","text":"hi","timestamp":1}`), uint8(1), false)
	f.Add([]byte("command=/ticket&channel_id=c&user_id=u&trigger_id=t&text=x"), uint8(2), true)
	f.Add([]byte(`{"user_id":"u","channel_id":"c","post_id":"p","context":{"action":"confirm","token":"t","secret":"00"}}`), uint8(1), false)

	fake := mattermostfake.New(f)
	src := newSource(f, fake, mattermost.Settings{})
	f.Fuzz(func(t *testing.T, body []byte, mode uint8, header bool) {
		var r *http.Request
		switch mode % 3 {
		case 0:
			r = httptest.NewRequest(http.MethodPost, "/hooks/im/mm", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case 1:
			r = httptest.NewRequest(http.MethodPost, "/hooks/im/mm", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		default:
			r = httptest.NewRequest(http.MethodGet, "/hooks/im/mm", nil)
			r.URL.RawQuery = string(body)
			body = nil
		}
		if header {
			r.Header.Set("Authorization", "Token "+cmdToken)
		}
		if err := src.Verify(r, body); err != nil {
			if !errors.Is(err, core.ErrBadSignature) {
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
		if len(in.Events) > 1 {
			t.Fatalf("%d events", len(in.Events))
		}
		for _, ev := range in.Events {
			if ev.Source != "mm" || ev.EventID == "" || ev.Conversation.Conversation == "" || ev.Conversation.Source != "mm" ||
				ev.Sender.ID == "" || ev.Sender.Role == "" || ev.Kind == "" || !json.Valid(ev.Raw) {
				t.Fatalf("event incomplete: %+v", ev)
			}
			// The stored payload must not keep the token or the action
			// secret fields (a sender may still have typed the token into
			// another field; that is their text, not a leak).
			if leaksSecret(ev.Raw) {
				t.Fatalf("raw keeps a token: %s", ev.Raw)
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

// leaksSecret reports whether a stored payload still has a token field or
// an action context's secret.
func leaksSecret(raw []byte) bool {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return true
	}
	if s, _ := m["token"].(string); s != "" {
		return true
	}
	c, _ := m["context"].(map[string]any)
	s, _ := c["secret"].(string)
	return s != ""
}
