package mattermost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost/mattermostfake"
)

var update = flag.Bool("update", false, "rewrite golden files")

// parsed is what a golden file holds.
type parsed struct {
	Events []core.Event `json:"events"`
	Raw    []string     `json:"raw,omitempty"`
	Reply  *replyView   `json:"reply,omitempty"`
}

type replyView struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
}

// fixtureRequest reads a fixture: .form is a POST form, .json a POST
// JSON body, .query a GET. Button fixtures get their context signed.
func fixtureRequest(t *testing.T, path string) mattermostfake.Request {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.TrimRight(data, "\n")
	switch filepath.Ext(path) {
	case ".form":
		return mattermostfake.Request{Method: http.MethodPost, ContentType: "application/x-www-form-urlencoded", Body: data}
	case ".query":
		q, err := url.ParseQuery(string(data))
		if err != nil {
			t.Fatal(err)
		}
		return mattermostfake.Request{Method: http.MethodGet, Query: q, Authorization: "Token " + q.Get("token")}
	}
	if bytes.Contains(data, []byte(`"SIGNATURE"`)) {
		var a struct {
			ChannelID string                   `json:"channel_id"`
			Context   mattermost.ActionContext `json:"context"`
		}
		if err := json.Unmarshal(data, &a); err != nil {
			t.Fatal(err)
		}
		sig := mattermost.ActionSignature(actionSecret, a.Context.Action, a.Context.Token, a.ChannelID, a.Context.Thread)
		data = bytes.Replace(data, []byte(`"SIGNATURE"`), []byte(`"`+sig+`"`), 1)
	}
	return mattermostfake.Request{Method: http.MethodPost, ContentType: "application/json", Body: data}
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
			fake := mattermostfake.New(t)
			seedPosts(fake)
			src := newSource(t, fake, mattermost.Settings{})
			if err := src.Check(context.Background()); err != nil { // learns the bot's name
				t.Fatal(err)
			}
			r, body := inbound(t, fixtureRequest(t, in))
			if err := src.Verify(r, body); err != nil {
				t.Fatal(err)
			}
			res, err := src.Parse(context.Background(), r, body)
			if err != nil {
				t.Fatal(err)
			}
			got := parsed{Events: res.Events}
			for _, ev := range res.Events {
				if !json.Valid(ev.Raw) {
					t.Fatalf("raw is not JSON: %q", ev.Raw)
				}
				if bytes.Contains(ev.Raw, []byte(outToken)) || bytes.Contains(ev.Raw, []byte(cmdToken)) || bytes.Contains(ev.Raw, []byte(`"secret":"`)) {
					t.Fatalf("raw keeps a secret: %s", ev.Raw)
				}
				got.Raw = append(got.Raw, string(ev.Raw))
			}
			if res.Reply != nil {
				got.Reply = &replyView{res.Reply.Status, res.Reply.ContentType, string(res.Reply.Body)}
			}
			out, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = bytes.ReplaceAll(out, []byte(fake.URL()), []byte("http://mattermost.test"))
			golden := strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(out)) {
				t.Errorf("%s differs:\n got %s\nwant %s", golden, out, want)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d fixtures", n)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	src := newSource(t, nil, mattermost.Settings{})
	cmd := func(drop string) mattermostfake.Request {
		r := mattermostfake.SlashCommand(cmdToken, "/ticket", "x", channel, annID, "ann", "trig")
		f, _ := url.ParseQuery(string(r.Body))
		f.Del(drop)
		r.Body = []byte(f.Encode())
		return r
	}
	post := mattermostfake.Post{ID: rootID, UserID: annID, ChannelID: channel, Message: "hi"}
	noChannel := post
	noChannel.ChannelID = ""
	tests := map[string]mattermostfake.Request{
		"command without trigger_id": cmd("trigger_id"),
		"command without channel":    cmd("channel_id"),
		"command without user":       cmd("user_id"),
		"outgoing without channel":   mattermostfake.Outgoing(outToken, noChannel, "ann", "", true),
		"action unknown":             actionBody(signedCtx("delete_everything", "t", channel, ""), channel),
		"action without token":       actionBody(signedCtx(core.ActionConfirm, "", channel, ""), channel),
		"not json":                   {ContentType: "application/json", Body: []byte("{nope")},
		"outgoing wrong type":        {ContentType: "application/json", Body: []byte(`{"token":"` + outToken + `","post_id":5}`)},
	}
	for name, req := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, body := inbound(t, req)
			_, err := src.Parse(context.Background(), r, body)
			if !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("Parse = %v, want ErrMalformed", err)
			}
		})
	}
}
