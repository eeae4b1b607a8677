package sink_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// countingSink counts the calls that reach it.
type countingSink struct{ calls int }

func (c *countingSink) ID() string { return "counted" }
func (c *countingSink) Create(context.Context, core.TicketDraft) (core.TicketRef, error) {
	c.calls++
	return core.TicketRef{Key: "K"}, nil
}
func (c *countingSink) FindByExternalID(context.Context, string) (core.TicketRef, bool, error) {
	c.calls++
	return core.TicketRef{}, false, nil
}
func (c *countingSink) Comment(context.Context, core.TicketRef, core.Comment) error {
	c.calls++
	return nil
}
func (c *countingSink) ParseWebhook(*http.Request, []byte) ([]core.TicketEvent, error) {
	return nil, nil
}
func (c *countingSink) Status(context.Context, core.TicketRef) (string, error) { return "open", nil }

func TestLimitSpacesCallsAndAsksToWait(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	inner := &countingSink{}
	s := sink.Limit(inner, 60, clock) // one a second, burst 6
	ctx := context.Background()
	for i := range 6 {
		if err := s.Comment(ctx, core.TicketRef{}, core.Comment{}); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	err := s.Comment(ctx, core.TicketRef{}, core.Comment{})
	d, ok := core.RetryAfterOf(err)
	if !ok || d <= 0 || d > time.Second {
		t.Fatalf("over the budget: err %v, retry after %v; want a wait of at most 1s", err, d)
	}
	if inner.calls != 6 {
		t.Fatalf("%d calls reached the sink, want 6", inner.calls)
	}
	now = now.Add(time.Second)
	if _, err := s.Create(ctx, core.TicketDraft{}); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
	if sr, ok := sink.As[sink.StatusReader](sink.Instrument(s, nil, clock)); !ok || sr == nil {
		t.Fatal("As did not find the capability under two wrappers")
	}
	if _, ok := sink.As[sink.Attacher](s); ok {
		t.Fatal("As found a capability the sink lacks")
	}
	if got := sink.Limit(inner, 0, clock); got != sink.Sink(inner) {
		t.Fatal("a zero budget should leave the sink unwrapped")
	}
}

// A retry's look-up for its earlier effect waits until the write that
// follows it can go too; otherwise every attempt spent the one token that
// had come back on the look-up and the write never went (a retry of a
// follow-up comment under a tight budget stalled for good).
func TestLimitLetsALookUpGoOnlyWithItsWrite(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	inner := &countingSink{}
	s := sink.Limit(inner, 60, clock) // one a second, burst 6
	ctx := context.Background()
	for range 6 {
		if err := s.Comment(ctx, core.TicketRef{}, core.Comment{}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(time.Second) // one token back
	_, _, err := s.FindByExternalID(ctx, "tb-1")
	if d, ok := core.RetryAfterOf(err); !ok || d <= 0 || d > time.Second {
		t.Fatalf("look-up with one token: err %v, retry after %v; want a wait of at most 1s", err, d)
	}
	if err := s.Comment(ctx, core.TicketRef{}, core.Comment{}); err != nil {
		t.Fatalf("a write with one token: %v", err)
	}
	now = now.Add(2 * time.Second) // two tokens back
	if _, _, err := s.FindByExternalID(ctx, "tb-1"); err != nil {
		t.Fatalf("look-up with two tokens: %v", err)
	}
	if _, err := s.Create(ctx, core.TicketDraft{}); err != nil {
		t.Fatalf("the write after its look-up: %v", err)
	}
	if inner.calls != 9 {
		t.Fatalf("%d calls reached the sink, want 9", inner.calls)
	}
}
