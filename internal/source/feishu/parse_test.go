package feishu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenView is what a golden file holds: the events and the reply.
type goldenView struct {
	Events []core.Event `json:"events"`
	Reply  *struct {
		Status      int    `json:"status"`
		ContentType string `json:"content_type"`
		Body        string `json:"body"`
	} `json:"reply,omitempty"`
}

// Every fixture is a plaintext delivery; it goes in encrypted and signed,
// and again plain to a source without an encrypt key: both must parse
// the same.
func TestParseGolden(t *testing.T) {
	t.Parallel()
	withKey := newSource(t, feishu.Settings{EncryptKey: encKey})
	plainSrc := newSource(t, feishu.Settings{APIURL: "https://open.feishu.cn"})
	inputs, err := filepath.Glob("testdata/parse/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			plain, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			plain = bytes.TrimSpace(plain)
			var outs [][]byte
			for _, c := range []struct {
				src *feishu.Source
				key string
			}{{withKey, encKey}, {plainSrc, ""}} {
				r, body := delivery(t, c.key, clock, plain)
				if err := c.src.Verify(r, body); err != nil {
					t.Fatalf("Verify (key %q): %v", c.key, err)
				}
				got, err := c.src.Parse(context.Background(), r, body)
				if err != nil {
					t.Fatalf("Parse (key %q): %v", c.key, err)
				}
				for _, ev := range got.Events {
					if !bytes.Equal(ev.Raw, plain) {
						t.Fatalf("Raw is not the plaintext: %s", ev.Raw)
					}
				}
				var view goldenView
				view.Events = got.Events
				if got.Reply != nil {
					view.Reply = &struct {
						Status      int    `json:"status"`
						ContentType string `json:"content_type"`
						Body        string `json:"body"`
					}{got.Reply.Status, got.Reply.ContentType, string(got.Reply.Body)}
				}
				out, err := json.MarshalIndent(view, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, append(out, '\n'))
			}
			if !bytes.Equal(outs[0], outs[1]) {
				t.Fatalf("encrypted and plain deliveries differ:\n%s\n%s", outs[0], outs[1])
			}
			golden := filepath.Join("testdata", "parse", name+".golden")
			if *update {
				if err := os.WriteFile(golden, outs[0], 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(outs[0], want) {
				t.Fatalf("differs from %s:\n%s", golden, outs[0])
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	src := newSource(t, feishu.Settings{})
	tok := `"token":"` + vtoken + `"`
	for name, tt := range map[string]struct{ body, reason string }{
		"no event id":       {`{"schema":"2.0","header":{"event_type":"im.message.receive_v1",` + tok + `},"event":{}}`, "header.event_id: missing"},
		"event not object":  {`{"schema":"2.0","header":{"event_id":"e","event_type":"im.message.receive_v1",` + tok + `},"event":[1]}`, "event:"},
		"no message id":     {`{"schema":"2.0","header":{"event_id":"e","event_type":"im.message.receive_v1",` + tok + `},"event":{"sender":{"sender_id":{"open_id":"ou"}},"message":{"chat_id":"oc"}}}`, "message_id: missing"},
		"no chat":           {`{"schema":"2.0","header":{"event_id":"e","event_type":"im.message.receive_v1",` + tok + `},"event":{"sender":{"sender_id":{"open_id":"ou"}},"message":{"message_id":"om"}}}`, "chat_id: missing"},
		"no sender":         {`{"schema":"2.0","header":{"event_id":"e","event_type":"im.message.receive_v1",` + tok + `},"event":{"message":{"message_id":"om","chat_id":"oc"}}}`, "sender_id: missing"},
		"challenge empty":   {`{"type":"url_verification",` + tok + `}`, "challenge: missing"},
		"v1 no uuid":        {`{"type":"event_callback",` + tok + `,"event":{"type":"message"}}`, "uuid: missing"},
		"v1 message no ids": {`{"uuid":"u","type":"event_callback",` + tok + `,"event":{"type":"message","msg_type":"text","text":"x"}}`, "open_chat_id"},
		"unknown shape":     {`{` + tok + `}`, "neither an event"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, body := delivery(t, "", clock, []byte(tt.body))
			if err := src.Verify(r, body); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			_, err := src.Parse(context.Background(), r, body)
			if !errors.Is(err, core.ErrMalformed) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("Parse = %v, want ErrMalformed with %q", err, tt.reason)
			}
		})
	}
	t.Run("signed but not JSON inside", func(t *testing.T) {
		t.Parallel()
		withKey := newSource(t, feishu.Settings{EncryptKey: encKey})
		r, body := delivery(t, encKey, clock, []byte("hello world"))
		err := withKey.Verify(r, body)
		if !errors.Is(err, core.ErrMalformed) {
			t.Fatalf("Verify = %v, want ErrMalformed", err)
		}
	})
}
