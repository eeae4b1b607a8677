package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

func leaseCases() []testCase {
	return []testCase{
		{"LinkLease", testLinkLease},
		{"ConversationEventsAfter", testConversationEventsAfter},
		{"ProposalCategory", testProposalCategory},
		{"Cursors", testCursors},
	}
}

func testLinkLease(t *testing.T, s store.Store) {
	l, _, err := s.LinkOpen(t.Context(), newLink("r1", conv("slack", "C1")), nil)
	must(t, "LinkOpen", err)
	got, err := s.LinkLease(t.Context(), l.ID, time.Now().Add(time.Minute))
	must(t, "first LinkLease", err)
	if !got {
		t.Fatal("first LinkLease = false, want the free lease")
	}
	got, err = s.LinkLease(t.Context(), l.ID, time.Now().Add(time.Minute))
	must(t, "second LinkLease", err)
	if got {
		t.Fatal("second LinkLease = true while the first holder's lease runs")
	}
	if held, _ := s.LinkGet(t.Context(), l.ID); held.LeaseUntil.IsZero() {
		t.Fatal("LinkGet of a leased link: LeaseUntil is zero")
	}
	must(t, "LinkRelease", s.LinkRelease(t.Context(), l.ID))
	if free, _ := s.LinkGet(t.Context(), l.ID); !free.LeaseUntil.IsZero() {
		t.Fatalf("LinkGet of a released link: LeaseUntil = %v, want zero", free.LeaseUntil)
	}
	got, err = s.LinkLease(t.Context(), l.ID, time.Now().Add(-time.Second))
	must(t, "LinkLease after release", err)
	if !got {
		t.Fatal("LinkLease after release = false")
	}
	// That lease has already expired, so a crashed holder does not block;
	// readers can tell it lapsed unreleased.
	if lapsed, _ := s.LinkGet(t.Context(), l.ID); lapsed.LeaseUntil.IsZero() || lapsed.LeaseUntil.After(time.Now()) {
		t.Fatalf("LinkGet of a lapsed lease: LeaseUntil = %v, want a past time", lapsed.LeaseUntil)
	}
	got, err = s.LinkLease(t.Context(), l.ID, time.Now().Add(time.Minute))
	must(t, "LinkLease over an expired lease", err)
	if !got {
		t.Fatal("LinkLease over an expired lease = false")
	}
	// An append's recorded range is read back and cleared by the advance.
	must(t, "LinkAppendBegin", s.LinkAppendBegin(t.Context(), l.ID, 7))
	if rec, _ := s.LinkGet(t.Context(), l.ID); rec.AppendThrough != 7 {
		t.Fatalf("AppendThrough = %d after LinkAppendBegin(7)", rec.AppendThrough)
	}
	must(t, "LinkAdvance", s.LinkAdvance(t.Context(), l.ID, 7))
	if rec, _ := s.LinkGet(t.Context(), l.ID); rec.AppendThrough != 0 || rec.Cursor != 7 {
		t.Fatalf("after LinkAdvance: cursor %d, AppendThrough %d; want 7, 0", rec.Cursor, rec.AppendThrough)
	}
	got, err = s.LinkLease(t.Context(), "no-such-link", time.Now().Add(time.Minute))
	must(t, "LinkLease of an unknown link", err)
	if got {
		t.Fatal("LinkLease of an unknown link = true")
	}
}

func testConversationEventsAfter(t *testing.T, s store.Store) {
	a, b := conv("slack", "A"), conv("slack", "B")
	ids := ingest(t, s, ev(a, "1", "a1"), ev(b, "2", "b1"), ev(a, "3", "a2"), ev(a, "4", "a3"), ev(a, "5", "a4"))
	tests := []struct {
		after int64
		limit int
		want  []int64
	}{
		{0, 10, []int64{ids[0], ids[2], ids[3], ids[4]}},
		{ids[0], 2, []int64{ids[2], ids[3]}}, // oldest first, unlike ConversationEvents
		{ids[4], 10, nil},
	}
	for _, tt := range tests {
		got, err := s.ConversationEventsAfter(t.Context(), a.Key(), tt.after, tt.limit)
		must(t, "ConversationEventsAfter", err)
		if !slices.Equal(eventIDs(got), tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("ConversationEventsAfter(after %d, limit %d) = %v, want %v", tt.after, tt.limit, eventIDs(got), tt.want)
		}
	}
}

func testProposalCategory(t *testing.T, s store.Store) {
	p := newProposal("r1", 7)
	p.Category = "refund"
	_, _, err := s.ProposalCreate(t.Context(), p, nil)
	must(t, "ProposalCreate", err)
	got, err := s.ProposalPending(t.Context(), "r1", p.ConvKey)
	must(t, "ProposalPending", err)
	if got.Category != "refund" {
		t.Fatalf("Category = %q, want refund", got.Category)
	}
}

func testCursors(t *testing.T, s store.Store) {
	got, err := s.CursorGet(t.Context(), "poll:jira")
	must(t, "CursorGet of a new cursor", err)
	if got != "" {
		t.Fatalf("new cursor = %q, want empty", got)
	}
	must(t, "CursorSet", s.CursorSet(t.Context(), "poll:jira", "2026-11-28T10:00:00Z"))
	must(t, "CursorSet again", s.CursorSet(t.Context(), "poll:jira", "2026-11-28T11:00:00Z"))
	must(t, "CursorSet other", s.CursorSet(t.Context(), "poll:zendesk", "c-1"))
	if got, err := s.CursorGet(t.Context(), "poll:jira"); err != nil || got != "2026-11-28T11:00:00Z" {
		t.Fatalf("cursor = %q, %v; want the last value", got, err)
	}
}
