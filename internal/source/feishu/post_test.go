package feishu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu/feishufake"
)

// movableClock is a clock tests move forward.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movableClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *movableClock               { return &movableClock{t: clock} }
func sourceOn(t *testing.T, fake *feishufake.Server, now func() time.Time) *feishu.Source {
	t.Helper()
	src, err := feishu.New("fs", feishu.Settings{AppID: appID, AppSecret: appSecret, VerificationToken: vtoken, APIURL: fake.URL()},
		source.Deps{Now: now, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestPost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("text to chat, reply in thread, card with buttons, uuid", func(t *testing.T) {
		t.Parallel()
		fake := feishufake.New(t, appID, appSecret)
		fake.SetClock(fixedNow)
		src := sourceOn(t, fake, fixedNow)
		ref, err := src.Post(ctx, core.ConversationRef{Source: "fs", Conversation: "oc_1"}, core.OutboundMessage{Text: "hello", Key: "k1"})
		if err != nil || ref.ID != "om_fake_1" {
			t.Fatalf("Post = %+v, %v", ref, err)
		}
		to := core.ConversationRef{Source: "fs", Conversation: "oc_1", Thread: "om_root"}
		prompt := &core.Prompt{Token: "prop-1", Confirm: "Yes, open", Reject: "No"}
		longKey := strings.Repeat("notify-", 12)
		if _, err := src.Post(ctx, to, core.OutboundMessage{Text: "Open a ticket?", Prompt: prompt, Key: longKey}); err != nil {
			t.Fatal(err)
		}
		// The same key again is the same message.
		again, err := src.Post(ctx, to, core.OutboundMessage{Text: "Open a ticket?", Prompt: prompt, Key: longKey})
		if err != nil || again.ID != "om_fake_2" {
			t.Fatalf("redelivery = %+v, %v", again, err)
		}
		posts := fake.Posts()
		if len(posts) != 2 {
			t.Fatalf("%d posts", len(posts))
		}
		p0, p1 := posts[0], posts[1]
		if p0.ReplyTo != "" || p0.ReceiveID != "oc_1" || p0.MsgType != "text" || p0.Text() != "hello" || p0.UUID != "k1" {
			t.Fatalf("post 0 = %+v", p0)
		}
		if p1.ReplyTo != "om_root" || p1.MsgType != "interactive" || p1.Text() != "Open a ticket?" || len(p1.UUID) > 50 || p1.UUID == "" {
			t.Fatalf("post 1 = %+v", p1)
		}
		b := p1.Buttons()
		want := []map[string]string{
			{feishu.ValueAction: "confirm", feishu.ValueToken: "prop-1", feishu.ValueChat: "oc_1", feishu.ValueThread: "om_root"},
			{feishu.ValueAction: "reject", feishu.ValueToken: "prop-1", feishu.ValueChat: "oc_1", feishu.ValueThread: "om_root"},
		}
		if len(b) != 2 || !sameMap(b[0], want[0]) || !sameMap(b[1], want[1]) || !strings.Contains(p1.Content, "Yes, open") {
			t.Fatalf("buttons = %v in %s", b, p1.Content)
		}
		if n := fake.TokenRequests(); n != 1 {
			t.Fatalf("%d token requests, want 1 (cached)", n)
		}
	})

	t.Run("token refreshed 3 minutes before expiry", func(t *testing.T) {
		t.Parallel()
		fake := feishufake.New(t, appID, appSecret)
		c := newClock()
		fake.SetClock(c.Now)
		fake.SetExpire(600)
		src := sourceOn(t, fake, c.Now)
		to := core.ConversationRef{Conversation: "oc_1"}
		post := func() {
			t.Helper()
			if _, err := src.Post(ctx, to, core.OutboundMessage{Text: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		post()
		c.Add(6 * time.Minute) // 4 minutes left: still used
		post()
		if n := fake.TokenRequests(); n != 1 {
			t.Fatalf("%d token requests before the early window", n)
		}
		c.Add(90 * time.Second) // 2.5 minutes left: replaced
		post()
		if n := fake.TokenRequests(); n != 2 {
			t.Fatalf("%d token requests, want 2", n)
		}
		posts := fake.Posts()
		if posts[0].Token == posts[2].Token {
			t.Fatalf("token not replaced: %s", posts[2].Token)
		}
	})

	t.Run("revoked token is replaced once", func(t *testing.T) {
		t.Parallel()
		fake := feishufake.New(t, appID, appSecret)
		src := sourceOn(t, fake, time.Now)
		to := core.ConversationRef{Conversation: "oc_1"}
		if _, err := src.Post(ctx, to, core.OutboundMessage{Text: "a"}); err != nil {
			t.Fatal(err)
		}
		fake.RevokeTokens()
		if _, err := src.Post(ctx, to, core.OutboundMessage{Text: "b"}); err != nil {
			t.Fatalf("after revoke: %v", err)
		}
		if n, p := fake.TokenRequests(), len(fake.Posts()); n != 2 || p != 2 {
			t.Fatalf("%d token requests, %d posts", n, p)
		}
	})

	tests := map[string]struct {
		faults     []feishufake.Fault
		tokenFail  *feishufake.Fault
		dead       bool
		permanent  bool
		wantStatus int
		wantRetry  time.Duration
		wantMsg    string
	}{
		"rate limit 429":           {faults: []feishufake.Fault{{Status: 429, Code: 99991400, Msg: "request trigger frequency limit", Reset: 7}}, wantStatus: 429, wantRetry: 7 * time.Second, wantMsg: "99991400"},
		"rate limit old style 400": {faults: []feishufake.Fault{{Status: 400, Code: 99991400, Msg: "request trigger frequency limit", Reset: 3}}, wantStatus: 400, wantRetry: 3 * time.Second},
		"send frequency 11232":     {faults: []feishufake.Fault{{Status: 200, Code: 11232, Msg: "frequency limit"}}, wantStatus: 200, wantRetry: time.Second},
		"no permission":            {faults: []feishufake.Fault{{Status: 400, Code: 99991672, Msg: "Access denied. One of the following scopes is required: [im:message]"}}, permanent: true, wantStatus: 400, wantMsg: "im:message"},
		"bot not in chat on 200":   {faults: []feishufake.Fault{{Status: 200, Code: 230002, Msg: "Bot/User can NOT be out of the chat."}}, permanent: true, wantStatus: 200, wantMsg: "230002"},
		"server error":             {faults: []feishufake.Fault{{Status: 500, Code: 1, Msg: "internal error"}}, wantStatus: 500},
		"token twice invalid":      {faults: []feishufake.Fault{{Status: 400, Code: 99991663, Msg: "invalid token"}, {Status: 400, Code: 99991663, Msg: "invalid token"}}, wantStatus: 400, wantMsg: "99991663"},
		"bad app secret":           {tokenFail: &feishufake.Fault{Code: 10014, Msg: "app secret invalid"}, permanent: true, wantStatus: 200, wantMsg: "app secret invalid"},
		"connection refused":       {dead: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := feishufake.New(t, appID, appSecret)
			fake.FailNext(tt.faults...)
			fake.FailToken(tt.tokenFail)
			src := sourceOn(t, fake, time.Now)
			if tt.dead {
				src = deadSource(t)
			}
			_, err := src.Post(ctx, core.ConversationRef{Conversation: "oc_1"}, core.OutboundMessage{Text: "x"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want CallError", err)
			}
			if ce.Permanent != tt.permanent || ce.Status != tt.wantStatus || ce.RetryAfter != tt.wantRetry || !strings.Contains(ce.Message, tt.wantMsg) {
				t.Fatalf("CallError = %+v", ce)
			}
		})
	}
	t.Run("token fault then recovery", func(t *testing.T) {
		t.Parallel()
		fake := feishufake.New(t, appID, appSecret)
		fake.FailNext(feishufake.Fault{Status: 400, Code: 99991663, Msg: "invalid token"})
		src := sourceOn(t, fake, time.Now)
		if _, err := src.Post(ctx, core.ConversationRef{Conversation: "oc_1"}, core.OutboundMessage{Text: "x"}); err != nil {
			t.Fatal(err)
		}
		if fake.TokenRequests() != 2 {
			t.Fatalf("%d token requests", fake.TokenRequests())
		}
	})
}

func deadSource(t *testing.T) *feishu.Source {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	src, err := feishu.New("fs", feishu.Settings{AppID: appID, AppSecret: appSecret, VerificationToken: vtoken, APIURL: u}, source.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func sameMap(a, b map[string]string) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
