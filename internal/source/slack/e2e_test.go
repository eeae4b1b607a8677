package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/slack/slackfake"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// e2e is a whole ticketbridge with a Slack source "sl" pointed at a fake
// Slack, the local desk "desk", and one route creating on /ticket.
type e2e struct {
	t    *testing.T
	app  *app.App
	srv  *httptest.Server
	fake *slackfake.Slack
}

const e2eSecret = "e2e-signing-secret-0123456789abcdef"

func startApp(t *testing.T, trigger config.Trigger) *e2e {
	t.Helper()
	return startAppRoute(t, func(r *config.Route) { r.Trigger = trigger })
}

// startAppRoute is startApp with the route as route sets it.
func startAppRoute(t *testing.T, route func(r *config.Route)) *e2e {
	t.Helper()
	fake := slackfake.New(t)
	cfg := config.Default(t.TempDir())
	src := config.NewConnector("sources[0]", "sl", "slack")
	src.Set("signing_secret", e2eSecret)
	src.Set("bot_token", slackfake.Token)
	src.Set("api_url", fake.APIURL())
	cfg.Sources = []config.Connector{src}
	cfg.Routes[0].Sources = []string{"sl"}
	route(&cfg.Routes[0])
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

func (h *e2e) send(req slackfake.Request) string {
	h.t.Helper()
	resp, err := slackfake.Send(h.t.Context(), h.srv.URL, "sl", e2eSecret, req)
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

// A "/ticket …" typed in a Slack thread opens a ticket on the desk and
// the bot says so in the thread; a redelivery changes nothing; solving
// the ticket reaches the same thread as "resolved".
func TestEndToEndThreadTicketResolved(t *testing.T) {
	h := startApp(t, config.Trigger{Command: "ticket"})
	const channel, root = "C0SUPPORT", "1795860000.000100"
	if got := h.send(slackfake.URLVerification(t, "chal-123")); got != "chal-123" {
		t.Fatalf("challenge answer %q", got)
	}
	ev := slackfake.ChannelMessage(channel, "U0ANN", "1795860005.000200", root, "/ticket printer on floor 3 is on fire")
	req := slackfake.EventCallback(t, "Ev0E2E1", time.Now(), ev)
	h.send(req)
	redelivery := req
	redelivery.RetryNum = 1
	// Slack reads only the status: a redelivery, like the first delivery,
	// gets a bare 200 (the tickets and notices below show it changed
	// nothing).
	if got := h.send(redelivery); got != "" {
		t.Fatalf("redelivery answer %q, want a bare 200", got)
	}

	posts := h.fake.WaitPosts(1, 15*time.Second)
	if len(posts) < 1 {
		t.Fatal("no created notice posted")
	}
	ts := h.tickets()
	if len(ts) != 1 || !strings.Contains(ts[0].Title, "printer on floor 3") {
		t.Fatalf("tickets %+v", ts)
	}
	if p := posts[0]; p.Channel != channel || p.ThreadTS != root || !strings.Contains(p.Text, ts[0].Key) {
		t.Fatalf("created notice %+v", p)
	}

	if _, err := h.app.Desk.SetStatus(t.Context(), ts[0].Key, "solved"); err != nil {
		t.Fatal(err)
	}
	posts = h.fake.WaitPosts(2, 15*time.Second)
	if len(posts) < 2 {
		t.Fatalf("no status notice; posts %+v", posts)
	}
	if p := posts[1]; p.Channel != channel || p.ThreadTS != root || !strings.Contains(p.Text, "resolved") {
		t.Fatalf("status notice %+v", p)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(h.fake.Posts()); n != 2 || len(h.tickets()) != 1 {
		t.Fatalf("%d posts, %d tickets after the redelivery", n, len(h.tickets()))
	}
}

// A complaint in a thread gets a prompt with real buttons in that thread;
// pressing Yes (a block_actions payload) creates the ticket.
func TestEndToEndPromptButtonConfirms(t *testing.T) {
	h := startApp(t, config.Trigger{RulePack: "default", Confirm: true, Command: "ticket"})
	const channel, root = "C0SUPPORT", "1795860000.000100"
	ev := slackfake.ChannelMessage(channel, "U0ANN", "1795860005.000200", root, "I was charged twice for order 1042 and want my money back")
	h.send(slackfake.EventCallback(t, "Ev0E2E2", time.Now(), ev))
	posts := h.fake.WaitPosts(1, 15*time.Second)
	if len(posts) != 1 || posts[0].ThreadTS != root || len(posts[0].Blocks) != 2 {
		t.Fatalf("prompt %+v", posts)
	}
	var actions struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(posts[0].Blocks[1], &actions); err != nil || len(actions.Elements) != 2 {
		t.Fatalf("actions block %s: %v", posts[0].Blocks[1], err)
	}
	yes := actions.Elements[0]
	if len(h.tickets()) != 0 {
		t.Fatal("ticket before the answer")
	}
	h.send(slackfake.Interaction(t, slackfake.ButtonPress(yes.ActionID, yes.Value, channel, root, posts[0].TS, "U0ANN", "1795860070.000900")))
	posts = h.fake.WaitPosts(2, 15*time.Second)
	ts := h.tickets()
	if len(ts) != 1 || len(posts) != 2 || posts[1].ThreadTS != root || !strings.Contains(posts[1].Text, ts[0].Key) {
		t.Fatalf("tickets %+v posts %+v", ts, posts)
	}
}

// A :ticket: reaction on a channel message opens a ticket about that
// message (fetched from Slack, with the author looked up) and the bot
// answers in the message's thread.
func TestEndToEndReactionCreatesTicketAboutTheMessage(t *testing.T) {
	h := startApp(t, config.Trigger{Command: "ticket"})
	const channel, msgTS = "C0SUPPORT", "1795860100.000300"
	h.fake.AddUser(slackfake.User{ID: "U0ANN", Name: "ann", RealName: "Ann Lee", Email: "ann@example.com"})
	h.fake.AddMessage(channel, slackfake.Message{Type: "message", User: "U0ANN", Text: "the VPN has dropped every hour since Monday", TS: msgTS})
	reaction := map[string]any{"type": "reaction_added", "user": "U0DANA", "reaction": "ticket", "item_user": "U0ANN",
		"item": map[string]any{"type": "message", "channel": channel, "ts": msgTS}, "event_ts": "1795860200.000100"}
	h.send(slackfake.EventCallback(t, "Ev0REACT", time.Now(), reaction))
	posts := h.fake.WaitPosts(1, 15*time.Second)
	if len(posts) != 1 {
		t.Fatal("no created notice")
	}
	ts := h.tickets()
	if len(ts) != 1 || !strings.Contains(ts[0].Title, "VPN has dropped") || ts[0].Requester.Email != "ann@example.com" {
		t.Fatalf("tickets %+v", ts)
	}
	if p := posts[0]; p.Channel != channel || p.ThreadTS != msgTS {
		t.Fatalf("created notice %+v, want it in the message's thread", p)
	}
}

// A notice whose answer is lost (Slack posted it, we saw a 502) is retried
// and finds its own earlier post by its metadata key: one message in the
// thread, counted as found (issue #10, 3).
func TestEndToEndLostPostAnswerPostsOnce(t *testing.T) {
	h := startApp(t, config.Trigger{Command: "ticket"})
	const channel, root = "C0SUPPORT", "1795860000.000100"
	h.fake.Fail("chat.postMessage", slackfake.Fault{Status: http.StatusBadGateway, After: true})
	ev := slackfake.ChannelMessage(channel, "U0ANN", "1795860005.000200", root, "/ticket the answer to our notice gets lost")
	h.send(slackfake.EventCallback(t, "Ev0LOST1", time.Now(), ev))
	deadline := time.Now().Add(15 * time.Second)
	for h.metric(`ticketbridge_effect_retries_total{connector="sl",effect="notice",result="found"}`) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the retried notice never found its earlier post; posts %+v", h.fake.Posts())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if posts := h.fake.Posts(); len(posts) != 1 || posts[0].Metadata == nil || posts[0].Metadata.EventType != "ticketbridge_notice" {
		t.Fatalf("posts after a lost answer = %+v, want one carrying our metadata", posts)
	}
}

func (h *e2e) metric(series string) float64 {
	h.t.Helper()
	resp, err := http.Get(h.srv.URL + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, _ := strconv.ParseFloat(rest, 64)
			return v
		}
	}
	return 0
}
