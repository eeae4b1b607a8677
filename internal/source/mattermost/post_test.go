package mattermost_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost/mattermostfake"
)

func TestPostInThread(t *testing.T) {
	t.Parallel()
	fake := mattermostfake.New(t)
	seedPosts(fake)
	src := newSource(t, fake, mattermost.Settings{})
	ref, err := src.Post(context.Background(), core.ConversationRef{Source: "mm", Conversation: channel, Thread: rootID}, core.OutboundMessage{Text: "Ticket T-1 opened"})
	if err != nil {
		t.Fatal(err)
	}
	posts := fake.Posts()
	if len(posts) != 1 || posts[0].ID != ref.ID || posts[0].RootID != rootID || posts[0].ChannelID != channel || posts[0].Message != "Ticket T-1 opened" {
		t.Fatalf("posts %+v ref %+v", posts, ref)
	}
}

// A thread guessed from a reply's own id is corrected to its root.
func TestPostCorrectsReplyRoot(t *testing.T) {
	t.Parallel()
	fake := mattermostfake.New(t)
	seedPosts(fake)
	src := newSource(t, fake, mattermost.Settings{})
	if _, err := src.Post(context.Background(), core.ConversationRef{Conversation: channel, Thread: replyID}, core.OutboundMessage{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if posts := fake.Posts(); len(posts) != 1 || posts[0].RootID != rootID || fake.Calls(mattermostfake.RouteCreate) != 2 {
		t.Fatalf("posts %+v, %d creates", posts, fake.Calls(mattermostfake.RouteCreate))
	}
}

// The prompt's buttons call our hook with a context that Verify accepts
// and Parse turns into the answer; the same context pressed into another
// channel is refused.
func TestPromptButtonsRoundTrip(t *testing.T) {
	t.Parallel()
	fake := mattermostfake.New(t)
	seedPosts(fake)
	src := newSource(t, fake, mattermost.Settings{})
	to := core.ConversationRef{Source: "mm", Conversation: channel, Thread: rootID}
	if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "Open a ticket?", Prompt: &core.Prompt{Token: "prop-7", Confirm: "Yes, open", Reject: "No"}}); err != nil {
		t.Fatal(err)
	}
	p := fake.Posts()[0]
	acts := p.Actions()
	if len(acts) != 2 || acts[0].Name != "Yes, open" || acts[0].Integration.URL != publicURL+"/hooks/im/mm" {
		t.Fatalf("actions %+v", acts)
	}
	for _, tc := range []struct{ id, want string }{{mattermost.ButtonConfirm, core.ActionConfirm}, {mattermost.ButtonReject, core.ActionReject}} {
		req, err := mattermostfake.Press(p, tc.id, annID, "ann")
		if err != nil {
			t.Fatal(err)
		}
		r, body := inbound(t, req)
		if err := src.Verify(r, body); err != nil {
			t.Fatalf("%s: Verify: %v", tc.id, err)
		}
		in, err := src.Parse(context.Background(), r, body)
		if err != nil || len(in.Events) != 1 {
			t.Fatalf("%s: Parse: %v %+v", tc.id, err, in)
		}
		ev := in.Events[0]
		if ev.Action != tc.want || ev.Meta[mattermost.MetaToken] != "prop-7" || ev.Conversation != to {
			t.Fatalf("%s: event %+v", tc.id, ev)
		}
	}
	moved := p
	moved.ChannelID = "otherchan00000000000000001"
	req, _ := mattermostfake.Press(moved, mattermost.ButtonConfirm, annID, "ann")
	r, body := inbound(t, req)
	if err := src.Verify(r, body); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("moved context: %v", err)
	}
}

func TestPromptAsTextWithoutButtons(t *testing.T) {
	t.Parallel()
	fake := mattermostfake.New(t)
	src := newSource(t, fake, mattermost.Settings{ActionSecret: noButtons})
	if _, err := src.Post(context.Background(), core.ConversationRef{Conversation: channel}, core.OutboundMessage{Text: "Open a ticket?", Prompt: &core.Prompt{Token: "p"}}); err != nil {
		t.Fatal(err)
	}
	p := fake.Posts()[0]
	if len(p.Actions()) != 0 || !strings.Contains(p.Message, "Reply **yes**") {
		t.Fatalf("post %+v", p)
	}
}

func TestPostErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fault      *mattermostfake.Fault
		token      string
		notMember  bool
		permanent  bool
		retryAfter time.Duration
		message    string
	}{
		"forbidden":          {notMember: true, permanent: true, message: "api.context.permissions.app_error"},
		"revoked token":      {token: "othertoken", permanent: true, message: "Invalid or expired session"},
		"rate limited reset": {fault: &mattermostfake.Fault{Status: 429, RateReset: 7}, retryAfter: 7 * time.Second, message: "limit exceeded"},
		"rate limited retry": {fault: &mattermostfake.Fault{Status: 429, RetryAfter: 3, RateReset: 9}, retryAfter: 3 * time.Second},
		"server error":       {fault: &mattermostfake.Fault{Status: 500, ID: "app.post.save.app_error", Message: "Unable to save the post."}, message: "Unable to save the post. (app.post.save.app_error)"},
		"bad request":        {fault: &mattermostfake.Fault{Status: 400, ID: "model.post.is_valid.msg.app_error", Message: "Invalid message."}, permanent: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := mattermostfake.New(t)
			if tc.fault != nil {
				fake.Fail(mattermostfake.RouteCreate, *tc.fault)
			}
			if tc.token != "" {
				fake.SetToken(tc.token)
			}
			if tc.notMember {
				fake.OnlyMemberOf("elsewhere0000000000000001a")
			}
			src := newSource(t, fake, mattermost.Settings{})
			_, err := src.Post(context.Background(), core.ConversationRef{Conversation: channel}, core.OutboundMessage{Text: "x"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v", err)
			}
			if ce.Permanent != tc.permanent || ce.RetryAfter != tc.retryAfter || !strings.Contains(ce.Message, tc.message) {
				t.Fatalf("CallError %+v", ce)
			}
		})
	}
}

func TestOptionalCapabilities(t *testing.T) {
	t.Parallel()
	fake := mattermostfake.New(t)
	seedPosts(fake)
	fake.AddUser(mattermostfake.User{ID: annID, Username: "ann", FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"})
	src := newSource(t, fake, mattermost.Settings{})
	ctx := context.Background()

	for range 2 {
		u, err := src.LookupUser(ctx, annID)
		if err != nil || u.Name != "Ann Lee" || u.Email != "ann@example.com" || u.Role != core.RoleCustomer {
			t.Fatalf("LookupUser %+v %v", u, err)
		}
	}
	if n := fake.Calls(mattermostfake.RouteUser); n != 1 {
		t.Fatalf("%d user calls, want 1 (cached)", n)
	}
	if _, err := src.LookupUser(ctx, "nobody00000000000000000001"); !core.IsPermanent(err) {
		t.Fatalf("unknown user: %v", err)
	}

	if _, err := src.Post(ctx, core.ConversationRef{Conversation: channel, Thread: rootID}, core.OutboundMessage{Text: "Ticket T-1 opened"}); err != nil {
		t.Fatal(err)
	}
	thread, err := src.FetchThread(ctx, core.ConversationRef{Conversation: channel, Thread: rootID}, 10)
	if err != nil || len(thread) != 3 {
		t.Fatalf("FetchThread %+v %v", thread, err)
	}
	if thread[0].EventID != rootID || thread[1].EventID != replyID || thread[2].Sender.Role != core.RoleBot || thread[1].Conversation.Thread != rootID {
		t.Fatalf("thread order/roles %+v", thread)
	}
	if last, _ := src.FetchThread(ctx, core.ConversationRef{Conversation: channel, Thread: rootID}, 1); len(last) != 1 || last[0].Sender.Role != core.RoleBot {
		t.Fatalf("limit 1: %+v", last)
	}

	msg, err := src.FetchMessage(ctx, core.ConversationRef{Conversation: channel}, replyID)
	if err != nil || msg.Text != "/ticket printer on floor 3" || msg.Conversation.Thread != rootID {
		t.Fatalf("FetchMessage %+v %v", msg, err)
	}

	body, att, err := src.FetchAttachment(ctx, core.Attachment{ID: fileID, URL: "https://evil.example/steal"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(body)
	body.Close()
	if string(data) != "\x89PNG fake image bytes" || att.Name != "screenshot.png" || att.ContentType != "image/png" || att.Size != int64(len(data)) || !strings.HasPrefix(att.URL, fake.URL()) {
		t.Fatalf("attachment %+v %q", att, data)
	}
	if _, _, err := src.FetchAttachment(ctx, core.Attachment{ID: "missing0000000000000000001"}); !core.IsPermanent(err) {
		t.Fatalf("missing file: %v", err)
	}

	if err := src.Check(ctx); err != nil {
		t.Fatal(err)
	}
	fake.SetToken("revoked")
	if err := src.Check(ctx); err == nil || !strings.Contains(err.Error(), "refused the bot token") {
		t.Fatalf("Check with revoked token: %v", err)
	}
}

func TestCheckUnreachable(t *testing.T) {
	t.Parallel()
	src := newSource(t, nil, mattermost.Settings{URL: "http://127.0.0.1:1"})
	if err := src.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("Check: %v", err)
	}
}

func TestNewSettings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		s       mattermost.Settings
		wantErr string
	}{
		"minimal outgoing": {s: mattermost.Settings{URL: "https://chat.example.com", BotToken: "t", OutgoingToken: outToken}},
		"full":             {s: mattermost.Settings{URL: "https://chat.example.com/", BotToken: "t", OutgoingToken: outToken, CommandTokens: []string{cmdToken}, ActionSecret: actionSecret, PublicURL: publicURL, BotUserID: annID, UserCacheTTL: time.Minute}},
		"no url":           {s: mattermost.Settings{BotToken: "t", OutgoingToken: outToken}, wantErr: "url: required"},
		"bad url":          {s: mattermost.Settings{URL: "chat.example.com", BotToken: "t", OutgoingToken: outToken}, wantErr: "url: must be"},
		"no bot token":     {s: mattermost.Settings{URL: "https://c", OutgoingToken: outToken}, wantErr: "bot_token: required"},
		"no inbound token": {s: mattermost.Settings{URL: "https://c", BotToken: "t"}, wantErr: "outgoing_token: required"},
		"short token":      {s: mattermost.Settings{URL: "https://c", BotToken: "t", CommandToken: "abc"}, wantErr: "command_token: too short"},
		"empty in list":    {s: mattermost.Settings{URL: "https://c", BotToken: "t", OutgoingTokens: []string{""}}, wantErr: "outgoing_tokens[0]: empty"},
		"secret no url":    {s: mattermost.Settings{URL: "https://c", BotToken: "t", OutgoingToken: outToken, ActionSecret: actionSecret}, wantErr: "public_url: required"},
		"url no secret":    {s: mattermost.Settings{URL: "https://c", BotToken: "t", OutgoingToken: outToken, PublicURL: publicURL}, wantErr: "action_secret: required"},
		"short secret":     {s: mattermost.Settings{URL: "https://c", BotToken: "t", OutgoingToken: outToken, PublicURL: publicURL, ActionSecret: "short"}, wantErr: "action_secret: must be at least"},
		"bad bot user":     {s: mattermost.Settings{URL: "https://c", BotToken: "t", OutgoingToken: outToken, BotUserID: "U1"}, wantErr: "bot_user_id:"},
		"negative ttl":     {s: mattermost.Settings{URL: "https://c", BotToken: "t", OutgoingToken: outToken, UserCacheTTL: -1}, wantErr: "user_cache_ttl:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := mattermost.New("mm", tc.s, sourceDeps())
			if tc.wantErr == "" && err != nil {
				t.Fatalf("New: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)) {
				t.Fatalf("New = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

var _ = http.MethodGet
