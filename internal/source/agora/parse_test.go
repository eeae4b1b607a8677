package agora_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden is what a fixture parses to: the events (Raw checked apart) and
// the reply body.
type golden struct {
	Events []core.Event `json:"events"`
	Reply  string       `json:"reply,omitempty"`
}

// TestParseGolden parses every fixture in testdata/parse: files named
// ncs-* arrive with an NCS signature header, chat-* without.
func TestParseGolden(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings(""))
	files, err := filepath.Glob("testdata/parse/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			if strings.HasPrefix(name, "ncs-") {
				h.Set(agora.HeaderSignatureV2, "parse-does-not-check")
			}
			in, err := src.Parse(t.Context(), request(body, h), body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for _, ev := range in.Events {
				if !bytes.Equal(ev.Raw, body) {
					t.Errorf("Raw is not the body")
				}
			}
			g := golden{Events: in.Events}
			if in.Reply != nil {
				g.Reply = string(in.Reply.Body)
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			gf := f + ".golden"
			if *update {
				if err := os.WriteFile(gf, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(gf)
			if err != nil {
				t.Fatalf("golden: %v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs:\n%s", gf, got)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings(""))
	ncs := http.Header{agora.HeaderSignatureV2: {"x"}}
	cases := map[string]struct {
		body string
		h    http.Header
		want string
	}{
		"ncs not JSON":         {`{"noticeId":`, ncs, "invalid JSON"},
		"ncs trailing data":    {`{"noticeId":"a","productId":1,"eventType":101} {}`, ncs, "trailing"},
		"ncs no noticeId":      {`{"productId":1,"eventType":103,"payload":{"channelName":"c","uid":1,"ts":1}}`, ncs, "noticeId"},
		"ncs payload array":    {`{"noticeId":"a","productId":1,"eventType":103,"payload":[1]}`, ncs, "payload"},
		"ncs no channel":       {`{"noticeId":"a","productId":1,"eventType":103,"payload":{"uid":1,"ts":1}}`, ncs, "channelName"},
		"ncs no ts":            {`{"noticeId":"a","productId":1,"eventType":103,"payload":{"channelName":"c","uid":1}}`, ncs, "ts"},
		"ncs join without uid": {`{"noticeId":"a","productId":1,"eventType":103,"payload":{"channelName":"c","ts":5}}`, ncs, "uid"},
		"ncs negative uid":     {`{"noticeId":"a","productId":1,"eventType":103,"payload":{"channelName":"c","uid":-4,"ts":5}}`, ncs, "uid"},
		"ncs wrong type":       {`{"noticeId":"a","productId":1,"eventType":"103"}`, ncs, "eventType"},
		"chat not JSON":        {`callId=1`, nil, "invalid JSON"},
		"chat no callId":       {`{"eventType":"chat","timestamp":1}`, nil, "callId"},
		"chat bad timestamp":   {`{"callId":"c","eventType":"chat","timestamp":-5,"chat_type":"chat","from":"a","to":"b"}`, nil, "timestamp"},
		"chat no from":         {`{"callId":"c","eventType":"chat","timestamp":5,"chat_type":"chat","to":"b"}`, nil, "from"},
		"chat unknown type":    {`{"callId":"c","eventType":"chat","timestamp":5,"chat_type":"channel","from":"a","to":"b"}`, nil, "chat_type"},
		"chat group no id":     {`{"callId":"c","eventType":"chat","timestamp":5,"chat_type":"groupchat","from":"a"}`, nil, "group_id"},
		"chat bodies object":   {`{"callId":"c","eventType":"chat","timestamp":5,"chat_type":"chat","from":"a","payload":{"bodies":{}}}`, nil, "bodies"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := src.Parse(t.Context(), request([]byte(tc.body), tc.h), []byte(tc.body))
			if !errors.Is(err, core.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrMalformed naming %q", err, tc.want)
			}
		})
	}
}
