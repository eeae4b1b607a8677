package servicenow_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow/servicenowfake"
)

// stepClock is a clock the test moves.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestPollWithCursor(t *testing.T) {
	t.Parallel()
	clk := &stepClock{t: clock}
	in := servicenowfake.New(t, servicenowfake.Options{Now: clk.Now})
	s := settingsFor(in)
	s.PollInterval = time.Minute
	sn, err := servicenow.New("sn", s, sink.Deps{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if sn.PollInterval() != time.Minute {
		t.Fatalf("PollInterval = %v", sn.PollInterval())
	}
	ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-p", Title: "poll me"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	evs, cursor, err := sn.Poll(ctx, "")
	if err != nil || len(evs) != 0 || cursor != "2026-11-28 10:00:00" {
		t.Fatalf("first poll: %v %q %v", evs, cursor, err)
	}
	// Webhooks go nowhere here: the instance just needs somewhere to post.
	sinkHole := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(sinkHole.Close)
	clk.Add(30 * time.Second)
	if _, _, err := in.Update(ctx, sinkHole.URL, "sn", ref.Key, servicenowfake.Change{State: "2", Comment: "looking at it"}); err != nil {
		t.Fatal(err)
	}
	clk.Add(10 * time.Second)
	if _, _, err := in.Update(ctx, sinkHole.URL, "sn", ref.Key, servicenowfake.Change{Comment: "internal only", WorkNote: true}); err != nil {
		t.Fatal(err)
	}
	if err := sn.Comment(ctx, ref, core.Comment{Body: "from the chat", Public: true}); err != nil {
		t.Fatal(err)
	}
	evs, cursor, err = sn.Poll(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if cursor != "2026-11-28 10:00:40" {
		t.Fatalf("cursor = %q", cursor)
	}
	var state, public, internal, ours int
	for _, ev := range evs {
		if ev.Ticket.Key != ref.Key || ev.ExternalID != "tb-p" || ev.EventID == "" {
			t.Fatalf("event %+v", ev)
		}
		switch {
		case ev.Kind == core.TicketStatusChanged:
			state++
			if ev.To != "In Progress" {
				t.Fatalf("status event %+v", ev)
			}
		case ev.Ours:
			ours++
		case ev.Comment.Public:
			public++
		default:
			internal++
		}
	}
	if state != 1 || public != 1 || internal != 1 || ours != 1 {
		t.Fatalf("events: %d state, %d public, %d internal, %d ours: %+v", state, public, internal, ours, evs)
	}
	// Nothing new: the inclusive cursor returns the boundary rows again,
	// with the same ids, and does not move.
	again, next, err := sn.Poll(ctx, cursor)
	if err != nil || next != cursor {
		t.Fatalf("second poll: cursor %q, %v", next, err)
	}
	ids := map[string]bool{}
	for _, ev := range evs {
		ids[ev.EventID] = true
	}
	for _, ev := range again {
		if !ids[ev.EventID] {
			t.Fatalf("new event id %q on a poll with nothing new", ev.EventID)
		}
	}
	if _, _, err := sn.Poll(ctx, "last tuesday"); err == nil {
		t.Fatal("bad cursor accepted")
	}
}
