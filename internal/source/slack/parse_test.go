package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/slack"
	"github.com/ticketbridge/ticketbridge/internal/source/slack/slackfake"
)

var update = flag.Bool("update", false, "rewrite golden files")

// parsed is what a golden file holds: the events (Raw excluded, it is
// checked separately) and the reply.
type parsed struct {
	Events []core.Event `json:"events"`
	Reply  *replyView   `json:"reply,omitempty"`
}

type replyView struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
}

func contentTypeOf(path string) string {
	if strings.HasSuffix(path, ".form") {
		return "application/x-www-form-urlencoded"
	}
	return "application/json"
}

func TestParseGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob("testdata/parse/*.*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden") {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := newSource(t, slack.Settings{})
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			body = bytes.TrimRight(body, "\n")
			r := signed(t, secret, clock, contentTypeOf(in), body)
			if err := src.Verify(r, body); err != nil {
				t.Fatal(err)
			}
			in, err := src.Parse(context.Background(), r, body)
			if err != nil {
				t.Fatal(err)
			}
			got := parsed{Events: in.Events}
			if in.Reply != nil {
				got.Reply = &replyView{in.Reply.Status, in.Reply.ContentType, string(in.Reply.Body)}
			}
			for _, ev := range in.Events {
				if !json.Valid(ev.Raw) {
					t.Fatalf("event raw is not JSON: %q", ev.Raw)
				}
			}
			out, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := filepath.Join("testdata", "parse", name+".golden")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(out, want) {
				t.Fatalf("events differ from %s:\n%s", golden, out)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d fixtures", n)
	}
}

func TestParseChallenge(t *testing.T) {
	t.Parallel()
	src := newSource(t, slack.Settings{})
	req := slackfake.URLVerification(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
	r := signed(t, secret, clock, req.ContentType, req.Body)
	if err := src.Verify(r, req.Body); err != nil {
		t.Fatal(err)
	}
	in, err := src.Parse(context.Background(), r, req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Events) != 0 || in.Reply == nil || string(in.Reply.Body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" ||
		in.Reply.ContentType != "text/plain" || in.Reply.Status != 200 {
		t.Fatalf("challenge answer %+v", in)
	}
}

// Deliveries that are not for us are acknowledged with no events.
func TestParseIgnored(t *testing.T) {
	t.Parallel()
	msg := func(extra map[string]any) map[string]any {
		m := slackfake.ChannelMessage("C1", "U0ANN", "1795860000.000100", "", "hello")
		for k, v := range extra {
			if v == nil {
				delete(m, k)
				continue
			}
			m[k] = v
		}
		return m
	}
	events := map[string]any{
		"bot id":             msg(map[string]any{"bot_id": "B1"}),
		"bot message":        msg(map[string]any{"subtype": "bot_message", "user": nil}),
		"our own user":       msg(map[string]any{"user": slackfake.BotUserID}),
		"edited":             msg(map[string]any{"subtype": "message_changed"}),
		"deleted":            msg(map[string]any{"subtype": "message_deleted"}),
		"join":               msg(map[string]any{"subtype": "channel_join"}),
		"hidden":             msg(map[string]any{"hidden": true}),
		"no user":            msg(map[string]any{"user": nil}),
		"only our mention":   msg(map[string]any{"text": "<@" + slackfake.BotUserID + ">"}),
		"empty":              msg(map[string]any{"text": ""}),
		"file reaction":      map[string]any{"type": "reaction_added", "user": "U1", "reaction": "ticket", "item": map[string]any{"type": "file", "file": "F1"}},
		"other event type":   map[string]any{"type": "channel_created", "channel": map[string]any{"id": "C9"}},
		"reaction_removed":   map[string]any{"type": "reaction_removed", "user": "U1", "reaction": "ticket", "item": map[string]any{"type": "message", "channel": "C1", "ts": "1.2"}},
		"member_joined_chan": map[string]any{"type": "member_joined_channel", "user": "U1", "channel": "C1"},
	}
	for name, ev := range events {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := slackfake.EventCallback(t, "Ev"+strings.ReplaceAll(name, " ", ""), clock, ev)
			assertNoEvents(t, req, false)
		})
	}
	forms := map[string]slackfake.Request{
		"other shortcut": slackfake.Interaction(t, map[string]any{"type": "message_action", "callback_id": "something_else", "trigger_id": "1.2", "user": map[string]any{"id": "U1"}, "channel": map[string]any{"id": "C1"}, "message": map[string]any{"ts": "1.2"}}),
		"other button":   slackfake.Interaction(t, map[string]any{"type": "block_actions", "user": map[string]any{"id": "U1"}, "channel": map[string]any{"id": "C1"}, "actions": []map[string]any{{"action_id": "someone_elses", "value": "v", "action_ts": "1.2"}}}),
		"view submit":    slackfake.Interaction(t, map[string]any{"type": "view_submission", "user": map[string]any{"id": "U1"}}),
	}
	for name, req := range forms {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assertNoEvents(t, req, true)
		})
	}
	t.Run("app_rate_limited", func(t *testing.T) {
		t.Parallel()
		assertNoEvents(t, slackfake.Request{Body: []byte(`{"token":"x","type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`), ContentType: "application/json"}, false)
	})
}

func assertNoEvents(t *testing.T, req slackfake.Request, wantReply bool) {
	t.Helper()
	src := newSource(t, slack.Settings{})
	r := signed(t, secret, clock, req.ContentType, req.Body)
	in, err := src.Parse(context.Background(), r, req.Body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(in.Events) != 0 || (in.Reply != nil) != wantReply {
		t.Fatalf("got %+v", in)
	}
	if wantReply && len(in.Reply.Body) != 0 {
		t.Fatalf("interaction answer has a body: %q", in.Reply.Body)
	}
}

// A message that mentions the bot arrives twice, as message and as
// app_mention, under different envelope ids; and redeliveries repeat
// them. All must carry one event id, so the store keeps one.
func TestMessageAndMentionShareEventID(t *testing.T) {
	t.Parallel()
	src := newSource(t, slack.Settings{})
	ev := slackfake.ChannelMessage("C1", "U0ANN", "1795860000.000100", "", "<@"+slackfake.BotUserID+"> /ticket broken")
	mention := slackfake.ChannelMessage("C1", "U0ANN", "1795860000.000100", "", "<@"+slackfake.BotUserID+"> /ticket broken")
	mention["type"] = "app_mention"
	var ids []string
	for i, req := range []slackfake.Request{
		slackfake.EventCallback(t, "EvA", clock, ev),
		slackfake.EventCallback(t, "EvB", clock, mention),
		slackfake.EventCallback(t, "EvA", clock, ev),
	} {
		r := signed(t, secret, clock, req.ContentType, req.Body)
		if i == 2 {
			r.Header.Set(slack.HeaderRetryNum, "1")
		}
		in, err := src.Parse(context.Background(), r, req.Body)
		if err != nil || len(in.Events) != 1 {
			t.Fatalf("delivery %d: %+v %v", i, in, err)
		}
		if in.Events[0].Text != "/ticket broken" {
			t.Fatalf("text %q: the bot mention must go", in.Events[0].Text)
		}
		ids = append(ids, in.Events[0].EventID)
	}
	if ids[0] != "C1:1795860000.000100" || ids[1] != ids[0] || ids[2] != ids[0] {
		t.Fatalf("event ids %v", ids)
	}
}

// The bot's user id comes from settings, else from the deliveries'
// authorizations; either way its own messages are dropped.
func TestBotUserFromSettings(t *testing.T) {
	t.Parallel()
	src := newSource(t, slack.Settings{BotUserID: "UMINE"})
	body := []byte(`{"type":"event_callback","event_id":"Ev1","event_time":1,"event":{"type":"message","channel":"C1","user":"UMINE","text":"hi","ts":"1.000001"}}`)
	in, err := src.Parse(context.Background(), signed(t, secret, clock, "application/json", body), body)
	if err != nil || len(in.Events) != 0 {
		t.Fatalf("own message: %+v %v", in, err)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	src := newSource(t, slack.Settings{})
	tests := map[string]struct {
		body, contentType, reason string
	}{
		"not json":           {`{"type":`, "application/json", "invalid JSON"},
		"array":              {`[1]`, "application/json", "must be a JSON object"},
		"no type":            {`{"event_id":"Ev1"}`, "application/json", "type: missing"},
		"challenge empty":    {`{"type":"url_verification"}`, "application/json", "challenge: missing"},
		"no event id":        {`{"type":"event_callback","event":{"type":"message"}}`, "application/json", "event_id: missing"},
		"no event":           {`{"type":"event_callback","event_id":"Ev1"}`, "application/json", "event: missing"},
		"event not object":   {`{"type":"event_callback","event_id":"Ev1","event":"message"}`, "application/json", "event: must be"},
		"message no channel": {`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","user":"U1","text":"x","ts":"1.2"}}`, "application/json", "event.channel: missing"},
		"message no ts":      {`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"x"}}`, "application/json", "event.ts: missing"},
		"text not string":    {`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":5,"ts":"1.2"}}`, "application/json", "text: must be string"},
		"reaction no item":   {`{"type":"event_callback","event_id":"Ev1","event":{"type":"reaction_added","user":"U1","reaction":"ticket","item":{"type":"message"}}}`, "application/json", "event.item"},
		"empty form":         {``, "application/x-www-form-urlencoded", "neither a slash command"},
		"bad form":           {`a=%zz`, "application/x-www-form-urlencoded", "invalid form"},
		"command no channel": {url.Values{"command": {"/ticket"}, "user_id": {"U1"}, "trigger_id": {"t"}}.Encode(), "application/x-www-form-urlencoded", "channel_id: missing"},
		"command no trigger": {url.Values{"command": {"/ticket"}, "user_id": {"U1"}, "channel_id": {"C1"}}.Encode(), "application/x-www-form-urlencoded", "trigger_id: missing"},
		"command no name":    {url.Values{"command": {"/"}, "user_id": {"U1"}, "channel_id": {"C1"}, "trigger_id": {"t"}}.Encode(), "application/x-www-form-urlencoded", "command: empty name"},
		"payload not json":   {url.Values{"payload": {"{"}}.Encode(), "application/x-www-form-urlencoded", "payload: invalid JSON"},
		"payload no type":    {url.Values{"payload": {"{}"}}.Encode(), "application/x-www-form-urlencoded", "payload.type: missing"},
		"shortcut no msg":    {url.Values{"payload": {`{"type":"message_action","callback_id":"create_ticket","trigger_id":"t","user":{"id":"U1"},"channel":{"id":"C1"}}`}}.Encode(), "application/x-www-form-urlencoded", "payload.message.ts: missing"},
		"button no user":     {url.Values{"payload": {`{"type":"block_actions","channel":{"id":"C1"},"actions":[{"action_id":"tb_confirm","value":"p","action_ts":"1.2"}]}`}}.Encode(), "application/x-www-form-urlencoded", "payload.user.id: missing"},
		"button no channel":  {url.Values{"payload": {`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"tb_confirm","value":"p","action_ts":"1.2"}]}`}}.Encode(), "application/x-www-form-urlencoded", "payload.channel.id: missing"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tt.body)
			_, err := src.Parse(context.Background(), signed(t, secret, clock, tt.contentType, body), body)
			if !errors.Is(err, core.ErrMalformed) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %v, want ErrMalformed with %q", err, tt.reason)
			}
		})
	}
}

func TestReactionMeta(t *testing.T) {
	t.Parallel()
	src := newSource(t, slack.Settings{Reaction: "sos"})
	body, _ := os.ReadFile("testdata/parse/reaction_added.json")
	in, err := src.Parse(context.Background(), signed(t, secret, clock, "application/json", body), body)
	if err != nil || len(in.Events) != 1 {
		t.Fatalf("%+v %v", in, err)
	}
	ev := in.Events[0]
	if ev.Meta[source.MetaReaction] != "ticket" || ev.Meta[slack.MetaTicketReaction] != false || ev.Conversation.Thread != "1795860000.000100" {
		t.Fatalf("with reaction sos, a :ticket: is not ours: %+v", ev)
	}
}
