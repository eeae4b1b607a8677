package wecom_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom/wecomfake"
)

var to = core.ConversationRef{Source: "wc", Conversation: "zhangsan"}

func withFake(t *testing.T, mutate func(*wecom.Settings)) (*wecom.Source, *wecomfake.Server) {
	t.Helper()
	fake := wecomfake.New(t, sampleCorpID, corpSecret)
	s := settings()
	s.APIURL = fake.URL()
	if mutate != nil {
		mutate(&s)
	}
	return newSource(t, s), fake
}

func TestPostText(t *testing.T) {
	t.Parallel()
	src, fake := withFake(t, nil)
	ref, err := src.Post(context.Background(), core.ConversationRef{Source: "wc", Conversation: "zhangsan", Thread: "ignored"}, core.OutboundMessage{Text: "Ticket DESK-1 is resolved"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "second"}); err != nil {
		t.Fatal(err)
	}
	posts := fake.Posts()
	if len(posts) != 2 || ref.ID != "msg-1" {
		t.Fatalf("posts %+v ref %+v", posts, ref)
	}
	p := posts[0]
	if p.ToUser != "zhangsan" || p.AgentID != agentID || p.MsgType != "text" || p.Text.Content != "Ticket DESK-1 is resolved" {
		t.Fatalf("post %+v", p)
	}
	if n := fake.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests, want 1 (cached)", n)
	}
}

func TestPostPromptCard(t *testing.T) {
	t.Parallel()
	src, fake := withFake(t, nil)
	prompt := &core.Prompt{Token: "prop-1", Confirm: "Yes, open a ticket", Reject: "No, thanks"}
	msg := core.OutboundMessage{Text: "It sounds like a billing problem.\nShall I open a ticket?", Prompt: prompt}
	ref, err := src.Post(context.Background(), to, msg)
	if err != nil {
		t.Fatal(err)
	}
	c := fake.Posts()[0].TemplateCard
	if fake.Posts()[0].MsgType != "template_card" || c == nil || c.CardType != "button_interaction" || c.TaskID != "tb-prop-1" {
		t.Fatalf("card %+v", c)
	}
	if c.MainTitle.Title != "It sounds like a billing problem." || !strings.Contains(c.SubTitleText, "Shall I open a ticket?") {
		t.Fatalf("card text %+v / %q", c.MainTitle, c.SubTitleText)
	}
	want := []wecom.Button{
		{Text: "Yes, open a ticket", Style: 1, Key: "tb:confirm:prop-1"},
		{Text: "No, thanks", Style: 2, Key: "tb:reject:prop-1"},
	}
	if len(c.ButtonList) != 2 || c.ButtonList[0] != want[0] || c.ButtonList[1] != want[1] {
		t.Fatalf("buttons %+v", c.ButtonList)
	}
	// A retried prompt (the first answer lost) reuses the task id; WeCom
	// refuses it with 42014, which means the card is already there.
	ref2, err := src.Post(context.Background(), to, msg)
	if err != nil || ref2.ID != "tb-prop-1" || len(fake.Posts()) != 1 || ref.ID != "msg-1" {
		t.Fatalf("retry: %+v %v, %d posts", ref2, err, len(fake.Posts()))
	}

	// The button's key comes back as the click's EventKey.
	snd := newSender(t, wecom.FormatXML)
	sg, _ := snd.Seal(snd.Encode(snd.CardClick("zhangsan", c.ButtonList[1].Key, c.TaskID, clock)))
	in, err := src.Parse(context.Background(), request(sg), sg.Body)
	if err != nil || len(in.Events) != 1 || in.Events[0].Action != core.ActionReject || in.Events[0].Meta["token"] != "prop-1" {
		t.Fatalf("click: %+v %v", in, err)
	}
}

func TestPostPromptWithoutCards(t *testing.T) {
	t.Parallel()
	off := false
	src, fake := withFake(t, func(s *wecom.Settings) { s.Cards = &off })
	_, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "Shall I open a ticket?", Prompt: &core.Prompt{Token: "p", Confirm: "Yes", Reject: "No"}})
	if err != nil {
		t.Fatal(err)
	}
	p := fake.Posts()[0]
	if p.MsgType != "text" || !strings.HasPrefix(p.Text.Content, "Shall I open a ticket?") ||
		!strings.Contains(p.Text.Content, "1/是") || !strings.Contains(p.Text.Content, "2/否") {
		t.Fatalf("post %+v", p)
	}
}

func TestPostTokenRefresh(t *testing.T) {
	t.Parallel()
	for name, expire := range map[string]func(*wecomfake.Server){
		"42001 expired": (*wecomfake.Server).ExpireTokens,
		"40014 revoked": (*wecomfake.Server).RevokeTokens,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, fake := withFake(t, nil)
			if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "one"}); err != nil {
				t.Fatal(err)
			}
			expire(fake)
			if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "two"}); err != nil {
				t.Fatalf("after expiry: %v", err)
			}
			if n := fake.TokenRequests(); n != 2 || len(fake.Posts()) != 2 {
				t.Fatalf("%d token requests, %d posts", n, len(fake.Posts()))
			}
		})
	}
	t.Run("refreshed before expiry", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		now := clock
		fake := wecomfake.New(t, sampleCorpID, corpSecret)
		fake.SetExpiresIn(600)
		s := settings()
		s.APIURL = fake.URL()
		src, err := wecom.New("wc", s, source.Deps{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
		if err != nil {
			t.Fatal(err)
		}
		post := func() {
			if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		post()
		mu.Lock()
		now = now.Add(8 * time.Minute) // inside the 600 s, before the margin
		mu.Unlock()
		post()
		if n := fake.TokenRequests(); n != 1 {
			t.Fatalf("%d token requests at 8 min", n)
		}
		mu.Lock()
		now = now.Add(1*time.Minute + 30*time.Second) // within a tenth of expiry
		mu.Unlock()
		post()
		if n := fake.TokenRequests(); n != 2 {
			t.Fatalf("%d token requests near expiry, want a refresh", n)
		}
	})
}

func TestPostErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		path      string
		errcode   int
		status    int
		n         int
		secret    string
		permanent bool
		retry     time.Duration
		msg       string
	}{
		"rate limit 45009":    {path: wecomfake.PathSend, n: 1, errcode: 45009, retry: time.Minute, msg: "errcode 45009"},
		"concurrency 45033":   {path: wecomfake.PathSend, n: 1, errcode: 45033, retry: time.Minute, msg: "errcode 45033"},
		"busy -1":             {path: wecomfake.PathSend, n: 1, errcode: -1, retry: 5 * time.Second},
		"unknown user 81013":  {path: wecomfake.PathSend, n: 1, errcode: 81013, permanent: true, msg: "errcode 81013"},
		"no privilege 60011":  {path: wecomfake.PathSend, n: 1, errcode: 60011, permanent: true},
		"http 502":            {path: wecomfake.PathSend, n: 1, status: 502},
		"token twice expired": {path: wecomfake.PathSend, n: 2, errcode: 42001, msg: "errcode 42001"},
		"bad secret":          {secret: "wrong", permanent: true, msg: "errcode 40001"},
		"token rate limited":  {path: wecomfake.PathToken, n: 1, errcode: 45009, retry: time.Minute},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, fake := withFake(t, func(s *wecom.Settings) {
				if tt.secret != "" {
					s.CorpSecret = tt.secret
				}
			})
			if tt.n > 0 {
				fake.FailNext(tt.path, tt.n, tt.errcode, "injected", tt.status)
			}
			_, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "hi"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want CallError", err)
			}
			if ce.Permanent != tt.permanent || ce.RetryAfter != tt.retry || !strings.Contains(ce.Message, tt.msg) {
				t.Fatalf("CallError = %+v", ce)
			}
			if strings.Contains(err.Error(), "tok-") || strings.Contains(err.Error(), corpSecret) {
				t.Fatalf("error leaks a credential: %v", err)
			}
			if len(fake.Posts()) != 0 {
				t.Fatal("a failed post was recorded")
			}
			if tt.secret == "" {
				if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "hi"}); err != nil {
					t.Fatalf("after the fault: %v", err)
				}
			}
		})
	}
}

func TestLookupUserCached(t *testing.T) {
	t.Parallel()
	src, fake := withFake(t, nil)
	fake.SetUser(wecomfake.User{UserID: "zhangsan", Name: "张三", Email: "zhangsan@example.com"})
	for range 3 {
		u, err := src.LookupUser(context.Background(), "zhangsan")
		if err != nil || u.Name != "张三" || u.Email != "zhangsan@example.com" || u.ID != "zhangsan" {
			t.Fatalf("LookupUser = %+v, %v", u, err)
		}
	}
	if n := fake.Requests(wecomfake.PathUser); n != 1 {
		t.Fatalf("%d user/get calls, want 1", n)
	}
	_, err := src.LookupUser(context.Background(), "nobody")
	if !core.IsPermanent(err) || !strings.Contains(err.Error(), "60111") {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestFetchAttachment(t *testing.T) {
	t.Parallel()
	src, fake := withFake(t, nil)
	data := strings.Repeat("\x89PNG-bytes", 1000)
	fake.SetMedia("media-1", wecomfake.Media{ContentType: "image/png", FileName: "screen.png", Data: []byte(data)})
	// An expired token on the first try is refreshed transparently.
	if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "warm the token"}); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	rc, info, err := src.FetchAttachment(context.Background(), core.Attachment{ID: "media-1", Name: "image.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != data || info.ContentType != "image/png" || info.Name != "screen.png" || info.Size != int64(len(data)) {
		t.Fatalf("got %d bytes, %+v", len(got), info)
	}
	_, _, err = src.FetchAttachment(context.Background(), core.Attachment{ID: "gone"})
	if !core.IsPermanent(err) || !strings.Contains(err.Error(), "40007") {
		t.Fatalf("unknown media: %v", err)
	}
	fake.FailNext(wecomfake.PathMedia, 1, 0, "", http.StatusServiceUnavailable)
	_, _, err = src.FetchAttachment(context.Background(), core.Attachment{ID: "media-1"})
	if err == nil || core.IsPermanent(err) {
		t.Fatalf("503: %v", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	src, _ := withFake(t, nil)
	if err := src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	bad, _ := withFake(t, func(s *wecom.Settings) { s.CorpSecret = "wrong" })
	if err := bad.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "corp_secret") {
		t.Fatalf("Check = %v", err)
	}
}
