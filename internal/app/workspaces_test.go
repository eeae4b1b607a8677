package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira/jirafake"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu/feishufake"
	"github.com/ticketbridge/ticketbridge/internal/source/slack/slackfake"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// tenant is one company's platforms: a Slack workspace, a Feishu tenant
// and a Jira site, each with credentials of its own.
type tenant struct {
	name      string
	slack     *slackfake.Slack
	slackSig  string
	feishu    *feishufake.Server
	feishuKey string
	jira      *jirafake.Site
}

func newTenant(t *testing.T, name string) *tenant {
	tn := &tenant{
		name:      name,
		slack:     slackfake.New(t),
		slackSig:  "signing-secret-of-" + name + "-0123456789",
		feishuKey: "encrypt-key-of-" + name,
		feishu:    feishufake.New(t, "cli_"+name, "app-secret-of-"+name),
		// Both sites use project OPS, so both number their first issue
		// OPS-1: only the sink id tells them apart.
		jira: jirafake.New(t, jirafake.Options{Token: "jira-token-of-" + name, WebhookSecret: "jira-hook-secret-of-" + name,
			AccountID: "tb-bot-" + name}),
	}
	tn.slack.SetToken("xoxb-" + name)
	return tn
}

func (tn *tenant) connectors() (slack, feishu, jira config.Connector) {
	slack = config.NewConnector("sources[]", "slack-"+tn.name, "slack")
	slack.Set("signing_secret", tn.slackSig)
	slack.Set("bot_token", "xoxb-"+tn.name)
	slack.Set("api_url", tn.slack.APIURL())
	feishu = config.NewConnector("sources[]", "feishu-"+tn.name, "feishu")
	for k, v := range map[string]any{"app_id": "cli_" + tn.name, "app_secret": "app-secret-of-" + tn.name,
		"verification_token": "vtoken-" + tn.name, "encrypt_key": tn.feishuKey, "api_url": tn.feishu.URL()} {
		feishu.Set(k, v)
	}
	o := tn.jira.Options()
	jira = config.NewConnector("sinks[]", "jira-"+tn.name, "jira")
	for k, v := range map[string]any{"url": tn.jira.URL(), "email": o.Email, "api_token": o.Token, "project": o.Project,
		"webhook_secret": o.WebhookSecret, "integration_account_id": o.AccountID} {
		jira.Set(k, v)
	}
	return slack, feishu, jira
}

// Two companies in one deployment: two Slack workspaces, two Feishu
// tenants and two Jira sites, each with its own credentials and route.
// Both Slack workspaces have a channel C0SAME, both Feishu tenants a chat
// oc_same, the platforms even reuse event ids, and both Jira sites number
// their first issue OPS-1: every ticket lands on its own company's site,
// every answer reaches only its own chat, and one tenant's signature does
// not open another's URL.
func TestTwoWorkspacesSideBySide(t *testing.T) {
	t.Parallel()
	teststore.Each(t, testTwoWorkspacesSideBySide)
}

func testTwoWorkspacesSideBySide(t *testing.T, st store.Store) {
	acme, globex := newTenant(t, "acme"), newTenant(t, "globex")
	cfg := &config.Config{
		Storage:  config.Storage{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "tb.db")},
		Security: config.Security{AllowOutbound: []string{"127.0.0.0/8"}},
	}
	for _, tn := range []*tenant{acme, globex} {
		s, f, j := tn.connectors()
		cfg.Sources = append(cfg.Sources, s, f)
		cfg.Sinks = append(cfg.Sinks, j)
		cfg.Routes = append(cfg.Routes, config.Route{Name: tn.name, Sources: []string{"slack-" + tn.name, "feishu-" + tn.name},
			Sink: "jira-" + tn.name, Trigger: config.Trigger{Command: "ticket"}})
	}
	cfg.WithDefaults()
	if ps := cfg.Validate(); len(ps) > 0 {
		t.Fatalf("config: %v", ps)
	}
	a, err := app.New(t.Context(), cfg, app.Options{Store: st, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ctx := t.Context()
	status := func(resp *http.Response, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	for _, tn := range []*tenant{acme, globex} {
		ev := slackfake.ChannelMessage("C0SAME", "U0SAME", "1795860005.000200", "", "/ticket "+tn.name+" VPN is down")
		if got := status(slackfake.Send(ctx, srv.URL, "slack-"+tn.name, tn.slackSig, slackfake.EventCallback(t, "Ev0SAME", time.Now(), ev))); got != http.StatusOK {
			t.Fatalf("%s slack: %d", tn.name, got)
		}
	}
	// Slack first, so that each site's OPS-1 is its Slack ticket.
	for _, tn := range []*tenant{acme, globex} {
		eventually(t, tn.name+"'s first issue", func() bool { return len(tn.jira.Issues()) == 1 })
	}
	for _, tn := range []*tenant{acme, globex} {
		plain := feishufake.MessageEvent("vtoken-"+tn.name, feishufake.Incoming{EventID: "ev-same", MessageID: "om_same",
			ChatID: "oc_same", Sender: "ou_same", Text: "/ticket " + tn.name + " printer jams"})
		signer := feishufake.Signer{EncryptKey: tn.feishuKey}
		if got := status(signer.Send(ctx, srv.URL, "feishu-"+tn.name, plain)); got != http.StatusOK {
			t.Fatalf("%s feishu: %d", tn.name, got)
		}
	}
	// One company's signature does not open the other's URL.
	ev := slackfake.ChannelMessage("C0SAME", "U0SAME", "1795860009.000200", "", "/ticket forged")
	if got := status(slackfake.Send(ctx, srv.URL, "slack-globex", acme.slackSig, slackfake.EventCallback(t, "Ev0FORGED", time.Now(), ev))); got != http.StatusUnauthorized {
		t.Fatalf("acme's slack signature on globex's URL: %d", got)
	}
	forged := feishufake.MessageEvent("vtoken-acme", feishufake.Incoming{EventID: "ev-forged", MessageID: "om_f", ChatID: "oc_same", Sender: "ou_same", Text: "/ticket forged"})
	if got := status(feishufake.Signer{EncryptKey: acme.feishuKey}.Send(ctx, srv.URL, "feishu-globex", forged)); got == http.StatusOK {
		t.Fatalf("acme's feishu delivery on globex's URL was accepted")
	}

	for _, tn := range []*tenant{acme, globex} {
		tn.slack.WaitPosts(1, 15*time.Second)
		tn.feishu.WaitPosts(1, 15*time.Second)
		eventually(t, tn.name+"'s two issues", func() bool { return len(tn.jira.Issues()) == 2 })
		for _, is := range tn.jira.Issues() {
			if s, _ := is.Fields["summary"].(string); !strings.Contains(s, tn.name) {
				t.Fatalf("%s's site got %q", tn.name, s)
			}
		}
	}
	key := func(tn *tenant, what string) string {
		for _, is := range tn.jira.Issues() {
			if s, _ := is.Fields["summary"].(string); strings.Contains(s, what) {
				return is.Key
			}
		}
		t.Fatalf("%s has no issue about %s", tn.name, what)
		return ""
	}
	acmeVPN, globexVPN := key(acme, "VPN"), key(globex, "VPN")
	if acmeVPN != globexVPN {
		t.Fatalf("the sites should number alike for this test: %s, %s", acmeVPN, globexVPN)
	}
	for _, tn := range []*tenant{acme, globex} {
		if p := tn.slack.Posts()[0]; p.Channel != "C0SAME" || !strings.Contains(p.Text, key(tn, "VPN")) {
			t.Fatalf("%s's created notice: %+v", tn.name, p)
		}
	}

	// An agent on each site answers on its own "OPS-1": each answer
	// reaches only its own company's Slack channel.
	for _, tn := range []*tenant{acme, globex} {
		resp, err := tn.jira.SendComment(ctx, srv.URL, "jira-"+tn.name, key(tn, "VPN"), "Fixed for "+tn.name, jirafake.Agent.AccountID, jirafake.Public)
		if got := status(resp, err); got != http.StatusOK {
			t.Fatalf("%s comment webhook: %d", tn.name, got)
		}
	}
	for _, tn := range []*tenant{acme, globex} {
		posts := tn.slack.WaitPosts(2, 15*time.Second)
		if !strings.Contains(posts[1].Text, "Fixed for "+tn.name) {
			t.Fatalf("%s's channel got %q", tn.name, posts[1].Text)
		}
	}
	// acme's site signature does not open globex's ticket webhook.
	c, err := acme.jira.AddComment(acmeVPN, "forged", jirafake.Agent.AccountID, jirafake.Public)
	if err != nil {
		t.Fatal(err)
	}
	body, err := acme.jira.CommentWebhook(acmeVPN, c)
	if err != nil {
		t.Fatal(err)
	}
	if got := status(acme.jira.SendWebhook(ctx, srv.URL, "jira-globex", "forged-1", body)); got != http.StatusUnauthorized {
		t.Fatalf("acme's jira signature on globex's hook: %d", got)
	}
	time.Sleep(300 * time.Millisecond)
	for _, tn := range []*tenant{acme, globex} {
		if n := len(tn.slack.Posts()); n != 2 {
			t.Fatalf("%s's channel got %d posts, want 2: %+v", tn.name, n, tn.slack.Posts())
		}
		if n := len(tn.feishu.Posts()); n != 1 {
			t.Fatalf("%s's feishu chat got %d posts, want 1", tn.name, n)
		}
	}
	for _, conv := range []string{"slack-acme/C0SAME", "slack-globex/C0SAME", "feishu-acme/oc_same", "feishu-globex/oc_same"} {
		links, err := a.Store.LinksForConversation(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != 1 || links[0].Sink != "jira-"+strings.Split(strings.SplitN(conv, "/", 2)[0], "-")[1] {
			t.Fatalf("links of %s: %+v", conv, links)
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
