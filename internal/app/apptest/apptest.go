// Package apptest runs a whole ticketbridge for connector tests: the
// generic chat source "chat", whose replies go to a fake chat system, the
// sink under test, and the default route sending "/ticket …" there. It is
// imported only by tests.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// Bridge is one running ticketbridge on a fresh SQLite store.
type Bridge struct {
	T    *testing.T
	App  *app.App
	Srv  *httptest.Server
	Chat *generictest.Chat
	Key  stdwebhook.Secret
}

// Start runs ticketbridge with sink (a connector entry whose settings the
// test has set) as the route's sink, after mutate has had its say.
func Start(t *testing.T, sink config.Connector, mutate ...func(*config.Config)) *Bridge {
	t.Helper()
	chat := generictest.NewChat(t, "")
	secret, err := stdwebhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(t.TempDir())
	cfg.Sources[0].Set("secret", secret)
	cfg.Sources[0].Set("reply_url", chat.URL())
	cfg.Sources[0].Set("reply_secret", chat.Secret())
	cfg.Sinks = append(cfg.Sinks, sink)
	cfg.Routes[0].Sink = sink.ID
	cfg.Routes[0].Trigger.Command = "ticket"
	cfg.Jobs.MaxAttempts = 5
	for _, m := range mutate {
		m(cfg)
	}
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
	key, _ := stdwebhook.ParseSecret(secret)
	return &Bridge{T: t, App: a, Srv: srv, Chat: chat, Key: key}
}

// Say posts a customer's message in conversation conv and wants a 200.
func (b *Bridge) Say(conv, text string) {
	b.T.Helper()
	ev := generictest.Message(conv, "cust-"+conv, text)
	ev.Sender.Name = "Customer " + conv
	resp, err := generictest.Send(b.T.Context(), b.Srv.URL, "chat", b.Key, ev)
	if err != nil {
		b.T.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.T.Fatalf("say %q: %s %s", text, resp.Status, body)
	}
}

// Replies waits for n replies in the chat and returns their texts.
func (b *Bridge) Replies(n int) []string {
	b.T.Helper()
	rs := b.Chat.WaitReplies(n, 15*time.Second)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	if len(out) < n {
		b.T.Fatalf("chat got %d replies, want %d: %q", len(out), n, out)
	}
	return out
}

// Quiet checks that the chat stays at exactly n replies for a while.
func (b *Bridge) Quiet(n int) {
	b.T.Helper()
	time.Sleep(400 * time.Millisecond)
	if got := len(b.Chat.Replies()); got != n {
		b.T.Fatalf("chat got %d replies, want exactly %d", got, n)
	}
}

// Delivered wants a webhook delivery to have been accepted.
func (b *Bridge) Delivered(resp *http.Response, err error) {
	b.T.Helper()
	if err != nil {
		b.T.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		b.T.Fatalf("webhook: %s %s", resp.Status, body)
	}
}
