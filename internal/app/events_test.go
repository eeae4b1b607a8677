package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/store/sqlite"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// A conversation nobody opened a ticket for is escalated once when the
// route's escalate_after has passed — even when ticketbridge restarts in
// between: the clock is a scheduled job in the database.
func TestUnresolvedConversationEscalatesOnceAcrossARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tb.db")
	open := func() *sqlite.Store {
		st, err := sqlite.Open(t.Context(), path, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	slow := func(cfg *config.Config, _ *app.Options) {
		cfg.Routes[0].Trigger.EscalateAfter = 1500 * time.Millisecond
	}
	first := start(t, open(), slow)
	first.say("e1", "hello, is anyone there? my order has not arrived")
	first.say("e1", "hello??")
	first.quiet(0)
	// Stop the first process before the deadline and start another on
	// the same database.
	first.srv.Close()
	if err := first.app.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := first.app.Config
	a, err := app.New(t.Context(), cfg, app.Options{Store: open(), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close(context.Background()) })
	second := &harness{t: t, app: a, srv: srv, chat: first.chat, key: first.key}
	second.replies(1)
	ts := second.tickets()
	if len(ts) != 1 || !strings.Contains(ts[0].Description, "my order has not arrived") {
		t.Fatalf("escalated tickets: %+v", ts)
	}
	time.Sleep(2 * time.Second)
	if n := len(second.tickets()); n != 1 {
		t.Fatalf("%d tickets: escalated more than once", n)
	}
	// A conversation that got a ticket in time is not escalated.
	second.say("e2", "/ticket broken login")
	second.replies(2)
	time.Sleep(2 * time.Second)
	if n := len(second.tickets()); n != 2 {
		t.Fatalf("%d tickets, want 2 (no escalation of a conversation with a ticket)", n)
	}
}

// 500 audience comments from 80 viewers in a minute make one ticket with
// the burst's numbers; a later burst becomes one update on it.
func TestLiveComplaintBurstsMakeOneTicketThenAnUpdate(t *testing.T) {
	h := start(t, teststore.SQLite(t), withRoute(func(r *config.Route) {
		r.Trigger.Live = &config.LiveTrigger{MinViewers: 10, Window: time.Minute, Cooldown: 10 * time.Minute}
	}))
	t0 := time.Now().Add(-10 * time.Minute).UTC()
	burst := func(start time.Time, n int, prefix string) {
		for i := range n {
			text := "主播好 " + prefix
			switch i % 5 {
			case 0, 1:
				text = "好卡啊 " + prefix
			case 2:
				text = "black screen again " + prefix
			}
			ev := generic.Event{Type: "live_feedback", Conversation: generic.Conversation{ID: "room-9"},
				Sender: generic.Sender{ID: fmt.Sprintf("viewer-%d", i%80), Role: "customer"}, Text: text,
				Time: start.Add(time.Duration(i) * time.Minute / time.Duration(n)).Format(time.RFC3339Nano)}
			h.send("room-9", ev)
		}
	}
	burst(t0, 500, "a")
	h.replies(1)
	ts := h.tickets()
	if len(ts) != 1 || !strings.Contains(ts[0].Description, "viewers complained") || !strings.Contains(ts[0].Title, "room-9") {
		t.Fatalf("tickets after the first burst: %+v", ts)
	}
	burst(t0.Add(4*time.Minute), 200, "b")
	h.eventually("an update for the second burst", func() bool {
		return strings.Count(allCommentsAny(t, h, ts[0].Key), "New burst of complaints") == 1
	})
	time.Sleep(500 * time.Millisecond)
	if n := len(h.tickets()); n != 1 || strings.Count(allCommentsAny(t, h, ts[0].Key), "New burst of complaints") != 1 {
		t.Fatalf("%d tickets, comments:\n%s", n, allCommentsAny(t, h, ts[0].Key))
	}
}

func allCommentsAny(t *testing.T, h *harness, key string) string {
	t.Helper()
	cs, err := h.app.Store.DeskComments(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Body + "\n")
	}
	return b.String()
}
