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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
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
	// clock is the injected time (nil: the real one).
	clock *Clock
}

// Start runs ticketbridge with sink (a connector entry whose settings the
// test has set) as the route's sink, after mutate has had its say.
func Start(t *testing.T, sink config.Connector, mutate ...func(*config.Config)) *Bridge {
	t.Helper()
	return StartClocked(t, sink, nil, mutate...)
}

// Clock is an injected time for the app and its job queue: a timer
// scheduled at a deadline runs when the test moves the clock past it,
// with no sleep. Start it ahead of the real clock (the processing-lag
// sampler reads the database's own).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// NowOrNil is Now for River.
func (c *Clock) NowOrNil() *time.Time {
	t := c.Now()
	return &t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// StartClocked is Start with the app and its job queue on clock (nil:
// the real one).
func StartClocked(t *testing.T, sink config.Connector, clock *Clock, mutate ...func(*config.Config)) *Bridge {
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
	opts := app.Options{Store: teststore.SQLite(t), Log: slog.New(slog.DiscardHandler)}
	if clock != nil {
		opts.Now, opts.JobTime = clock.Now, clock
		chat.SetClock(clock.Now)
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
	return &Bridge{T: t, App: a, Srv: srv, Chat: chat, Key: key, clock: clock}
}

// Say posts a customer's message in conversation conv and wants a 200.
func (b *Bridge) Say(conv, text string) {
	b.T.Helper()
	ev := generictest.Message(conv, "cust-"+conv, text)
	ev.Sender.Name = "Customer " + conv
	now := time.Now()
	if b.clock != nil {
		now = b.clock.Now() // the webhook's signed time, inside the window
	}
	resp, err := generictest.SendWithID(b.T.Context(), b.Srv.URL, "chat", b.Key, stdwebhook.NewMessageID(), now, ev)
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

// TimersDone waits until no SLA timer due by clock is left to run.
func (b *Bridge) TimersDone(clock *Clock) {
	b.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := b.App.Queue.JobList(b.T.Context(), river.NewJobListParams().Kinds(jobs.KindSLATimer).
			States(rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable).First(1000))
		if err != nil {
			b.T.Fatal(err)
		}
		due := false
		for _, j := range res.Jobs {
			due = due || !j.ScheduledAt.After(clock.Now())
		}
		if !due {
			return
		}
		if time.Now().After(deadline) {
			b.T.Fatal("SLA timers due by the clock still waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ReplyWith waits for a reply containing want and returns its text.
func (b *Bridge) ReplyWith(want string) string {
	b.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, r := range b.Chat.Replies() {
			if strings.Contains(r.Text, want) {
				return r.Text
			}
		}
		if time.Now().After(deadline) {
			var all []string
			for _, r := range b.Chat.Replies() {
				all = append(all, r.Text)
			}
			b.T.Fatalf("no reply containing %q: %q", want, all)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Count is the number of replies containing with.
func (b *Bridge) Count(with string) int {
	n := 0
	for _, r := range b.Chat.Replies() {
		if strings.Contains(r.Text, with) {
			n++
		}
	}
	return n
}
