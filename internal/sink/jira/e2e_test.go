package jira_test

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
	"github.com/ticketbridge/ticketbridge/internal/sink/jira/jirafake"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// bridge is a running ticketbridge whose route "support" sends the chat
// "chat" (a generic source with a fake chat taking replies) to the Jira
// sink "jira" on a fake site.
type bridge struct {
	t    *testing.T
	srv  *httptest.Server
	chat *generictest.Chat
	key  stdwebhook.Secret
	site *jirafake.Site
}

func startBridge(t *testing.T) *bridge {
	t.Helper()
	site := jirafake.New(t, jirafake.Options{})
	chat := generictest.NewChat(t, "")
	secret, err := stdwebhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(t.TempDir())
	cfg.Sources[0].Set("secret", secret)
	cfg.Sources[0].Set("reply_url", chat.URL())
	cfg.Sources[0].Set("reply_secret", chat.Secret())
	o := site.Options()
	c := config.NewConnector("sinks[1]", "jira", "jira")
	for k, v := range map[string]any{
		"url": site.URL(), "email": o.Email, "api_token": o.Token, "project": o.Project,
		"webhook_secret": o.WebhookSecret, "integration_account_id": o.AccountID,
	} {
		c.Set(k, v)
	}
	cfg.Sinks = append(cfg.Sinks, c)
	cfg.Routes[0].Sink = "jira"
	cfg.Routes[0].Trigger.Command = "ticket"
	cfg.Jobs.MaxAttempts = 5
	if ps := cfg.Validate(); len(ps) > 0 {
		t.Fatalf("config: %v", ps)
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
	key, _ := stdwebhook.ParseSecret(secret)
	return &bridge{t: t, srv: srv, chat: chat, key: key, site: site}
}

func (b *bridge) say(conv, text string) {
	b.t.Helper()
	ev := generictest.Message(conv, "cust-"+conv, text)
	ev.Sender.Name = "Customer " + conv
	resp, err := generictest.Send(b.t.Context(), b.srv.URL, "chat", b.key, ev)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("say %q: %s %s", text, resp.Status, body)
	}
}

func (b *bridge) replies(n int) []string {
	b.t.Helper()
	rs := b.chat.WaitReplies(n, 15*time.Second)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	if len(out) < n {
		b.t.Fatalf("chat got %d replies, want %d: %q", len(out), n, out)
	}
	return out
}

func (b *bridge) quiet(n int) {
	b.t.Helper()
	time.Sleep(400 * time.Millisecond)
	if got := len(b.chat.Replies()); got != n {
		b.t.Fatalf("chat got %d replies, want exactly %d", got, n)
	}
}

func (b *bridge) hook(resp *http.Response, err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("webhook: %s", resp.Status)
	}
}

// A chat command makes an issue; the agent's public comment and status
// change come back as signed webhooks and reach the chat; internal notes
// and our own comments do not.
func TestEndToEndTwoWay(t *testing.T) {
	t.Parallel()
	b := startBridge(t)
	b.say("c1", "/ticket the VPN drops every hour")
	got := b.replies(1)
	issues := b.site.Issues()
	if len(issues) != 1 || !strings.Contains(issues[0].Fields["summary"].(string), "VPN") {
		t.Fatalf("issues = %+v", issues)
	}
	key := issues[0].Key
	if !strings.Contains(got[0], key) {
		t.Fatalf("created notice %q lacks %s", got[0], key)
	}
	ctx, url := t.Context(), b.srv.URL
	b.hook(b.site.SendComment(ctx, url, "jira", key, "internal: check the gateway logs", jirafake.Agent.AccountID, jirafake.InternalJSMMislabelled))
	b.hook(b.site.SendComment(ctx, url, "jira", key, "admins: escalate", jirafake.Agent.AccountID, jirafake.RoleRestricted))
	b.hook(b.site.SendComment(ctx, url, "jira", key, "echo of our own comment", b.site.Options().AccountID, jirafake.Public))
	b.hook(b.site.SendComment(ctx, url, "jira", key, "We replaced the VPN gateway.", jirafake.Agent.AccountID, jirafake.Public))
	got = b.replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("comment notice = %q", got[1])
	}
	b.hook(b.site.SendStatusChange(ctx, url, "jira", key, "In Progress", jirafake.Agent.AccountID))
	got = b.replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "in progress") {
		t.Fatalf("status notice = %q", got[2])
	}
	b.quiet(3)
	for _, r := range got {
		if strings.Contains(r, "internal") || strings.Contains(r, "admins") || strings.Contains(r, "echo") {
			t.Fatalf("leaked to the chat: %q", r)
		}
	}
}

// A creation whose answer is lost is retried, finds the issue by its
// label and makes no second one.
func TestEndToEndLostCreate(t *testing.T) {
	t.Parallel()
	b := startBridge(t)
	b.site.LoseNextCreate()
	b.say("c2", "/ticket the answer to this one gets lost")
	b.replies(1)
	b.quiet(1)
	issues := b.site.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d issues after a lost answer", len(issues))
	}
	ext := ""
	for _, l := range issues[0].Labels {
		if strings.HasPrefix(l, "tb-ext-") {
			ext = strings.TrimPrefix(l, "tb-ext-")
		}
	}
	if ext == "" || b.site.CountExternal(ext) != 1 || b.site.RequestsTo("POST", "/rest/api/3/issue") != 1 {
		t.Fatalf("labels %v, creates %d", issues[0].Labels, b.site.RequestsTo("POST", "/rest/api/3/issue"))
	}
}

// Jira's 429 with Retry-After: 2 holds every request back for 2 seconds.
func TestEndToEndRetryAfter(t *testing.T) {
	t.Parallel()
	b := startBridge(t)
	b.site.FailNextOn("POST", "/rest/api/3/issue", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
	begin := time.Now()
	b.say("c3", "/ticket slow down please")
	// Start-up validation reads createmeta in the background; only the
	// ticket calls matter here.
	ticketCalls := func() []jirafake.Request {
		var out []jirafake.Request
		for _, r := range b.site.Requests() {
			if !strings.Contains(r.Path, "/createmeta/") {
				out = append(out, r)
			}
		}
		return out
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(ticketCalls()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no request reached the site")
		}
		time.Sleep(10 * time.Millisecond)
	}
	first := ticketCalls()[0]
	if first.Path != "/rest/api/3/issue" {
		t.Fatalf("first call %s %s", first.Method, first.Path)
	}
	time.Sleep(time.Until(first.Time.Add(1500 * time.Millisecond)))
	if n := len(ticketCalls()); n != 1 {
		t.Fatalf("%d requests within Retry-After, want 1", n)
	}
	b.replies(1)
	for _, r := range ticketCalls()[1:] {
		if gap := r.Time.Sub(first.Time); gap < 2*time.Second {
			t.Fatalf("%s %s came %v after the 429, before Retry-After's 2s", r.Method, r.Path, gap)
		}
	}
	if time.Since(begin) < 2*time.Second {
		t.Fatal("issue created before Retry-After's 2s")
	}
	if len(b.site.Issues()) != 1 {
		t.Fatalf("issues = %d", len(b.site.Issues()))
	}
}
