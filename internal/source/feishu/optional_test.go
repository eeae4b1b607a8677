package feishu_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu/feishufake"
)

func TestLookupUserCached(t *testing.T) {
	t.Parallel()
	fake := feishufake.New(t, appID, appSecret)
	fake.AddUser(feishufake.User{OpenID: "ou_ann", Name: "Ann Lee", Email: "ann@example.com"})
	c := newClock()
	src := sourceOn(t, fake, c.Now)
	ctx := context.Background()
	for range 3 {
		u, err := src.LookupUser(ctx, "ou_ann")
		if err != nil || u != (core.Sender{ID: "ou_ann", Name: "Ann Lee", Email: "ann@example.com", Role: core.RoleCustomer}) {
			t.Fatalf("LookupUser = %+v, %v", u, err)
		}
	}
	if n := fake.UserRequests(); n != 1 {
		t.Fatalf("%d user requests, want 1", n)
	}
	c.Add(2 * time.Hour)
	if _, err := src.LookupUser(ctx, "ou_ann"); err != nil || fake.UserRequests() != 2 {
		t.Fatalf("after ttl: %v, %d requests", err, fake.UserRequests())
	}
	if _, err := src.LookupUser(ctx, "ou_nobody"); !core.IsPermanent(err) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestFetchThreadAndMessage(t *testing.T) {
	t.Parallel()
	fake := feishufake.New(t, appID, appSecret)
	at := clock.Add(-time.Hour)
	// A topic: the root carries the thread id.
	fake.AddMessage(feishufake.TextMessage("om_t0", "oc_1", "", "omt_1", "ou_a", "printer broken", at))
	for i, text := range []string{"which floor?", "third", "thanks"} {
		fake.AddMessage(feishufake.TextMessage("om_t"+string(rune('1'+i)), "oc_1", "om_t0", "omt_1", "ou_b", text, at.Add(time.Duration(i+1)*time.Minute)))
	}
	// Quote replies outside a topic, among other chat messages.
	fake.AddMessage(feishufake.TextMessage("om_q0", "oc_2", "", "", "ou_a", "vpn down", at))
	fake.AddMessage(feishufake.TextMessage("om_x", "oc_2", "", "", "ou_c", "unrelated", at.Add(time.Minute)))
	fake.AddMessage(feishufake.TextMessage("om_q1", "oc_2", "om_q0", "", "ou_b", "since when?", at.Add(2*time.Minute)))
	src := sourceOn(t, fake, time.Now)
	ctx := context.Background()

	texts := func(evs []core.Event) string {
		var s []string
		for _, e := range evs {
			s = append(s, e.Text)
		}
		return strings.Join(s, "|")
	}
	evs, err := src.FetchThread(ctx, core.ConversationRef{Source: "fs", Conversation: "oc_1", Thread: "om_t0"}, 10)
	if err != nil || texts(evs) != "printer broken|which floor?|third|thanks" {
		t.Fatalf("topic = %q, %v", texts(evs), err)
	}
	evs, err = src.FetchThread(ctx, core.ConversationRef{Source: "fs", Conversation: "oc_1", Thread: "om_t0"}, 2)
	if err != nil || texts(evs) != "third|thanks" {
		t.Fatalf("topic newest 2 = %q, %v", texts(evs), err)
	}
	evs, err = src.FetchThread(ctx, core.ConversationRef{Source: "fs", Conversation: "oc_2", Thread: "om_q0"}, 10)
	if err != nil || texts(evs) != "vpn down|since when?" {
		t.Fatalf("replies = %q, %v", texts(evs), err)
	}
	if evs[1].Conversation.Thread != "om_q0" || evs[1].Sender.ID != "ou_b" || evs[1].Meta[source.MetaMessageID] != "om_q1" {
		t.Fatalf("event = %+v", evs[1])
	}
	ev, err := src.FetchMessage(ctx, core.ConversationRef{Source: "fs", Conversation: "oc_2"}, "om_x")
	if err != nil || ev.Text != "unrelated" || ev.EventID != "om_x" {
		t.Fatalf("FetchMessage = %+v, %v", ev, err)
	}
	if _, err := src.FetchMessage(ctx, core.ConversationRef{}, "om_none"); !core.IsPermanent(err) {
		t.Fatalf("missing message: %v", err)
	}
}

func TestFetchAttachment(t *testing.T) {
	t.Parallel()
	fake := feishufake.New(t, appID, appSecret)
	data := strings.Repeat("%PDF-1.7 data ", 10000)
	fake.AddResource("om_file", "file_v2_def", "application/pdf", "invoice.pdf", []byte(data))
	fake.AddResource("om_json", "file_v2_js", "application/json", "", []byte(`{"code":0,"a":1}`))
	src := sourceOn(t, fake, time.Now)
	ctx := context.Background()

	// The attachment as Parse made it, on the fake's host.
	plain := feishufake.MessageEvent(vtoken, feishufake.Incoming{MessageID: "om_file", ChatID: "oc", Sender: "ou",
		MsgType: "file", Content: `{"file_key":"file_v2_def","file_name":"invoice.pdf"}`})
	r, body := delivery(t, "", clock, plain)
	in, err := src.Parse(ctx, r, body)
	if err != nil || len(in.Events) != 1 || len(in.Events[0].Attachments) != 1 {
		t.Fatalf("Parse = %+v, %v", in, err)
	}
	att := in.Events[0].Attachments[0]
	rc, info, err := src.FetchAttachment(ctx, att)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != data || info.ContentType != "application/pdf" || info.Size != int64(len(data)) || info.Name != "invoice.pdf" {
		t.Fatalf("got %d bytes, %+v", len(got), info)
	}

	jsonAtt := att
	jsonAtt.URL = fake.URL() + "/open-apis/im/v1/messages/om_json/resources/file_v2_js?type=file"
	rc, _, err = src.FetchAttachment(ctx, jsonAtt)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(rc)
	rc.Close()
	if string(got) != `{"code":0,"a":1}` {
		t.Fatalf("json file = %q", got)
	}

	missing := att
	missing.URL = strings.Replace(att.URL, "file_v2_def", "file_v2_gone", 1)
	if _, _, err := src.FetchAttachment(ctx, missing); !core.IsPermanent(err) || !strings.Contains(err.Error(), "234003") {
		t.Fatalf("missing: %v", err)
	}
	fake.FailNext(feishufake.Fault{Status: 429, Code: 99991400, Msg: "limit", Reset: 4})
	if _, _, err := src.FetchAttachment(ctx, att); func() bool { d, ok := core.RetryAfterOf(err); return !ok || d != 4*time.Second }() {
		t.Fatalf("rate limited: %v", err)
	}
	for _, u := range []string{"https://evil.example.com/open-apis/im/v1/messages/om/resources/k?type=file", "file:///etc/passwd", fake.URL() + "/open-apis/contact/v3/users/ou"} {
		bad := att
		bad.URL = u
		if _, _, err := src.FetchAttachment(ctx, bad); !core.IsPermanent(err) {
			t.Fatalf("%s: %v", u, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	fake := feishufake.New(t, appID, appSecret)
	src := sourceOn(t, fake, time.Now)
	if err := src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.FailToken(&feishufake.Fault{Code: 10014, Msg: "app secret invalid"})
	err := src.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused the app credentials") || !strings.Contains(err.Error(), "app secret invalid") {
		t.Fatalf("Check = %v", err)
	}
	if err := deadSource(t).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot reach feishu") {
		t.Fatalf("dead: %v", err)
	}
}

func TestNewSettings(t *testing.T) {
	t.Parallel()
	ok := feishu.Settings{AppID: appID, AppSecret: appSecret, VerificationToken: vtoken}
	with := func(f func(*feishu.Settings)) feishu.Settings { s := ok; f(&s); return s }
	for name, tt := range map[string]struct {
		s       feishu.Settings
		wantErr string
	}{
		"minimal": {s: ok},
		"lark":    {s: with(func(s *feishu.Settings) { s.Lark = true })},
		"full": {s: with(func(s *feishu.Settings) {
			s.EncryptKey = "k"
			s.APIURL = "http://127.0.0.1:9"
			s.Tolerance = time.Minute
		})},
		"no app_id":       {s: with(func(s *feishu.Settings) { s.AppID = "" }), wantErr: "app_id: required"},
		"no app_secret":   {s: with(func(s *feishu.Settings) { s.AppSecret = "" }), wantErr: "app_secret: required"},
		"no token":        {s: with(func(s *feishu.Settings) { s.VerificationToken = "" }), wantErr: "verification_token: required"},
		"negative window": {s: with(func(s *feishu.Settings) { s.Tolerance = -1 }), wantErr: "tolerance:"},
		"lark and url":    {s: with(func(s *feishu.Settings) { s.Lark = true; s.APIURL = "https://x" }), wantErr: "lark:"},
		"url with path":   {s: with(func(s *feishu.Settings) { s.APIURL = "https://open.feishu.cn/open-apis" }), wantErr: "api_url:"},
		"url no scheme":   {s: with(func(s *feishu.Settings) { s.APIURL = "open.feishu.cn" }), wantErr: "api_url:"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := feishu.New("fs", tt.s, source.Deps{})
			if tt.wantErr == "" {
				if err != nil || src.ID() != "fs" {
					t.Fatalf("New = %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if _, err := feishu.Factory(config.NewConnector("sources[0]", "fs", "feishu"), source.Deps{}); err == nil || !strings.Contains(err.Error(), "app_id") {
		t.Fatalf("Factory = %v", err)
	}
}
