package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// A local-desk ticket decided at ingest (Change.Ticket) commits with the
// events, its link's record and its jobs, or not at all: a batch that
// fails after the ticket was inserted keeps no ticket, link, event or job.
func testIngestDeskTicket(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	c := conv("chat", "DT")
	opening := func(fail bool) store.Decide {
		return func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) ([]store.Change, store.Jobs, error) {
			l := newLink("r1", c)
			l.ID, l.Sink = "link-"+fresh[0].EventID, "desk"
			open := store.Change{Open: &l, Ticket: &store.DeskCreation{
				Draft: draft("tb-"+l.ID, "printer on fire"),
				Link: func(dt store.DeskTicket, made bool) (store.TicketLinking, error) {
					if !made || dt.Key == "" {
						t.Errorf("desk ticket %+v made=%v, want a new one", dt, made)
					}
					return store.TicketLinking{LinkID: l.ID, Ref: core.TicketRef{Sink: "desk", Key: dt.Key, Status: dt.Status},
						Cursor: fresh[0].ID, Jobs: job("created-notice"), IfFollowUps: job("append")}, nil
				},
			}}
			changes := []store.Change{open}
			if fail {
				changes = append(changes, store.Change{Propose: &store.Proposal{Route: "r2", Conversation: c,
					ExpiresAt: time.Now().Add(time.Hour)}, Jobs: store.Jobs{{Args: badJob{}}}})
			}
			return changes, nil, nil
		}
	}
	batch := []core.Event{ev(c, "e1", "/ticket printer on fire"), ev(c, "e2", "and it smells")}

	if _, err := s.IngestDecide(ctx, batch, opening(true)); err == nil {
		t.Fatal("IngestDecide succeeded although a change failed")
	}
	if _, err := s.DeskFindByExternalID(ctx, "tb-link-e1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed batch kept its desk ticket: %v", err)
	}
	st, err := s.ConversationsState(ctx, []string{c.Key()})
	must(t, "ConversationsState", err)
	if len(st[c.Key()].Links) != 0 {
		t.Fatalf("the failed batch kept its link: %+v", st)
	}
	if evs, err := s.ConversationEvents(ctx, c.Key(), 0, 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("the failed batch kept events %+v (%v)", evs, err)
	}
	wantJobTags(t, q)
	wantTitleFound(t, s, "printer on fire")

	acc, err := s.IngestDecide(ctx, batch, opening(false))
	must(t, "IngestDecide", err)
	if !slices.Equal(acc, []bool{true, true}) {
		t.Fatalf("accepted %v", acc)
	}
	wantTitleFound(t, s, "printer on fire", "tb-link-e1")
	dt, err := s.DeskFindByExternalID(ctx, "tb-link-e1")
	must(t, "DeskFindByExternalID", err)
	st, err = s.ConversationsState(ctx, []string{c.Key()})
	must(t, "ConversationsState", err)
	if l := st[c.Key()].Links; len(l) != 1 || l[0].TicketKey != dt.Key || l[0].State != core.StateOpen {
		t.Fatalf("link %+v, want open with ticket %s", l, dt.Key)
	}
	// e2 came after the cursor (e1), so the follow-up append is queued.
	wantJobTags(t, q, "created-notice", "append")

	// A redelivery is a duplicate and decides nothing.
	acc, err = s.IngestDecide(ctx, batch, opening(false))
	must(t, "IngestDecide again", err)
	if !slices.Equal(acc, []bool{false, false}) {
		t.Fatalf("redelivery accepted %v", acc)
	}
	tickets, err := s.DeskList(ctx, "", 10)
	must(t, "DeskList", err)
	if len(tickets) != 1 {
		t.Fatalf("%d desk tickets, want 1", len(tickets))
	}
	wantJobTags(t, q, "created-notice", "append")

	// A second ticket asked for while the link is open opens nothing and
	// makes no desk ticket (PostgreSQL sends both inserts as one
	// statement; the ticket's must not run when the link's did not).
	again := func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) ([]store.Change, store.Jobs, error) {
		l := newLink("r1", c)
		l.ID, l.Sink = "link-"+fresh[0].EventID, "desk"
		return []store.Change{{Open: &l, Jobs: job("creation-job"), Ticket: &store.DeskCreation{
			Draft: draft("tb-"+l.ID, "printer still on fire"),
			Link: func(store.DeskTicket, bool) (store.TicketLinking, error) {
				t.Error("the ticket of a link that did not open was recorded")
				return store.TicketLinking{}, errors.New("not opened")
			},
		}}}, nil, nil
	}
	_, err = s.IngestDecide(ctx, []core.Event{ev(c, "e3", "/ticket printer still on fire")}, again)
	must(t, "IngestDecide with a link open", err)
	if _, err := s.DeskFindByExternalID(ctx, "tb-link-e3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a link that did not open made desk ticket tb-link-e3 (%v)", err)
	}
	if tickets, err := s.DeskList(ctx, "", 10); err != nil || len(tickets) != 1 {
		t.Fatalf("%d desk tickets (%v), want still 1", len(tickets), err)
	}
	wantJobTags(t, q, "created-notice", "append")
}

// Several desk tickets decided in one batch (PostgreSQL opens them all in
// two pipelined round trips) each open their link, make their ticket and
// queue their record's jobs; one whose conversation already has a link
// open makes nothing, and the others are not held back by it.
func testIngestDeskTickets(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	busy := conv("chat", "DS-busy")
	open := newLink("r1", busy)
	_, err := s.Apply(ctx, []store.Change{{Open: &open}})
	must(t, "Apply", err)
	opening := func(ctx context.Context, r store.StateReader, fresh []core.StoredEvent) ([]store.Change, store.Jobs, error) {
		var changes []store.Change
		for _, e := range fresh {
			if !strings.HasPrefix(e.Text, "/ticket") {
				continue
			}
			l := newLink("r1", e.Conversation)
			l.ID, l.Sink = "link-"+e.EventID, "desk"
			changes = append(changes, store.Change{Open: &l, Jobs: job("opened-" + e.EventID), Ticket: &store.DeskCreation{
				Draft: draft("tb-"+l.ID, "ticket of "+e.EventID),
				Link: func(dt store.DeskTicket, made bool) (store.TicketLinking, error) {
					if !made || dt.Key == "" || dt.Title != "ticket of "+e.EventID {
						t.Errorf("desk ticket %+v made=%v for %s, want a new one", dt, made, e.EventID)
					}
					return store.TicketLinking{LinkID: l.ID, Ref: core.TicketRef{Sink: "desk", Key: dt.Key, Status: dt.Status},
						Cursor: e.ID, Jobs: job("created-" + e.EventID), IfFollowUps: job("append-" + e.EventID),
						Audit: &store.AuditEntry{Actor: "system", Action: "ticket.create", Target: "desk/" + dt.Key}}, nil
				},
			}})
		}
		return changes, nil, nil
	}
	a, b := conv("chat", "DS-a"), conv("chat", "DS-b")
	batch := []core.Event{ev(a, "s1", "/ticket one"), ev(busy, "s2", "/ticket two"), ev(b, "s3", "/ticket three"), ev(b, "s4", "and more")}
	_, err = s.IngestDecide(ctx, batch, opening)
	must(t, "IngestDecide", err)
	for _, c := range []struct {
		ext  string
		conv core.ConversationRef
		made bool
	}{{"tb-link-s1", a, true}, {"tb-link-s2", busy, false}, {"tb-link-s3", b, true}} {
		dt, err := s.DeskFindByExternalID(ctx, c.ext)
		if !c.made {
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: a link that did not open made a desk ticket (%+v, %v)", c.ext, dt, err)
			}
			continue
		}
		must(t, "DeskFindByExternalID "+c.ext, err)
		st, err := s.ConversationsState(ctx, []string{c.conv.Key()})
		must(t, "ConversationsState", err)
		if l := st[c.conv.Key()].Links; len(l) != 1 || l[0].TicketKey != dt.Key || l[0].State != core.StateOpen {
			t.Fatalf("%s: link %+v, want open with ticket %s", c.ext, l, dt.Key)
		}
	}
	// s4 came after s3 in its conversation, so s3's ticket gets the append.
	wantJobTags(t, q, "opened-s1", "created-s1", "opened-s3", "created-s3", "append-s3")
	// Both titles of the batch are searchable (SQLite reads the newest
	// titles outside its trigram index, store/sqlite/titles.go).
	wantTitleFound(t, s, "ticket of s1", "tb-link-s1")
	wantTitleFound(t, s, "ticket of s3", "tb-link-s3")
	wantTitleFound(t, s, "ticket of", "tb-link-s3", "tb-link-s1")
	audit, err := s.AuditList(ctx, store.AuditFilter{Action: "ticket.create"})
	must(t, "AuditList", err)
	if len(audit) != 2 {
		t.Fatalf("%d audit entries for the tickets, want 2: %+v", len(audit), audit)
	}
}

// wantTitleFound checks that the console's title search for text finds
// exactly the desk tickets with these external ids, newest first.
func wantTitleFound(t *testing.T, s store.Store, text string, external ...string) {
	t.Helper()
	got, err := consoleStore(t, s).DeskSearch(t.Context(), store.DeskFilter{Text: text})
	must(t, "DeskSearch "+text, err)
	var ids []string
	for _, g := range got {
		ids = append(ids, g.ExternalID)
	}
	if !slices.Equal(ids, external) {
		t.Errorf("title search %q found %v, want %v", text, ids, external)
	}
}
