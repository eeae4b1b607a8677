package servicenow_test

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
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow/servicenowfake"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// world is a running ticketbridge whose route sends "/ticket …" from the
// generic chat to the ServiceNow sink "snow" on a fake instance.
type world struct {
	t    *testing.T
	srv  *httptest.Server
	chat *generictest.Chat
	key  stdwebhook.Secret
	in   *servicenowfake.Instance
}

func startWorld(t *testing.T, in *servicenowfake.Instance) *world {
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
	o := in.Options()
	snow := config.NewConnector("sinks[1]", "snow", "servicenow")
	snow.Set("url", in.URL())
	snow.Set("username", o.Username)
	snow.Set("password", o.Password)
	snow.Set("webhook_secret", o.WebhookSecret)
	snow.Set("requests_per_minute", 600)
	cfg.Sinks = append(cfg.Sinks, snow)
	cfg.Routes[0].Sink = "snow"
	cfg.Routes[0].Trigger.Command = "ticket"
	cfg.Jobs.MaxAttempts = 5
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
	return &world{t: t, srv: srv, chat: chat, key: key, in: in}
}

func (w *world) say(conv, text string) {
	w.t.Helper()
	resp, err := generictest.Send(w.t.Context(), w.srv.URL, "chat", w.key, generictest.Message(conv, "cust-"+conv, text))
	if err != nil {
		w.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("say %q: %s %s", text, resp.Status, body)
	}
}

func (w *world) replies(n int) []string {
	w.t.Helper()
	rs := w.chat.WaitReplies(n, 15*time.Second)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	if len(out) < n {
		w.t.Fatalf("chat got %d replies, want %d: %q", len(out), n, out)
	}
	return out
}

func (w *world) quiet(n int) {
	w.t.Helper()
	time.Sleep(400 * time.Millisecond)
	if got := len(w.chat.Replies()); got != n {
		w.t.Fatalf("chat got %d replies, want exactly %d", got, n)
	}
}

// agent makes a change in the instance; its business rule posts the
// signed webhook, which must be accepted.
func (w *world) agent(number string, c servicenowfake.Change) []byte {
	w.t.Helper()
	body, resp, err := w.in.Update(w.t.Context(), w.srv.URL, "snow", number, c)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		w.t.Fatalf("webhook: %s %s", resp.Status, b)
	}
	return body
}

// (a) A chat command makes an incident; the agent's public comment and
// state change come back to the chat; a work note and our own comment's
// echo do not; a resent webhook is dropped.
func TestEndToEndTwoWay(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	w := startWorld(t, in)
	w.say("c1", "/ticket the VPN drops every hour")
	w.replies(1)
	incs := in.Incidents()
	if len(incs) != 1 || !strings.HasPrefix(incs[0].Fields["correlation_id"], "tb-") || !strings.Contains(incs[0].Fields["short_description"], "VPN") {
		t.Fatalf("incidents = %+v", incs)
	}
	number := incs[0].Number

	w.agent(number, servicenowfake.Change{Comment: "check the firewall logs", WorkNote: true})
	w.agent(number, servicenowfake.Change{By: in.Options().Username, Comment: "an echo of ours"})
	w.agent(number, servicenowfake.Change{Comment: "We replaced the VPN gateway."})
	got := w.replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("comment notice = %q", got[1])
	}
	body := w.agent(number, servicenowfake.Change{State: "6"})
	got = w.replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "resolved") {
		t.Fatalf("status notice = %q", got[2])
	}
	resp, err := in.Post(t.Context(), w.srv.URL, "snow", body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	w.quiet(3)
	for _, r := range w.chat.Replies() {
		if strings.Contains(r.Text, "firewall") || strings.Contains(r.Text, "echo of ours") {
			t.Fatalf("internal or own comment reached the chat: %q", r.Text)
		}
	}
}

// (b) A create whose answer is lost is retried and finds the incident.
func TestEndToEndLostCreateMakesOneIncident(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	w := startWorld(t, in)
	in.LoseNextCreate(servicenowfake.LoseWith502)
	w.say("l1", "/ticket the answer to this one gets lost")
	w.replies(1)
	w.quiet(1)
	incs := in.Incidents()
	if len(incs) != 1 || in.CountExternal(incs[0].Fields["correlation_id"]) != 1 {
		t.Fatalf("incidents after a lost answer = %+v", incs)
	}
}

// (c) A 429 with Retry-After: 2 keeps every request away for 2 seconds.
func TestEndToEndRetryAfter(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	w := startWorld(t, in)
	// Start-up reads the dictionary to check the mapping; count after it.
	before := len(in.Requests())
	in.FailNext(1, http.StatusTooManyRequests, "2")
	begin := time.Now()
	w.say("r1", "/ticket slow down please")
	deadline := time.Now().Add(10 * time.Second)
	for len(in.Requests()) == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(in.Requests()) - before; n != 1 {
		t.Fatalf("%d requests within Retry-After, want 1", n)
	}
	w.replies(1)
	if waited := time.Since(begin); waited < 2*time.Second {
		t.Fatalf("incident created after %v, before Retry-After's 2s", waited)
	}
	if len(in.Incidents()) != 1 {
		t.Fatalf("incidents = %+v", in.Incidents())
	}
}
