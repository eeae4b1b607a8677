package agora_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
	"github.com/ticketbridge/ticketbridge/internal/source/agora/agorafake"
)

func TestPostTargets(t *testing.T) {
	t.Parallel()
	fake := agorafake.New(t, appKey, clientID, clientSecret)
	src := newSource(t, settings(fake.URL()))
	cases := []struct {
		conv, target, to string
	}{
		{"user:bob", "users", "bob"},
		{"group:169432849858561", "chatgroups", "169432849858561"},
		{"room:262992375414785", "chatrooms", "262992375414785"},
	}
	for i, tc := range cases {
		ref, err := src.Post(t.Context(), core.ConversationRef{Source: "ag", Conversation: tc.conv, Thread: "ignored"},
			core.OutboundMessage{Text: "Ticket DESK-1 is resolved", Key: "k1"})
		if err != nil {
			t.Fatalf("%s: %v", tc.conv, err)
		}
		p := fake.Posts()[i]
		if p.Target != tc.target || len(p.To) != 1 || p.To[0] != tc.to || p.From != agora.DefaultChatFrom ||
			p.Type != "txt" || p.Body.Msg != "Ticket DESK-1 is resolved" || p.Ext["tb_key"] != "k1" || ref.ID != p.MsgID {
			t.Fatalf("%s: post %+v ref %+v", tc.conv, p, ref)
		}
	}
	if n := fake.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests, want 1 (cached)", n)
	}
}

func TestPostPrompt(t *testing.T) {
	t.Parallel()
	fake := agorafake.New(t, appKey, clientID, clientSecret)
	s := settings(fake.URL())
	s.ChatFrom = "support-bot"
	src := newSource(t, s)
	_, err := src.Post(t.Context(), core.ConversationRef{Conversation: "user:bob"}, core.OutboundMessage{
		Text: "Shall I open a ticket?", Prompt: &core.Prompt{Token: "tok", Confirm: "Open it", Reject: "No thanks"}})
	if err != nil {
		t.Fatal(err)
	}
	p := fake.Posts()[0]
	for _, want := range []string{"Shall I open a ticket?", "yes/是", "no/否", "Open it", "No thanks"} {
		if !strings.Contains(p.Body.Msg, want) {
			t.Errorf("prompt %q lacks %q", p.Body.Msg, want)
		}
	}
	if p.From != "support-bot" {
		t.Errorf("from %q", p.From)
	}
}

func TestPostErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		setup      func(*agorafake.Server)
		conv       string
		permanent  bool
		status     int
		retryAfter time.Duration
		message    string
	}{
		"rate limited with Retry-After": {func(f *agorafake.Server) {
			f.FailNext(agorafake.PathMessages, 1, 429, "reach_limit", "This request has reached api limit", "7")
		}, "group:1", false, 429, 7 * time.Second, "reach_limit: This request has reached api limit"},
		"rate limited without Retry-After": {func(f *agorafake.Server) {
			f.FailNext(agorafake.PathMessages, 1, 429, "reach_limit", "limit", "")
		}, "group:1", false, 429, time.Second, "reach_limit"},
		"server error": {func(f *agorafake.Server) {
			f.FailNext(agorafake.PathMessages, 1, 503, "service_unavailable", "busy", "")
		}, "user:bob", false, 503, 0, "service_unavailable: busy"},
		"unknown group": {func(f *agorafake.Server) {
			f.FailNext(agorafake.PathMessages, 1, 404, "service_resource_not_found", "group 1 does not exist", "")
		}, "group:1", true, 404, 0, "group 1 does not exist"},
		"token refused": {func(f *agorafake.Server) {
			f.FailNext(agorafake.PathToken, 1, 400, "invalid_grant", "client secret is wrong", "")
		}, "user:bob", true, 400, 0, "invalid_grant"},
		"rtc channel": {func(*agorafake.Server) {}, "support-42", true, 0, 0, "RTC channel"},
		"empty group": {func(*agorafake.Server) {}, "group:", true, 0, 0, "names no group"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := agorafake.New(t, appKey, clientID, clientSecret)
			tc.setup(fake)
			src := newSource(t, settings(fake.URL()))
			_, err := src.Post(t.Context(), core.ConversationRef{Conversation: tc.conv}, core.OutboundMessage{Text: "hi"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a CallError", err)
			}
			ra, _ := core.RetryAfterOf(err)
			if ce.Permanent != tc.permanent || ce.Status != tc.status || ra != tc.retryAfter || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("got %+v (%v)", ce, err)
			}
			if len(fake.Posts()) != 0 {
				t.Fatalf("posted anyway")
			}
		})
	}
}

// An expired app token is refreshed once on 401, and a token near its
// end is refreshed before it is used.
func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	fake := agorafake.New(t, appKey, clientID, clientSecret)
	now := clock
	src, err := agora.New("ag", settings(fake.URL()), source.Deps{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	post := func() {
		t.Helper()
		if _, err := src.Post(t.Context(), core.ConversationRef{Conversation: "user:bob"}, core.OutboundMessage{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	fake.SetExpiresIn(3600)
	post()
	fake.ExpireTokens()
	post()
	if n := fake.TokenRequests(); n != 2 {
		t.Fatalf("after 401: %d token requests, want 2", n)
	}
	posts := fake.Posts()
	if posts[0].Token != "tok-1" || posts[1].Token != "tok-2" {
		t.Fatalf("tokens %q, %q", posts[0].Token, posts[1].Token)
	}
	now = now.Add(56 * time.Minute) // within the refresh margin (6 min of 60)
	post()
	if n, tok := fake.TokenRequests(), fake.Posts()[2].Token; n != 3 || tok != "tok-3" {
		t.Fatalf("near expiry: %d token requests, token %q", n, tok)
	}
}

// A fixed chat_app_token is used as is; a 401 on it is not retried.
func TestFixedToken(t *testing.T) {
	t.Parallel()
	fake := agorafake.New(t, appKey, clientID, clientSecret)
	fake.AddToken("fixed-token")
	s := settings(fake.URL())
	s.ChatClientID, s.ChatClientSecret, s.ChatAppToken = "", "", "fixed-token"
	src := newSource(t, s)
	if err := src.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if _, err := src.Post(t.Context(), core.ConversationRef{Conversation: "user:bob"}, core.OutboundMessage{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	_, err := src.Post(t.Context(), core.ConversationRef{Conversation: "user:bob"}, core.OutboundMessage{Text: "x"})
	if !core.IsPermanent(err) || fake.TokenRequests() != 0 {
		t.Fatalf("err %v, %d token requests", err, fake.TokenRequests())
	}
	if err := src.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "chat_app_token refused") {
		t.Fatalf("Check: %v", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	fake := agorafake.New(t, appKey, clientID, clientSecret)
	if err := newSource(t, settings(fake.URL())).Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	wrong := settings(fake.URL())
	wrong.ChatClientSecret = "wrong"
	err := newSource(t, wrong).Check(t.Context())
	if err == nil || !strings.Contains(err.Error(), "cannot get an app token") || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("Check with a wrong secret: %v", err)
	}
	// No REST settings: nothing to check, and posting is refused plainly.
	ncs := newSource(t, agora.Settings{NCSSecret: ncsSecret})
	if err := ncs.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if _, err := ncs.Post(context.Background(), core.ConversationRef{Conversation: "user:x"}, core.OutboundMessage{Text: "x"}); !core.IsPermanent(err) {
		t.Fatalf("post without REST: %v", err)
	}
}
