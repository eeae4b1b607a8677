package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const adminToken = "test-admin-token-0123456789"

// harness is one running ticketbridge on a given store, with the embedded
// default's shape (generic source "chat", local desk "desk", route
// "support") and a fake chat system taking its replies.
type harness struct {
	t    *testing.T
	app  *app.App
	srv  *httptest.Server
	chat *generictest.Chat
	key  stdwebhook.Secret
}

type option func(cfg *config.Config, opts *app.Options)

func start(t *testing.T, st store.Store, options ...option) *harness {
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
	cfg.Admin.Tokens = []config.Token{
		{Name: "ops", Token: adminToken, Scopes: []string{"operate"}},
		{Name: "viewer", Token: "viewer-token-0123456789", Scopes: []string{"read"}},
	}
	opts := app.Options{Store: st, Log: slog.New(slog.DiscardHandler)}
	for _, o := range options {
		o(cfg, &opts)
	}
	if ps := cfg.Validate(); len(ps) > 0 {
		t.Fatalf("test config: %v", ps)
	}
	a, err := app.New(t.Context(), cfg, opts)
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
	return &harness{t: t, app: a, srv: srv, chat: chat, key: key}
}

// say posts a customer's message in conversation conv and wants 200.
func (h *harness) say(conv, text string) {
	h.t.Helper()
	h.send(conv, generictest.Message(conv, "cust-"+conv, text))
}

func (h *harness) send(conv string, ev generic.Event) {
	h.t.Helper()
	if ev.Sender.Name == "" {
		ev.Sender.Name = "Customer " + conv
	}
	resp, err := generictest.Send(h.t.Context(), h.srv.URL, "chat", h.key, ev)
	if err != nil {
		h.t.Fatalf("send: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("send %q: %s %s", ev.Text, resp.Status, body)
	}
}

// replies waits for n replies in total and returns the texts.
func (h *harness) replies(n int) []string {
	h.t.Helper()
	rs := h.chat.WaitReplies(n, 15*time.Second)
	if len(rs) < n {
		h.t.Fatalf("chat received %d replies, want %d: %+v", len(rs), n, texts(rs))
	}
	return texts(rs)
}

func texts(rs []generictest.Reply) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	return out
}

// quiet checks that the chat stays at n replies for a while.
func (h *harness) quiet(n int) {
	h.t.Helper()
	time.Sleep(400 * time.Millisecond)
	if got := len(h.chat.Replies()); got != n {
		h.t.Fatalf("chat received %d replies, want exactly %d: %q", got, n, texts(h.chat.Replies()))
	}
}

// eventually polls cond until it holds or 15 s pass.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) tickets() []store.DeskTicket {
	h.t.Helper()
	ts, err := h.app.Store.DeskList(h.t.Context(), "", 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return ts
}

// api calls the admin API with a bearer token and decodes the answer.
func (h *harness) api(method, path, token string, body any) (int, map[string]any) {
	h.t.Helper()
	return h.apiHeader(method, path, token, body, nil)
}

func (h *harness) apiHeader(method, path, token string, body any, header http.Header) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(h.t.Context(), method, h.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// metric returns the value of one sample line of /metrics, or -1.
func (h *harness) metric(series string) float64 {
	h.t.Helper()
	resp, err := http.Get(h.srv.URL + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			if err := json.Unmarshal([]byte(rest), &v); err == nil {
				return v
			}
		}
	}
	return -1
}

func withRoute(mutate func(r *config.Route)) option {
	return func(cfg *config.Config, _ *app.Options) { mutate(&cfg.Routes[0]) }
}

func customerEvent(conv, text string) generic.Event {
	ev := generictest.Message(conv, "cust-"+conv, text)
	ev.Sender.Role = string(core.RoleCustomer)
	return ev
}
