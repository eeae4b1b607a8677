package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func miscCases() []testCase {
	return []testCase{
		{"DryRuns", testDryRuns},
		{"TicketEventsDedupe", testTicketEventsDedupe},
		{"TicketEventsDecidedWhenStored", testTicketEventsDecide},
		{"Posted", testPosted},
	}
}

func testDryRuns(t *testing.T, s store.Store) {
	for i, title := range []string{"one", "two", "three"} {
		d := store.DryRun{Route: "r1", ConvKey: "slack/C1", Rule: "kw",
			Draft: core.TicketDraft{ExternalID: "tb-" + title, Title: title, Labels: []string{"x"},
				Requester: core.Requester{Name: "Ann"}, Custom: map[string]any{"n": float64(i)}}}
		must(t, "DryRunRecord", s.DryRunRecord(t.Context(), d))
	}
	got, err := s.DryRuns(t.Context(), 2)
	must(t, "DryRuns", err)
	var titles []string
	for _, d := range got {
		titles = append(titles, d.Draft.Title)
	}
	if !slices.Equal(titles, []string{"three", "two"}) {
		t.Fatalf("DryRuns(2) titles = %q, want newest first [three two]", titles)
	}
	want := core.TicketDraft{ExternalID: "tb-three", Title: "three", Labels: []string{"x"},
		Requester: core.Requester{Name: "Ann"}, Custom: map[string]any{"n": 2.0}}
	if d := got[0]; !reflect.DeepEqual(d.Draft, want) || d.Route != "r1" || d.ConvKey != "slack/C1" ||
		d.Rule != "kw" || d.CreatedAt.IsZero() {
		t.Errorf("DryRuns()[0] = %+v, want draft %+v", d, want)
	}
	all, err := s.DryRuns(t.Context(), 0)
	must(t, "DryRuns(0)", err)
	if len(all) != 3 {
		t.Errorf("DryRuns(0) returned %d, want all 3", len(all))
	}
}

func tev(sink, id string) core.TicketEvent {
	return core.TicketEvent{Sink: sink, EventID: id, Kind: core.TicketStatusChanged,
		Ticket: core.TicketRef{Sink: sink, Key: "SUP-1"}, From: "To Do", To: "Done", Time: base}
}

func testTicketEventsDedupe(t *testing.T, s store.Store) {
	q := queue(t, s)
	var calls [][]string
	decide := func(_ context.Context, _ store.TicketTx, fresh []core.TicketEvent) (store.Jobs, error) {
		var ids []string
		for _, e := range fresh {
			ids = append(ids, e.Sink+":"+e.EventID)
		}
		calls = append(calls, ids)
		return job("notify"), nil
	}
	steps := []struct {
		batch    []core.TicketEvent
		accepted []bool
		fresh    []string
	}{
		{[]core.TicketEvent{tev("jira", "1"), tev("jira", "2"), tev("jira", "1")}, []bool{true, true, false}, []string{"jira:1", "jira:2"}},
		{[]core.TicketEvent{tev("jira", "2"), tev("zendesk", "2"), tev("jira", "3")}, []bool{false, true, true}, []string{"zendesk:2", "jira:3"}},
		{[]core.TicketEvent{tev("jira", "3"), tev("zendesk", "2")}, []bool{false, false}, nil},
	}
	for i, st := range steps {
		calls = nil
		acc, err := s.TicketEventsIngest(t.Context(), st.batch, decide)
		must(t, "TicketEventsIngest", err)
		if !slices.Equal(acc, st.accepted) {
			t.Fatalf("step %d: accepted %v, want %v", i, acc, st.accepted)
		}
		switch {
		case st.fresh == nil && len(calls) != 0:
			t.Fatalf("step %d: decide called with %v, want no call", i, calls)
		case st.fresh != nil && (len(calls) != 1 || !slices.Equal(calls[0], st.fresh)):
			t.Fatalf("step %d: decide calls %v, want one with %v", i, calls, st.fresh)
		}
	}
	wantJobTags(t, q, "notify", "notify")
}

func testPosted(t *testing.T, s store.Store) {
	has := func(source, id string) bool {
		t.Helper()
		ok, err := s.PostedHas(t.Context(), source, id)
		must(t, "PostedHas", err)
		return ok
	}
	if has("slack", "m1") {
		t.Fatal("PostedHas before PostedAdd = true")
	}
	must(t, "PostedAdd", s.PostedAdd(t.Context(), "slack", "m1"))
	must(t, "PostedAdd again", s.PostedAdd(t.Context(), "slack", "m1"))
	if !has("slack", "m1") {
		t.Fatal("PostedHas after PostedAdd = false")
	}
	if has("feishu", "m1") || has("slack", "m2") {
		t.Fatal("PostedHas matched another source or message")
	}
}

// Ticket events are decided in the transaction that stores them: decide
// finds the link through it, the status it records and the jobs it
// returns commit with the events, and a failing decide keeps nothing (the
// system's redelivery is then new again).
func testTicketEventsDecide(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	l, _, err := s.LinkOpen(ctx, newLink("r1", conv("slack", "TE")), nil)
	must(t, "LinkOpen", err)
	must(t, "LinkSetTicket", s.LinkSetTicket(ctx, store.TicketLinking{LinkID: l.ID, Ref: core.TicketRef{Sink: "jira", Key: "SUP-1"}}))
	fail := true
	decide := func(ctx context.Context, tx store.TicketTx, fresh []core.TicketEvent) (store.Jobs, error) {
		var jobs store.Jobs
		for _, e := range fresh {
			link, err := tx.LinkByTicket(ctx, e.Sink, e.Ticket.Key)
			if err != nil {
				return nil, err
			}
			if err := tx.SetLinkStatus(ctx, link.ID, e.To, core.StateResolved); err != nil {
				return nil, err
			}
			again, err := tx.LinkGet(ctx, link.ID)
			if err != nil || again.State != core.StateResolved {
				t.Errorf("through the transaction the link is %+v (%v), want resolved", again, err)
			}
			jobs = append(jobs, job("status-"+e.EventID)...)
		}
		if fail {
			return nil, errors.New("decide failed")
		}
		return jobs, nil
	}
	batch := []core.TicketEvent{tev("jira", "s1")}
	if _, err := s.TicketEventsIngest(ctx, batch, decide); err == nil {
		t.Fatal("TicketEventsIngest succeeded although decide failed")
	}
	if got, err := s.LinkGet(ctx, l.ID); err != nil || got.State != core.StateOpen {
		t.Fatalf("after the failed ingest the link is %+v (%v), want still open", got, err)
	}
	wantJobTags(t, q)
	fail = false
	acc, err := s.TicketEventsIngest(ctx, batch, decide)
	must(t, "TicketEventsIngest", err)
	if !slices.Equal(acc, []bool{true}) {
		t.Fatalf("the redelivery after a failure: accepted %v, want [true]", acc)
	}
	got, err := s.LinkGet(ctx, l.ID)
	must(t, "LinkGet", err)
	if got.State != core.StateResolved || got.SinkStatus != "Done" {
		t.Fatalf("link %+v, want resolved with sink status Done", got)
	}
	wantJobTags(t, q, "status-s1")
}
