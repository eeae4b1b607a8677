package dingtalk_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk/dingtalkfake"
)

// deliver parses a signed robot callback, as ingress would, so that the
// source learns the conversation's session webhook.
func deliver(t *testing.T, src *dingtalk.Source, m dingtalk.RobotMessage) core.Event {
	t.Helper()
	body, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	r := robotRequest(t, body)
	if err := src.Verify(r, body); err != nil {
		t.Fatal(err)
	}
	in, err := src.Parse(context.Background(), r, body)
	if err != nil || len(in.Events) != 1 {
		t.Fatalf("Parse = %+v, %v", in, err)
	}
	return in.Events[0]
}

func TestPost(t *testing.T) {
	t.Parallel()
	type result struct {
		posts []dingtalkfake.Post
		err   error
		ref   core.PostedRef
	}
	tests := map[string]struct {
		// setup delivers callbacks and injects faults; it returns where
		// to post.
		setup func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef
		msg   core.OutboundMessage
		check func(t *testing.T, fake *dingtalkfake.Server, r result)
	}{
		"group via session webhook": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				ev := deliver(t, src, dingtalkfake.Text("cidG1", "u1", "Zhang", "m1", "help", fake.NewSession("cidG1"), clock))
				return ev.Conversation
			},
			msg: core.OutboundMessage{Text: "Ticket LOCAL-1 opened"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 1 || r.posts[0].Via != dingtalkfake.ViaSession ||
					r.posts[0].Conversation != "cidG1" || r.posts[0].Text != "Ticket LOCAL-1 opened" {
					t.Fatalf("%+v", r)
				}
				if fake.TokenRequests() != 0 {
					t.Fatal("a session webhook post needs no token")
				}
			},
		},
		"1:1 via session webhook": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				ev := deliver(t, src, dingtalkfake.Text("p2p-1", "u7", "Wang", "m1", "help", fake.NewSession("p2p-1"), clock))
				if ev.Conversation.Conversation != "user:u7" {
					t.Fatalf("conversation %q", ev.Conversation.Conversation)
				}
				return ev.Conversation
			},
			msg: core.OutboundMessage{Text: "hi"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 1 || r.posts[0].Via != dingtalkfake.ViaSession || r.posts[0].Conversation != "p2p-1" {
					t.Fatalf("%+v", r)
				}
			},
		},
		"expired session: group via robot api": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				// The webhook expired 10 minutes ago by the injected clock.
				ev := deliver(t, src, dingtalkfake.Text("cidG1", "u1", "Zhang", "m1", "help", fake.NewSession("cidG1"), clock.Add(-100*time.Minute)))
				return ev.Conversation
			},
			msg: core.OutboundMessage{Text: "resolved"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 1 || r.posts[0].Via != dingtalkfake.ViaGroup ||
					r.posts[0].Conversation != "cidG1" || r.posts[0].RobotCode != appKey || r.posts[0].MsgKey != "sampleText" ||
					r.posts[0].Text != "resolved" || r.ref.ID == "" {
					t.Fatalf("%+v", r)
				}
			},
		},
		"unknown conversation (after a restart): 1:1 via robot api": {
			setup: func(*testing.T, *dingtalk.Source, *dingtalkfake.Server) core.ConversationRef {
				return core.ConversationRef{Source: "dt", Conversation: "user:u7"}
			},
			msg: core.OutboundMessage{Text: "resolved"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 1 || r.posts[0].Via != dingtalkfake.ViaOTO ||
					len(r.posts[0].Users) != 1 || r.posts[0].Users[0] != "u7" {
					t.Fatalf("%+v", r)
				}
			},
		},
		"session refused early: robot api takes over": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				ev := deliver(t, src, dingtalkfake.Text("cidG1", "u1", "Zhang", "m1", "help", fake.NewSession("cidG1"), clock))
				fake.ExpireSessions()
				return ev.Conversation
			},
			msg: core.OutboundMessage{Text: "hello"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 1 || r.posts[0].Via != dingtalkfake.ViaGroup {
					t.Fatalf("%+v", r)
				}
				if fake.Requests(dingtalkfake.PathSession) != 1 {
					t.Fatal("the session webhook was not tried first")
				}
			},
		},
		"session webhook on a foreign host is ignored": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				ev := deliver(t, src, dingtalkfake.Text("cidG1", "u1", "Zhang", "m1", "help", "https://evil.example/robot/sendBySession?session=1", clock))
				return ev.Conversation
			},
			msg: core.OutboundMessage{Text: "hello"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 1 || r.posts[0].Via != dingtalkfake.ViaGroup {
					t.Fatalf("%+v", r)
				}
			},
		},
		"prompt as text": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				return deliver(t, src, dingtalkfake.Text("cidG1", "u1", "Zhang", "m1", "help", fake.NewSession("cidG1"), clock)).Conversation
			},
			msg: core.OutboundMessage{Text: "Shall I open a ticket?", Prompt: &core.Prompt{Token: "p1", Confirm: "Open", Reject: "Not now"}},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 1 {
					t.Fatalf("%+v", r)
				}
				txt := r.posts[0].Text
				for _, want := range []string{"Shall I open a ticket?", "回复 1", "“是”", "Open", "Not now", "2/no"} {
					if !strings.Contains(txt, want) {
						t.Fatalf("prompt %q lacks %q", txt, want)
					}
				}
			},
		},
		"invalid staff id is permanent": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				fake.SetInvalidStaff("gone")
				return core.ConversationRef{Source: "dt", Conversation: "user:gone"}
			},
			msg: core.OutboundMessage{Text: "x"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if !core.IsPermanent(r.err) || !strings.Contains(r.err.Error(), "invalid staff id gone") || len(r.posts) != 0 {
					t.Fatalf("%+v", r)
				}
			},
		},
		"expired token is refreshed once": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				conv := core.ConversationRef{Source: "dt", Conversation: "cidG1"}
				if _, err := src.Post(context.Background(), conv, core.OutboundMessage{Text: "first"}); err != nil {
					t.Fatal(err)
				}
				fake.ExpireTokens()
				return conv
			},
			msg: core.OutboundMessage{Text: "second"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 2 || fake.TokenRequests() != 2 || fake.Requests(dingtalkfake.PathGroup) != 3 {
					t.Fatalf("%+v, %d token requests, %d sends", r, fake.TokenRequests(), fake.Requests(dingtalkfake.PathGroup))
				}
			},
		},
		"token is cached": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				conv := core.ConversationRef{Source: "dt", Conversation: "cidG1"}
				for range 3 {
					if _, err := src.Post(context.Background(), conv, core.OutboundMessage{Text: "again"}); err != nil {
						t.Fatal(err)
					}
				}
				return conv
			},
			msg: core.OutboundMessage{Text: "last"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err != nil || len(r.posts) != 4 || fake.TokenRequests() != 1 {
					t.Fatalf("%+v, %d token requests", r, fake.TokenRequests())
				}
			},
		},
		"429 with Retry-After": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				fake.FailNext(dingtalkfake.PathGroup, dingtalkfake.Fault{Status: 429, RetryAfter: 7, Body: `{"code":"Throttling","message":"too many"}`})
				return core.ConversationRef{Source: "dt", Conversation: "cidG1"}
			},
			msg: core.OutboundMessage{Text: "x"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				wait, ok := core.RetryAfterOf(r.err)
				if core.IsPermanent(r.err) || !ok || wait != 7*time.Second || !strings.Contains(r.err.Error(), "too many") {
					t.Fatalf("%v (wait %s)", r.err, wait)
				}
			},
		},
		"qps limit code is transient": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				fake.FailNext(dingtalkfake.PathGroup, dingtalkfake.Fault{Status: 403, Body: `{"code":"Forbidden.AccessDenied.QpsLimitForApi","message":"qps limit"}`})
				return core.ConversationRef{Source: "dt", Conversation: "cidG1"}
			},
			msg: core.OutboundMessage{Text: "x"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if _, ok := core.RetryAfterOf(r.err); r.err == nil || core.IsPermanent(r.err) || !ok {
					t.Fatalf("%v", r.err)
				}
			},
		},
		"400 is permanent with dingtalk's message": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				fake.FailNext(dingtalkfake.PathGroup, dingtalkfake.Fault{Status: 400, Body: `{"code":"robot.not.in.group","message":"机器人不在群里"}`})
				return core.ConversationRef{Source: "dt", Conversation: "cidG1"}
			},
			msg: core.OutboundMessage{Text: "x"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if !core.IsPermanent(r.err) || !strings.Contains(r.err.Error(), "robot.not.in.group: 机器人不在群里") {
					t.Fatalf("%v", r.err)
				}
			},
		},
		"500 is transient": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				fake.FailNext(dingtalkfake.PathGroup, dingtalkfake.Fault{Status: 500, Body: `oops`})
				return core.ConversationRef{Source: "dt", Conversation: "cidG1"}
			},
			msg: core.OutboundMessage{Text: "x"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				var ce *core.CallError
				if !errors.As(r.err, &ce) || ce.Permanent || ce.Status != 500 {
					t.Fatalf("%v", r.err)
				}
			},
		},
		"session webhook busy is transient, no fallback": {
			setup: func(t *testing.T, src *dingtalk.Source, fake *dingtalkfake.Server) core.ConversationRef {
				ev := deliver(t, src, dingtalkfake.Text("cidG1", "u1", "Zhang", "m1", "help", fake.NewSession("cidG1"), clock))
				fake.FailNext(dingtalkfake.PathSession, dingtalkfake.Fault{Body: `{"errcode":-1,"errmsg":"系统繁忙"}`})
				return ev.Conversation
			},
			msg: core.OutboundMessage{Text: "x"},
			check: func(t *testing.T, fake *dingtalkfake.Server, r result) {
				if r.err == nil || core.IsPermanent(r.err) || len(r.posts) != 0 || fake.Requests(dingtalkfake.PathGroup) != 0 {
					t.Fatalf("%+v", r)
				}
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, fake := fakeSource(t)
			conv := tt.setup(t, src, fake)
			ref, err := src.Post(context.Background(), conv, tt.msg)
			tt.check(t, fake, result{posts: lastPosts(fake), err: err, ref: ref})
		})
	}
}

func lastPosts(fake *dingtalkfake.Server) []dingtalkfake.Post { return fake.Posts() }

// Without app_key there is no robot API: an expired session webhook is a
// permanent failure that says so.
func TestPostWithoutRobotAPI(t *testing.T) {
	t.Parallel()
	fake := dingtalkfake.New(t, appKey, appSecret)
	src := newSource(t, dingtalk.Settings{AppSecret: appSecret, OAPIURL: fake.URL(), APIURL: fake.URL()})
	conv := deliver(t, src, dingtalkfake.Text("cidG1", "u1", "Zhang", "m1", "help", fake.NewSession("cidG1"), clock)).Conversation
	if _, err := src.Post(context.Background(), conv, core.OutboundMessage{Text: "live"}); err != nil {
		t.Fatalf("live session: %v", err)
	}
	old := deliver(t, src, dingtalkfake.Text("cidG2", "u1", "Zhang", "m2", "help", fake.NewSession("cidG2"), clock.Add(-2*time.Hour))).Conversation
	_, err := src.Post(context.Background(), old, core.OutboundMessage{Text: "late"})
	if !core.IsPermanent(err) || !strings.Contains(err.Error(), "no live session webhook for cidG2") {
		t.Fatalf("expired session: %v", err)
	}
	if n := len(fake.Posts()); n != 1 || fake.TokenRequests() != 0 {
		t.Fatalf("%d posts, %d token requests", n, fake.TokenRequests())
	}
	if err := src.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "no app_key") {
		t.Fatalf("Check: %v", err)
	}
}
