package dingtalk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Every fixture is a robot callback body; the test signs it as DingTalk
// would, runs Verify and Parse, and compares the events with the golden
// file. Message types we do not use give [].
func TestParseGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob("testdata/parse/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 10 {
		t.Fatalf("only %d fixtures", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			src := newSource(t, settings())
			r := robotRequest(t, body)
			if err := src.Verify(r, body); err != nil {
				t.Fatal(err)
			}
			got, err := src.Parse(context.Background(), r, body)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reply == nil || got.Reply.Status != http.StatusOK || string(got.Reply.Body) != "{}" {
				t.Fatalf("reply %+v, want {} (no message posted back)", got.Reply)
			}
			events := got.Events
			if events == nil {
				events = []core.Event{}
			}
			for _, ev := range events {
				var compact bytes.Buffer
				_ = json.Compact(&compact, body)
				if !bytes.Equal(ev.Raw, compact.Bytes()) {
					t.Fatalf("raw %s is not the body", ev.Raw)
				}
			}
			out, err := json.MarshalIndent(events, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := in + ".golden"
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
}

// Event pushes, check_url first, are answered with the encrypted
// "success" and store nothing; a push whose plaintext is not an event is
// malformed.
func TestParseEventPush(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		plain   string
		wantErr error
	}{
		"check_url":     {plain: `{"EventType":"check_url"}`},
		"user_add_org":  {plain: `{"EventType":"user_add_org","UserId":["u1"],"CorpId":"ding1","TimeStamp":"1605695694141"}`},
		"chat_disband":  {plain: `{"EventType":"chat_disband","ChatId":"chat1","Operator":"u1","TimeStamp":1605695694141}`},
		"no event type": {plain: `{"foo":"bar"}`, wantErr: core.ErrMalformed},
		"not json":      {plain: `success`, wantErr: core.ErrMalformed},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := newSource(t, eventSettings())
			p := pusher(t)
			sl, err := p.Seal([]byte(tt.plain))
			if err != nil {
				t.Fatal(err)
			}
			r := pushRequest(sl)
			if err := src.Verify(r, sl.Body); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			in, err := src.Parse(context.Background(), r, sl.Body)
			if tt.wantErr != nil {
				if err == nil || !errorsIs(err, tt.wantErr) {
					t.Fatalf("Parse = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Events) != 0 || in.Reply == nil || in.Reply.Status != http.StatusOK {
				t.Fatalf("inbound %+v", in)
			}
			msg, err := p.OpenReply(in.Reply.Body)
			if err != nil || msg != "success" {
				t.Fatalf("reply opens to %q, %v", msg, err)
			}
			var rep map[string]string
			if err := json.Unmarshal(in.Reply.Body, &rep); err != nil || rep["timeStamp"] != "1795860000000" || len(rep) != 4 {
				t.Fatalf("reply %s: want msg_signature, timeStamp (the clock's ms), nonce, encrypt", in.Reply.Body)
			}
		})
	}
}

// A redelivered callback carries the same event id whatever it is
// signed with.
func TestRedeliverySameEventID(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings())
	body, err := os.ReadFile("testdata/parse/text-group.json")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		r := robotRequest(t, body)
		in, err := src.Parse(context.Background(), r, body)
		if err != nil || len(in.Events) != 1 {
			t.Fatalf("Parse = %+v, %v", in, err)
		}
		ids = append(ids, in.Events[0].EventID)
	}
	if ids[0] != ids[1] || ids[0] != "msgG1aa" {
		t.Fatalf("ids %q", ids)
	}
}
