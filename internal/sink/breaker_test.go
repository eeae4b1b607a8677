package sink_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// flakySink fails with err until it is cleared.
type flakySink struct {
	calls int
	err   error
}

func (f *flakySink) ID() string { return "flaky" }
func (f *flakySink) Create(context.Context, core.TicketDraft) (core.TicketRef, error) {
	f.calls++
	return core.TicketRef{Key: "T-1"}, f.err
}
func (f *flakySink) FindByExternalID(context.Context, string) (core.TicketRef, bool, error) {
	f.calls++
	return core.TicketRef{}, false, f.err
}
func (f *flakySink) Comment(context.Context, core.TicketRef, core.Comment) error {
	f.calls++
	return f.err
}
func (f *flakySink) ParseWebhook(*http.Request, []byte) ([]core.TicketEvent, error) { return nil, nil }

func TestBreakerPausesProbesAndResumes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	inner := &flakySink{err: &core.CallError{Op: "create", Status: 503}}
	var changes []bool
	s := sink.Breaker(inner, 3, 10*time.Second, clock, func(open bool) { changes = append(changes, open) })
	ctx := context.Background()
	for range 3 {
		if _, err := s.Create(ctx, core.TicketDraft{}); err == nil {
			t.Fatal("the outage should fail")
		}
	}
	// Open: calls are refused without reaching the sink, with a wait.
	_, err := s.Create(ctx, core.TicketDraft{})
	d, ok := core.RetryAfterOf(err)
	if !errors.Is(err, sink.ErrPaused) || !ok || d != 10*time.Second || inner.calls != 3 {
		t.Fatalf("while open: err %v wait %v, %d calls reached the sink", err, d, inner.calls)
	}
	// After the pause one probe goes out; it fails, so the pause renews.
	now = now.Add(10 * time.Second)
	if _, err := s.Create(ctx, core.TicketDraft{}); errors.Is(err, sink.ErrPaused) || inner.calls != 4 {
		t.Fatalf("probe: %v, %d calls", err, inner.calls)
	}
	if err := s.Comment(ctx, core.TicketRef{}, core.Comment{}); !errors.Is(err, sink.ErrPaused) {
		t.Fatal("a failed probe must keep the sink paused")
	}
	// The system recovers: the next probe succeeds and closes the breaker.
	inner.err = nil
	now = now.Add(10 * time.Second)
	if _, err := s.Create(ctx, core.TicketDraft{}); err != nil {
		t.Fatalf("probe after recovery: %v", err)
	}
	if err := s.Comment(ctx, core.TicketRef{}, core.Comment{}); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if len(changes) != 2 || !changes[0] || changes[1] {
		t.Fatalf("state changes %v, want open then closed", changes)
	}
	// Permanent errors and 429s do not open it.
	inner.err = &core.CallError{Status: 400, Permanent: true}
	for range 5 {
		s.Create(ctx, core.TicketDraft{})
	}
	inner.err = &core.CallError{Status: 429, RetryAfter: time.Second}
	for range 5 {
		s.Create(ctx, core.TicketDraft{})
	}
	inner.err = nil
	if _, err := s.Create(ctx, core.TicketDraft{}); err != nil {
		t.Fatalf("400s and 429s opened the breaker: %v", err)
	}
}
