package storetest

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func changeCases() []testCase {
	return []testCase{
		{"ApplyAcceptOpensLinkOrNothing", testApplyAccept},
		{"ApplyRollsBackWhole", testApplyRollsBack},
		{"ConversationsState", testConversationsState},
		{"QueueLag", testQueueLag},
		{"IngestDecideInOneTransaction", testIngestDecide},
		{"IngestDecideMakesDeskTicket", testIngestDeskTicket},
		{"IngestDecideMakesDeskTickets", testIngestDeskTickets},
		{"RecentEventsInOneRead", testRecentEvents},
		{"IngestRefusesUnencodableEvent", testIngestUnencodable},
	}
}

// A reader that answers several conversations' recent events at once
// (PostgreSQL's ingest transaction) gives each request what
// ConversationEvents gives it: the last Limit events through the id,
// oldest first, this batch's rows included.
func testRecentEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b, empty := conv("chat", "RA"), conv("chat", "RB"), conv("chat", "RC")
	_, err := s.IngestBatch(ctx, []core.Event{ev(a, "a1", "one"), ev(a, "a2", "two"), ev(b, "b1", "one"), ev(a, "a3", "three")}, nil)
	must(t, "IngestBatch", err)
	checked := false
	look := func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) ([]store.Change, store.Jobs, error) {
		rr, ok := r.(store.RecentReader)
		if !ok {
			return nil, nil, nil
		}
		reqs := []store.RecentRequest{
			{ConvKey: a.Key(), ThroughID: fresh[0].ID, Limit: 2},
			{ConvKey: a.Key(), ThroughID: fresh[2].ID, Limit: 0},
			{ConvKey: b.Key(), ThroughID: fresh[1].ID, Limit: 5},
			{ConvKey: empty.Key(), ThroughID: fresh[2].ID, Limit: 3},
			{ConvKey: a.Key(), ThroughID: fresh[0].ID - 1, Limit: 10},
		}
		got, err := rr.RecentEvents(ctx, reqs)
		if err != nil {
			return nil, nil, err
		}
		if len(got) != len(reqs) {
			t.Fatalf("%d answers for %d requests", len(got), len(reqs))
		}
		for i, q := range reqs {
			want, err := r.ConversationEvents(ctx, q.ConvKey, 0, q.ThroughID, q.Limit)
			must(t, "ConversationEvents", err)
			if !slices.EqualFunc(got[i], want, func(x, y core.StoredEvent) bool { return x.ID == y.ID && x.Text == y.Text }) {
				t.Errorf("request %d %+v: %v, want %v", i, q, eventIDs(got[i]), eventIDs(want))
			}
		}
		checked = true
		return nil, nil, nil
	}
	_, err = s.IngestDecide(ctx, []core.Event{ev(a, "a4", "four"), ev(b, "b2", "two"), ev(a, "a5", "five")}, look)
	must(t, "IngestDecide", err)
	if !checked {
		t.Skip("this store's transaction reads each conversation on its own (ConversationEvents)")
	}
}

// IngestDecide hands decide the new rows and a view of the conversations
// through its own transaction (the new rows included), applies its
// changes and jobs with the events, and on an error keeps nothing.
func testIngestDecide(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	a, b := conv("slack", "DA"), conv("slack", "DB")
	la := newLink("r1", a)
	_, err := s.Apply(ctx, []store.Change{{Open: &la}})
	must(t, "Apply", err)

	failing := func(context.Context, store.StateReader, []core.StoredEvent) ([]store.Change, store.Jobs, error) {
		return nil, nil, errors.New("decide failed")
	}
	if _, err := s.IngestDecide(ctx, []core.Event{ev(b, "d0", "lost")}, failing); err == nil {
		t.Fatal("IngestDecide succeeded although decide failed")
	}
	calls := 0
	decide := func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) ([]store.Change, store.Jobs, error) {
		calls++
		if len(fresh) != 2 || fresh[0].EventID != "d1" || fresh[1].EventID != "d2" || fresh[0].ID == 0 || fresh[0].ID >= fresh[1].ID || fresh[1].StoredAt.IsZero() {
			t.Errorf("fresh = %+v, want d1 then d2 with ids and a stored time", fresh)
		}
		st, err := r.ConversationsState(ctx, []string{a.Key(), b.Key()})
		if err != nil {
			return nil, nil, err
		}
		if len(st[a.Key()].Links) != 1 || len(st[b.Key()].Links) != 0 {
			t.Errorf("state through the transaction = %+v", st)
		}
		evs, err := r.ConversationEvents(ctx, b.Key(), 0, 0, 10)
		if err != nil {
			return nil, nil, err
		}
		if len(evs) != 1 || evs[0].EventID != "d2" || evs[0].Text != "second" {
			t.Errorf("B's events through the transaction = %+v, want the new d2 alone", evs)
		}
		lb := newLink("r1", b)
		return []store.Change{{Open: &lb, Jobs: job("create-B")}}, job("process"), nil
	}
	acc, err := s.IngestDecide(ctx, []core.Event{ev(a, "d1", "first"), ev(b, "d2", "second"), ev(a, "d1", "first")}, decide)
	must(t, "IngestDecide", err)
	if !slices.Equal(acc, []bool{true, true, false}) || calls != 1 {
		t.Fatalf("accepted %v after %d calls, want [true true false] after 1", acc, calls)
	}
	wantJobTags(t, q, "create-B", "process")
	st, err := s.ConversationsState(ctx, []string{b.Key()})
	must(t, "ConversationsState", err)
	if len(st[b.Key()].Links) != 1 {
		t.Fatalf("B's link was not opened: %+v", st)
	}
	if evs, err := s.ConversationEvents(ctx, b.Key(), 0, 0, 10); err != nil || len(evs) != 1 {
		t.Fatalf("B's events = %+v, %v: the failed batch's d0 must not be kept", evs, err)
	}
	// A redelivery decides nothing.
	acc, err = s.IngestDecide(ctx, []core.Event{ev(a, "d1", "first")}, decide)
	must(t, "IngestDecide again", err)
	if !slices.Equal(acc, []bool{false}) || calls != 1 {
		t.Fatalf("redelivery: accepted %v, decide called %d times", acc, calls)
	}
}

// An accepted confirmation opens its link and queues its creation in one
// change; accepting a proposal that is no longer pending does nothing.
func testApplyAccept(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	c := conv("slack", "C1")
	p, _, err := s.ProposalCreate(ctx, store.Proposal{Route: "r1", Conversation: c, EventID: 1, Rule: "kw",
		ExpiresAt: time.Now().Add(time.Hour)}, nil)
	must(t, "ProposalCreate", err)
	accept := func(tag string) store.Change {
		l := newLink("r1", c)
		return store.Change{Resolve: &store.Resolution{ID: p.ID, State: store.ProposalAccepted}, Open: &l, Jobs: job(tag)}
	}
	made, err := s.Apply(ctx, []store.Change{accept("create-1"), accept("create-2")})
	must(t, "Apply", err)
	if !slices.Equal(made, []bool{true, false}) {
		t.Fatalf("made = %v, want [true false]: the second accept finds the proposal resolved", made)
	}
	wantJobTags(t, q, "create-1")
	links, err := s.LinksForConversation(ctx, c.Key())
	must(t, "LinksForConversation", err)
	if len(links) != 1 || links[0].State != store.LinkCreating {
		t.Fatalf("links = %+v, want one creating link", links)
	}
	// A second proposal and link attempt on a route with an open link:
	// the proposal is made, the link and its jobs are not.
	l := newLink("r1", c)
	made, err = s.Apply(ctx, []store.Change{
		{Propose: &store.Proposal{Route: "r2", Conversation: c, EventID: 2, ExpiresAt: time.Now().Add(time.Hour)}, Jobs: job("propose")},
		{Open: &l, Jobs: job("create-3")},
		{DryRun: &store.DryRun{Route: "r3", ConvKey: c.Key(), Rule: "kw", Draft: draft("", "dry")}},
	})
	must(t, "second Apply", err)
	if !slices.Equal(made, []bool{true, false, true}) {
		t.Fatalf("made = %v, want [true false true]", made)
	}
	wantJobTags(t, q, "create-1", "propose")
	runs, err := s.DryRuns(ctx, 0)
	must(t, "DryRuns", err)
	if len(runs) != 1 || runs[0].Draft.Title != "dry" {
		t.Fatalf("dry runs = %+v", runs)
	}
}

// A change batch whose jobs cannot be inserted leaves nothing behind.
func testApplyRollsBack(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	c := conv("slack", "C2")
	l := newLink("r1", c)
	_, err := s.Apply(ctx, []store.Change{
		{Open: &l, Jobs: job("create")},
		{Propose: &store.Proposal{Route: "r2", Conversation: c, ExpiresAt: time.Now().Add(time.Hour)}, Jobs: store.Jobs{{Args: badJob{}}}},
	})
	if err == nil {
		t.Fatal("Apply with an uninsertable job succeeded")
	}
	wantJobTags(t, q)
	st, err := s.ConversationsState(ctx, []string{c.Key()})
	must(t, "ConversationsState", err)
	if len(st[c.Key()].Links) != 0 || len(st[c.Key()].Proposals) != 0 {
		t.Fatalf("a failed Apply kept %+v", st[c.Key()])
	}
}

func testConversationsState(t *testing.T, s store.Store) {
	queue(t, s)
	ctx := t.Context()
	a, b, none := conv("slack", "A"), conv("slack", "B"), conv("slack", "N")
	la, lb := newLink("r1", a), newLink("r1", b)
	_, err := s.Apply(ctx, []store.Change{
		{Open: &la}, {Open: &lb},
		{Propose: &store.Proposal{Route: "r2", Conversation: a, ExpiresAt: time.Now().Add(time.Hour)}},
	})
	must(t, "Apply", err)
	closed, _, err := s.LinkOpen(ctx, newLink("r3", b), nil)
	must(t, "LinkOpen", err)
	must(t, "LinkSetStatus", s.LinkSetStatus(ctx, closed.ID, "Done", "closed", nil))
	// A key given twice (two events of one conversation in a batch)
	// still gives each link and proposal once.
	st, err := s.ConversationsState(ctx, []string{a.Key(), b.Key(), none.Key(), a.Key()})
	must(t, "ConversationsState", err)
	if got := st[a.Key()]; len(got.Links) != 1 || got.Links[0].Route != "r1" || len(got.Proposals) != 1 || got.Proposals[0].Route != "r2" {
		t.Errorf("state of A = %+v", got)
	}
	if got := st[b.Key()]; len(got.Links) != 1 || len(got.Proposals) != 0 {
		t.Errorf("state of B = %+v, want its one open link", got)
	}
	if got, ok := st[none.Key()]; ok && (len(got.Links) > 0 || len(got.Proposals) > 0) {
		t.Errorf("state of N = %+v, want nothing", got)
	}

	// A conversation with a pending proposal alone, one with a closed
	// link alone, and a list in which no conversation has state.
	p, onlyClosed := conv("slack", "P"), conv("slack", "C")
	_, err = s.Apply(ctx, []store.Change{{Propose: &store.Proposal{Route: "r2", Conversation: p, ExpiresAt: time.Now().Add(time.Hour)}}})
	must(t, "Apply", err)
	c, _, err := s.LinkOpen(ctx, newLink("r1", onlyClosed), nil)
	must(t, "LinkOpen", err)
	must(t, "LinkSetStatus", s.LinkSetStatus(ctx, c.ID, "Done", "closed", nil))
	st, err = s.ConversationsState(ctx, []string{onlyClosed.Key(), p.Key(), none.Key()})
	must(t, "ConversationsState", err)
	if got := st[p.Key()]; len(got.Links) != 0 || len(got.Proposals) != 1 {
		t.Errorf("state of P = %+v, want its pending proposal", got)
	}
	if got := st[onlyClosed.Key()]; len(got.Links) != 0 || len(got.Proposals) != 0 {
		t.Errorf("state of C = %+v, want nothing: its one link is closed", got)
	}
	st, err = s.ConversationsState(ctx, []string{onlyClosed.Key(), none.Key()})
	must(t, "ConversationsState", err)
	for k, got := range st {
		if len(got.Links) > 0 || len(got.Proposals) > 0 {
			t.Errorf("state of %s = %+v, want nothing", k, got)
		}
	}
}

// QueueLag sees the oldest waiting job of the named queues only.
func testQueueLag(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	lagOf := func(queues ...string) time.Duration {
		t.Helper()
		lag, err := s.QueueLag(ctx, queues)
		must(t, "QueueLag", err)
		return lag
	}
	if lag := lagOf("lagged"); lag != 0 {
		t.Fatalf("empty queue lag = %v, want 0", lag)
	}
	insert := func(queue string) {
		t.Helper()
		if _, err := q.InsertMany(ctx, store.Jobs{{Args: testJob{Tag: queue}, InsertOpts: &river.InsertOpts{Queue: queue}}}); err != nil {
			t.Fatal(err)
		}
	}
	insert("older")
	for lagOf("older") < 50*time.Millisecond {
		time.Sleep(10 * time.Millisecond) // wait for the job to age measurably
	}
	insert("newer")
	newer, both, older := lagOf("newer", "empty"), lagOf("newer", "older"), lagOf("older")
	if newer >= older || both < newer {
		t.Fatalf("lag newer %v, both %v, older %v: want newer < older and the pair's lag the older one's", newer, both, older)
	}
}

// An event whose meta cannot be encoded fails its whole batch, which
// keeps nothing, and the store takes the next batch as usual (SQLite
// encodes a batch's rows inside its driver connection: rowArgs).
func testIngestUnencodable(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := conv("chat", "UNENC")
	bad := ev(c, "u2", "two")
	bad.Meta = map[string]any{"score": math.Inf(1)}
	if _, err := s.IngestBatch(ctx, []core.Event{ev(c, "u1", "one"), bad, ev(c, "u3", "three")}, nil); err == nil {
		t.Fatal("IngestBatch stored an event whose meta cannot be encoded")
	}
	if evs, err := s.ConversationEvents(ctx, c.Key(), 0, 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("after the failed batch: %d events, %v; want none", len(evs), err)
	}
	acc, err := s.IngestBatch(ctx, []core.Event{ev(c, "u1", "one"), ev(c, "u3", "three")}, nil)
	must(t, "IngestBatch", err)
	if !slices.Equal(acc, []bool{true, true}) {
		t.Fatalf("accepted %v, want both", acc)
	}
	if evs, err := s.ConversationEvents(ctx, c.Key(), 0, 0, 10); err != nil || len(evs) != 2 || evs[1].Text != "three" {
		t.Fatalf("after the good batch: %+v, %v", evs, err)
	}
}
