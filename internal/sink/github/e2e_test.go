package github_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink/github/githubfake"
)

func connector(o githubfake.Options, url string, extra map[string]any) config.Connector {
	typ := o.Dialect
	if typ == "" {
		typ = "github"
	}
	c := config.NewConnector("sinks[1]", "gh", typ)
	c.Set("url", url)
	c.Set("token", o.Token)
	c.Set("repository", o.Repository)
	c.Set("webhook_secret", o.WebhookSecret)
	for k, v := range extra {
		c.Set(k, v)
	}
	return c
}

// A chat command opens an issue; an agent's comment and the closing come
// back as signed webhooks and reach the chat; our own comment's webhook
// does not; a lost create answer makes no second issue.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			srv := githubfake.New(t, githubfake.Options{Dialect: d})
			b := apptest.Start(t, connector(srv.Options(), srv.URL(), nil))
			srv.LoseNextCreate()
			b.Say("c1", "/ticket the VPN drops every hour")
			got := b.Replies(1)
			issues := srv.Issues()
			if len(issues) != 1 || !strings.Contains(got[0], issues[0].HTMLURL) {
				t.Fatalf("issues %d, notice %q", len(issues), got[0])
			}
			ctx, url := t.Context(), b.Srv.URL
			b.Delivered(srv.SendComment(ctx, url, "gh", 1, "echo of ours\n\n<!-- ticketbridge -->", "tb-bot"))
			b.Delivered(srv.SendComment(ctx, url, "gh", 1, "We replaced the VPN gateway.", "agent"))
			got = b.Replies(2)
			if !strings.Contains(got[1], "We replaced the VPN gateway.") {
				t.Fatalf("comment notice %q", got[1])
			}
			b.Delivered(srv.SendState(ctx, url, "gh", 1, "closed", "agent"))
			got = b.Replies(3)
			if !strings.Contains(strings.ToLower(got[2]), "closed") {
				t.Fatalf("state notice %q", got[2])
			}
			b.Quiet(3)
			if strings.Contains(strings.Join(got, "\n"), "echo") {
				t.Fatalf("our own comment was echoed: %q", got)
			}
		})
	}
}
