package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/slack"
	"github.com/ticketbridge/ticketbridge/internal/source/slack/slackfake"
)

func fakeSource(t *testing.T, mutate ...func(*slack.Settings)) (*slack.Source, *slackfake.Slack) {
	t.Helper()
	fake := slackfake.New(t)
	s := slack.Settings{APIURL: fake.APIURL()}
	for _, m := range mutate {
		m(&s)
	}
	return newSource(t, s), fake
}

func TestPostThreadedWithPrompt(t *testing.T) {
	t.Parallel()
	src, fake := fakeSource(t)
	to := core.ConversationRef{Source: "sl", Conversation: "C1", Thread: "1795860000.000100"}
	ref, err := src.Post(context.Background(), to, core.OutboundMessage{
		Text:   "Shall I open a ticket? <b> & co",
		Prompt: &core.Prompt{Token: "prop-1", Confirm: "Yes, open one", Reject: "No"},
	})
	if err != nil {
		t.Fatal(err)
	}
	posts := fake.Posts()
	if len(posts) != 1 || ref.ID != posts[0].TS || ref.ID == "" {
		t.Fatalf("ref %+v posts %+v", ref, posts)
	}
	p := posts[0]
	if p.Channel != "C1" || p.ThreadTS != "1795860000.000100" || p.Text != "Shall I open a ticket? &lt;b&gt; &amp; co" {
		t.Fatalf("post %+v", p)
	}
	if len(p.Blocks) != 2 {
		t.Fatalf("%d blocks", len(p.Blocks))
	}
	var actions struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Style    string `json:"style"`
			Text     struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(p.Blocks[1], &actions); err != nil {
		t.Fatal(err)
	}
	if actions.Type != "actions" || actions.BlockID != slack.PromptBlockID || len(actions.Elements) != 2 {
		t.Fatalf("actions block %+v", actions)
	}
	c, r := actions.Elements[0], actions.Elements[1]
	if c.Type != "button" || c.ActionID != slack.ActionConfirmID || c.Value != "prop-1" || c.Text.Text != "Yes, open one" || c.Text.Type != "plain_text" ||
		r.ActionID != slack.ActionRejectID || r.Value != "prop-1" || r.Text.Text != "No" {
		t.Fatalf("buttons %+v", actions.Elements)
	}

	// No thread: a top-level message without thread_ts, and no prompt: no blocks.
	if _, err := src.Post(context.Background(), core.ConversationRef{Source: "sl", Conversation: "D1"}, core.OutboundMessage{Text: "Ticket DESK-1 opened"}); err != nil {
		t.Fatal(err)
	}
	if p := fake.Posts()[1]; p.ThreadTS != "" || p.Blocks != nil || p.Channel != "D1" {
		t.Fatalf("plain post %+v", p)
	}
}

func deadAPI(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/api"
	l.Close()
	return u
}

func TestPostErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fault      *slackfake.Fault
		setup      func(*slackfake.Slack)
		dead       bool
		permanent  bool
		wantStatus int
		wantMsg    string
		wantRetry  time.Duration
	}{
		"not in channel":       {setup: func(f *slackfake.Slack) { f.OnlyMemberOf("C2") }, permanent: true, wantMsg: "not_in_channel"},
		"channel not found":    {fault: &slackfake.Fault{Error: "channel_not_found"}, permanent: true, wantMsg: "channel_not_found"},
		"revoked token":        {setup: func(f *slackfake.Slack) { f.SetToken("xoxb-new") }, permanent: true, wantMsg: "invalid_auth"},
		"ratelimited ok:false": {fault: &slackfake.Fault{Error: "ratelimited", RetryAfter: 12}, wantMsg: "ratelimited", wantRetry: 12 * time.Second},
		"429":                  {fault: &slackfake.Fault{Status: 429, RetryAfter: 30}, wantStatus: 429, wantRetry: 30 * time.Second},
		"429 without header":   {fault: &slackfake.Fault{Status: 429}, wantStatus: 429, wantRetry: time.Second},
		"internal_error":       {fault: &slackfake.Fault{Error: "internal_error"}, wantMsg: "internal_error"},
		"503":                  {fault: &slackfake.Fault{Status: 503}, wantStatus: 503},
		"400":                  {fault: &slackfake.Fault{Status: 400}, wantStatus: 400, permanent: true},
		"unknown code":         {fault: &slackfake.Fault{Error: "msg_too_long"}, permanent: true, wantMsg: "msg_too_long"},
		"connection refused":   {dead: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, fake := fakeSource(t)
			if tt.dead {
				src = newSource(t, slack.Settings{APIURL: deadAPI(t)})
			}
			if tt.fault != nil {
				fake.Fail("chat.postMessage", *tt.fault)
			}
			if tt.setup != nil {
				tt.setup(fake)
			}
			_, err := src.Post(context.Background(), core.ConversationRef{Source: "sl", Conversation: "C1"}, core.OutboundMessage{Text: "hi"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want CallError", err)
			}
			if ce.Permanent != tt.permanent || (tt.wantStatus != 0 && ce.Status != tt.wantStatus) || !strings.Contains(ce.Message, tt.wantMsg) || ce.RetryAfter != tt.wantRetry {
				t.Fatalf("err = %+v", ce)
			}
			if len(fake.Posts()) != 0 {
				t.Fatalf("failed post recorded")
			}
		})
	}
	t.Run("retry after a 429 succeeds", func(t *testing.T) {
		t.Parallel()
		src, fake := fakeSource(t)
		fake.Fail("chat.postMessage", slackfake.Fault{Status: 429, RetryAfter: 1})
		to := core.ConversationRef{Source: "sl", Conversation: "C1"}
		if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "hi"}); err == nil {
			t.Fatal("first post should fail")
		}
		if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "hi"}); err != nil || len(fake.Posts()) != 1 || fake.Calls("chat.postMessage") != 2 {
			t.Fatalf("second post: %v, %d posts", err, len(fake.Posts()))
		}
	})
}

func TestCheck(t *testing.T) {
	t.Parallel()
	src, fake := fakeSource(t)
	if err := src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.SetToken("xoxb-rotated")
	err := src.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused the bot token") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("revoked: %v", err)
	}
	dead := newSource(t, slack.Settings{APIURL: deadAPI(t)})
	if err := dead.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("dead: %v", err)
	}
}

// auth.test teaches the source its own user id, so its own messages are
// dropped even in deliveries without authorizations.
func TestCheckLearnsBotUser(t *testing.T) {
	t.Parallel()
	src, _ := fakeSource(t)
	body := []byte(`{"type":"event_callback","event_id":"Ev1","event_time":1,"event":{"type":"message","channel":"C1","user":"` + slackfake.BotUserID + `","text":"hi","ts":"1.000001"}}`)
	in, err := src.Parse(context.Background(), signed(t, secret, clock, "application/json", body), body)
	if err != nil || len(in.Events) != 1 {
		t.Fatalf("before: %+v %v", in, err)
	}
	if err := src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	in, err = src.Parse(context.Background(), signed(t, secret, clock, "application/json", body), body)
	if err != nil || len(in.Events) != 0 {
		t.Fatalf("after: %+v %v", in, err)
	}
}

func TestLookupUserCached(t *testing.T) {
	t.Parallel()
	now := clock
	fake := slackfake.New(t)
	src, err := slack.New("sl", slack.Settings{SigningSecret: secret, BotToken: slackfake.Token, APIURL: fake.APIURL(), UserCacheTTL: time.Minute},
		sourceDeps(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	fake.AddUser(slackfake.User{ID: "U0ANN", Name: "ann", DisplayName: "Ann", RealName: "Ann Lee", Email: "ann@example.com"})
	fake.AddUser(slackfake.User{ID: "U0BOB", Name: "bob", RealName: "Bob Roe"})
	ctx := context.Background()
	u, err := src.LookupUser(ctx, "U0ANN")
	if err != nil || u != (core.Sender{ID: "U0ANN", Name: "Ann", Email: "ann@example.com", Role: core.RoleCustomer}) {
		t.Fatalf("ann = %+v %v", u, err)
	}
	if u, err := src.LookupUser(ctx, "U0BOB"); err != nil || u.Name != "Bob Roe" {
		t.Fatalf("bob = %+v %v (real name when no display name)", u, err)
	}
	if _, err := src.LookupUser(ctx, "U0ANN"); err != nil || fake.Calls("users.info") != 2 {
		t.Fatalf("cached lookup called users.info: %d calls, %v", fake.Calls("users.info"), err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := src.LookupUser(ctx, "U0ANN"); err != nil || fake.Calls("users.info") != 3 {
		t.Fatalf("expired entry not refreshed: %d calls, %v", fake.Calls("users.info"), err)
	}
	if _, err := src.LookupUser(ctx, "U0NOBODY"); !core.IsPermanent(err) || !strings.Contains(err.Error(), "user_not_found") {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := src.LookupUser(ctx, "../etc"); !core.IsPermanent(err) {
		t.Fatalf("bad id: %v", err)
	}
}

func TestFetchThreadAndMessage(t *testing.T) {
	t.Parallel()
	src, fake := fakeSource(t)
	root := "1795860000.000100"
	fake.AddMessage("C1", slackfake.Message{User: "U0ANN", Text: "the VPN is down", TS: root, ThreadTS: root})
	fake.AddMessage("C1", slackfake.Message{User: "U0OTHER", Text: "unrelated", TS: "1795860001.000100"})
	for i, txt := range []string{"since 9am", "still down", "<@U0BOB> can you look?"} {
		fake.AddMessage("C1", slackfake.Message{User: "U0ANN", Text: txt, TS: "179586001" + string(rune('0'+i)) + ".000100", ThreadTS: root})
	}
	fake.AddMessage("C1", slackfake.Message{Subtype: "channel_join", User: "U0NEW", Text: "joined", TS: "1795860015.000100", ThreadTS: root})
	ctx := context.Background()
	conv := core.ConversationRef{Source: "sl", Conversation: "C1", Thread: root}
	if _, err := src.Post(ctx, conv, core.OutboundMessage{Text: "Ticket DESK-1 opened"}); err != nil {
		t.Fatal(err)
	}
	all, err := src.FetchThread(ctx, conv, 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range all {
		got = append(got, string(ev.Sender.Role)+":"+ev.Text)
	}
	want := "customer:the VPN is down|customer:since 9am|customer:still down|customer:@U0BOB can you look?|bot:Ticket DESK-1 opened"
	if strings.Join(got, "|") != want {
		t.Fatalf("thread = %q", got)
	}
	last2, err := src.FetchThread(ctx, conv, 2)
	if err != nil || len(last2) != 2 || last2[0].Text != "@U0BOB can you look?" {
		t.Fatalf("limit 2 = %+v %v", last2, err)
	}
	if _, err := src.FetchThread(ctx, core.ConversationRef{Source: "sl", Conversation: "C9", Thread: root}, 5); !core.IsPermanent(err) {
		t.Fatalf("unknown channel: %v", err)
	}

	top, err := src.FetchMessage(ctx, core.ConversationRef{Source: "sl", Conversation: "C1"}, "1795860001.000100")
	if err != nil || top.Text != "unrelated" || top.Sender.ID != "U0OTHER" {
		t.Fatalf("top-level = %+v %v", top, err)
	}
	reply, err := src.FetchMessage(ctx, core.ConversationRef{Source: "sl", Conversation: "C1"}, "1795860011.000100")
	if err != nil || reply.Text != "still down" || reply.Conversation.Thread != root {
		t.Fatalf("reply = %+v %v", reply, err)
	}
	if _, err := src.FetchMessage(ctx, core.ConversationRef{Source: "sl", Conversation: "C1"}, "1795869999.000100"); !core.IsPermanent(err) {
		t.Fatalf("missing message: %v", err)
	}
}

func TestFetchAttachment(t *testing.T) {
	t.Parallel()
	src, fake := fakeSource(t)
	data := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	fake.AddFile("F0SHOT", "image/png", data)
	ctx := context.Background()
	a := core.Attachment{ID: "F0SHOT", Name: "shot.png", URL: fake.FileURL("F0SHOT", "shot.png")}
	rc, info, err := src.FetchAttachment(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != string(data) || info.ContentType != "image/png" || info.Size != int64(len(data)) {
		t.Fatalf("got %q %+v", got, info)
	}
	if auth := fake.DownloadAuth(); len(auth) != 1 || auth[0] != "Bearer "+slackfake.Token {
		t.Fatalf("download auth %q", auth)
	}

	tests := map[string]struct {
		url       string
		fault     *slackfake.Fault
		token     string
		permanent bool
		retry     time.Duration
		msg       string
	}{
		"foreign host":     {url: "https://evil.example.com/files-pri/x/download/a", permanent: true, msg: "not on Slack"},
		"slack lookalike":  {url: "https://files.slack.com.evil.example/x", permanent: true, msg: "not on Slack"},
		"plain http slack": {url: "http://files.slack.com/x", permanent: true, msg: "not on Slack"},
		"file scheme":      {url: "file:///etc/passwd", permanent: true, msg: "not on Slack"},
		"429":              {fault: &slackfake.Fault{Status: 429, RetryAfter: 4}, retry: 4 * time.Second},
		"404":              {url: fake.FileURL("F0NONE", "x"), permanent: true},
		"sign-in page":     {token: "xoxb-other", permanent: true, msg: "files:read"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			// Not parallel: they share the fake's recorded headers.
			if tt.fault != nil {
				fake.Fail("download", *tt.fault)
			}
			s := src
			if tt.token != "" {
				s = newSource(t, slack.Settings{APIURL: fake.APIURL(), BotToken: tt.token})
			}
			u := tt.url
			if u == "" {
				u = a.URL
			}
			before := len(fake.DownloadAuth())
			_, _, err := s.FetchAttachment(ctx, core.Attachment{ID: "x", URL: u})
			var ce *core.CallError
			if !errors.As(err, &ce) || ce.Permanent != tt.permanent || ce.RetryAfter != tt.retry || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(tt.msg, "not on Slack") && len(fake.DownloadAuth()) != before {
				t.Fatal("refused url was requested")
			}
		})
	}
}
