package mattermost_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost/mattermostfake"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// e2e is a whole ticketbridge with a Mattermost source "mm" pointed at a
// fake server, the local desk "desk", and one route.
type e2e struct {
	t    *testing.T
	app  *app.App
	srv  *httptest.Server
	fake *mattermostfake.Server
}

func startApp(t *testing.T, trigger config.Trigger) *e2e {
	t.Helper()
	fake := mattermostfake.New(t)
	cfg := config.Default(t.TempDir())
	src := config.NewConnector("sources[0]", "mm", mattermost.Type)
	src.Set("url", fake.URL())
	src.Set("bot_token", mattermostfake.Token)
	src.Set("outgoing_token", outToken)
	src.Set("command_token", cmdToken)
	src.Set("action_secret", actionSecret)
	src.Set("public_url", publicURL)
	cfg.Sources = []config.Connector{src}
	cfg.Routes[0].Sources = []string{"mm"}
	cfg.Routes[0].Trigger = trigger
	cfg.WithDefaults()
	if ps := cfg.Validate(); len(ps) > 0 {
		t.Fatalf("test config: %v", ps)
	}
	a, err := app.New(t.Context(), cfg, app.Options{Store: teststore.SQLite(t), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &e2e{t: t, app: a, srv: srv, fake: fake}
}

func (h *e2e) send(req mattermostfake.Request) string {
	h.t.Helper()
	resp, err := mattermostfake.Send(h.t.Context(), h.srv.URL, "mm", req)
	if err != nil {
		h.t.Fatalf("send: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("send: %s %s", resp.Status, body)
	}
	return string(body)
}

func (h *e2e) tickets() []store.DeskTicket {
	h.t.Helper()
	ts, err := h.app.Store.DeskList(h.t.Context(), "", 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return ts
}

// "/ticket …" written as a reply in a thread reaches ticketbridge through
// the outgoing webhook: a ticket opens on the desk, the bot says so in
// the thread (under the thread's root), a redelivery changes nothing,
// and solving the ticket reaches the same thread as "resolved".
func TestEndToEndThreadTicketResolved(t *testing.T) {
	h := startApp(t, config.Trigger{Command: "ticket"})
	root := h.fake.Say(channel, annID, "", "the printer on floor 3 smells of smoke")
	reply := h.fake.Say(channel, annID, root.ID, "/ticket printer on floor 3 is on fire")
	req := mattermostfake.Outgoing(outToken, reply, "ann", "", false)
	h.send(req)
	if got := h.send(req); !strings.Contains(got, `"duplicates":1`) {
		t.Fatalf("redelivery answer %s", got)
	}
	posts := h.fake.WaitPosts(1, 15*time.Second)
	ts := h.tickets()
	if len(posts) < 1 || len(ts) != 1 || !strings.Contains(ts[0].Title, "printer on floor 3") {
		t.Fatalf("posts %+v tickets %+v", posts, ts)
	}
	if p := posts[0]; p.ChannelID != channel || p.RootID != root.ID || !strings.Contains(p.Message, ts[0].Key) {
		t.Fatalf("created notice %+v", p)
	}
	if _, err := h.app.Desk.SetStatus(t.Context(), ts[0].Key, "solved"); err != nil {
		t.Fatal(err)
	}
	posts = h.fake.WaitPosts(2, 15*time.Second)
	if len(posts) < 2 {
		t.Fatalf("no status notice; posts %+v", posts)
	}
	if p := posts[1]; p.ChannelID != channel || p.RootID != root.ID || !strings.Contains(p.Message, "resolved") {
		t.Fatalf("status notice %+v", p)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(h.fake.Posts()); n != 2 || len(h.tickets()) != 1 {
		t.Fatalf("%d posts, %d tickets", n, len(h.tickets()))
	}
}

// The slash command opens a ticket and is acknowledged ephemerally.
func TestEndToEndSlashCommand(t *testing.T) {
	h := startApp(t, config.Trigger{Command: "ticket"})
	got := h.send(mattermostfake.SlashCommand(cmdToken, "/ticket", "VPN drops every hour", channel, annID, "ann", "trig-e2e"))
	if !strings.Contains(got, `"response_type":"ephemeral"`) {
		t.Fatalf("command answer %s", got)
	}
	posts := h.fake.WaitPosts(1, 15*time.Second)
	ts := h.tickets()
	if len(ts) != 1 || len(posts) != 1 || posts[0].ChannelID != channel || !strings.Contains(posts[0].Message, ts[0].Key) {
		t.Fatalf("tickets %+v posts %+v", ts, posts)
	}
}

// A complaint gets a prompt with real buttons in its thread; pressing
// the confirm button (Mattermost posting the button's context back)
// creates the ticket.
func TestEndToEndPromptButtonConfirms(t *testing.T) {
	h := startApp(t, config.Trigger{RulePack: "default", Confirm: true, Command: "ticket"})
	msg := h.fake.Say(channel, annID, "", "I was charged twice for order 1042 and want my money back")
	h.send(mattermostfake.Outgoing(outToken, msg, "ann", "", true))
	posts := h.fake.WaitPosts(1, 15*time.Second)
	if len(posts) != 1 || posts[0].RootID != msg.ID || len(posts[0].Actions()) != 2 {
		t.Fatalf("prompt %+v", posts)
	}
	if u := posts[0].Actions()[0].Integration.URL; u != publicURL+"/hooks/im/mm" {
		t.Fatalf("button url %s", u)
	}
	if len(h.tickets()) != 0 {
		t.Fatal("ticket before the answer")
	}
	press, err := mattermostfake.Press(posts[0], mattermost.ButtonConfirm, annID, "ann")
	if err != nil {
		t.Fatal(err)
	}
	press.URL = "" // public_url is not this test server: send to its hook
	if got := h.send(press); !strings.Contains(got, "ephemeral_text") {
		t.Fatalf("press answer %s", got)
	}
	posts = h.fake.WaitPosts(2, 15*time.Second)
	ts := h.tickets()
	if len(ts) != 1 || len(posts) != 2 || posts[1].RootID != msg.ID || !strings.Contains(posts[1].Message, ts[0].Key) {
		t.Fatalf("tickets %+v posts %+v", ts, posts)
	}
}

// A notice whose answer is lost (the post was made, we saw a 502) is
// retried, finds its earlier post by the key prop, and posts nothing more
// (issue #10, 3).
func TestEndToEndLostPostAnswerPostsOnce(t *testing.T) {
	h := startApp(t, config.Trigger{Command: "ticket"})
	h.fake.Fail(mattermostfake.RouteCreate, mattermostfake.Fault{Status: http.StatusBadGateway, After: true})
	got := h.send(mattermostfake.SlashCommand(cmdToken, "/ticket", "the answer to our notice gets lost", channel, annID, "ann", "trig-lost"))
	if !strings.Contains(got, "ephemeral") {
		t.Fatalf("command answer %s", got)
	}
	deadline := time.Now().Add(15 * time.Second)
	for h.fake.Calls(mattermostfake.RouteChannelPosts) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the retried notice never looked for its earlier post")
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.app.Queue.Stop(t.Context()) // let the retry finish; nothing may post after its look-up
	if posts := h.fake.Posts(); len(posts) != 1 || posts[0].Props["ticketbridge_key"] == nil {
		t.Fatalf("posts after a lost answer = %+v, want one carrying our key", posts)
	}
}
