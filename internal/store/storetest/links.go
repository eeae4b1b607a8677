package storetest

import (
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func linkCases() []testCase {
	return []testCase{
		{"LinkOpenDuplicate", testLinkOpenDuplicate},
		{"LinkOpenConcurrent", testLinkOpenConcurrent},
		{"LinkLifecycle", testLinkLifecycle},
		{"LinkNotFound", testLinkNotFound},
		{"LinkSetTicketFollowUpsOnlyWhenSaid", testLinkSetTicketFollowUps},
	}
}

// The append queued with a ticket's creation is inserted only when the
// conversation said something after the description's last event.
func testLinkSetTicketFollowUps(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	quiet, chatty := conv("slack", "Q"), conv("slack", "T")
	var through [2]int64
	for i, c := range []core.ConversationRef{quiet, chatty} {
		_, err := s.IngestBatch(ctx, []core.Event{ev(c, "a"+c.Conversation, "/ticket it broke")}, nil)
		must(t, "IngestBatch", err)
		evs, err := s.ConversationEvents(ctx, c.Key(), 0, 0, 10)
		must(t, "ConversationEvents", err)
		through[i] = evs[0].ID
	}
	_, err := s.IngestBatch(ctx, []core.Event{ev(chatty, "b", "also this")}, nil)
	must(t, "IngestBatch follow-up", err)
	for i, c := range []core.ConversationRef{quiet, chatty} {
		l, _, err := s.LinkOpen(ctx, newLink("r1", c), nil)
		must(t, "LinkOpen", err)
		must(t, "LinkSetTicket", s.LinkSetTicket(ctx, store.TicketLinking{LinkID: l.ID, Ref: core.TicketRef{Key: "K-" + c.Conversation},
			Cursor: through[i], Jobs: job("notice-" + c.Conversation), IfFollowUps: job("append-" + c.Conversation)}))
	}
	wantJobTags(t, q, "notice-Q", "notice-T", "append-T")
}

func newLink(route string, c core.ConversationRef) store.Link {
	return store.Link{Route: route, ConvKey: c.Key(), Conversation: c, Sink: "jira"}
}

func testLinkOpenDuplicate(t *testing.T, s store.Store) {
	q := queue(t, s)
	c := core.ConversationRef{Source: "slack", Conversation: "C1", Thread: "T1"}
	first, made, err := s.LinkOpen(t.Context(), newLink("r1", c), job("create-1"))
	must(t, "first LinkOpen", err)
	if !made {
		t.Fatal("first LinkOpen: made = false")
	}
	if b, err := hex.DecodeString(first.ID); err != nil || len(b) != 16 {
		t.Errorf("link id %q is not 16 random bytes in hex", first.ID)
	}
	if first.State != store.LinkCreating || !first.Open() {
		t.Errorf("new link state = %q, want %q (open)", first.State, store.LinkCreating)
	}
	again, made, err := s.LinkOpen(t.Context(), newLink("r1", c), job("create-2"))
	must(t, "second LinkOpen", err)
	if made || again.ID != first.ID {
		t.Fatalf("second LinkOpen = (%s, made %v), want the first link %s, not made", again.ID, made, first.ID)
	}
	other, made, err := s.LinkOpen(t.Context(), newLink("r2", c), nil)
	must(t, "LinkOpen other route", err)
	if !made || other.ID == first.ID {
		t.Fatalf("other route: made %v id %s, want a new link", made, other.ID)
	}
	wantJobTags(t, q, "create-1")

	got, err := s.LinkGet(t.Context(), first.ID)
	must(t, "LinkGet", err)
	if got.Route != "r1" || got.ConvKey != c.Key() || got.Conversation != c || got.Sink != "jira" ||
		got.State != store.LinkCreating || got.CreatedAt.IsZero() {
		t.Errorf("LinkGet = %+v, want the stored link", got)
	}
	open, err := s.LinksForConversation(t.Context(), c.Key())
	must(t, "LinksForConversation", err)
	if len(open) != 2 {
		t.Errorf("LinksForConversation: %d links, want 2 (one per route)", len(open))
	}
}

func testLinkOpenConcurrent(t *testing.T, s store.Store) {
	q := queue(t, s)
	c := conv("slack", "C1")
	const n = 10
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		ids   = map[string]int{}
		made  int
		start = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			l, ok, err := s.LinkOpen(t.Context(), newLink("r1", c), job("create"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("concurrent LinkOpen: %v", err)
				return
			}
			ids[l.ID]++
			if ok {
				made++
			}
		})
	}
	close(start)
	wg.Wait()
	if made != 1 || len(ids) != 1 {
		t.Fatalf("%d concurrent LinkOpen: %d made, ids %v; want one link made and returned to all", n, made, ids)
	}
	wantJobTags(t, q, "create")
}

func testLinkLifecycle(t *testing.T, s store.Store) {
	q := queue(t, s)
	c := conv("slack", "C1")
	l, _, err := s.LinkOpen(t.Context(), newLink("r1", c), nil)
	must(t, "LinkOpen", err)

	ref := core.TicketRef{Sink: "jira", Key: "SUP-7", URL: "https://jira.example/SUP-7", Status: "To Do"}
	audit := &store.AuditEntry{Actor: "system", Action: "ticket.create", Target: "jira/SUP-7"}
	must(t, "LinkSetTicket", s.LinkSetTicket(t.Context(), store.TicketLinking{LinkID: l.ID, Ref: ref, Cursor: 5, Jobs: job("set-ticket"), Audit: audit}))
	got, err := s.LinkByTicket(t.Context(), "jira", "SUP-7")
	must(t, "LinkByTicket", err)
	if got.ID != l.ID || got.TicketKey != "SUP-7" || got.TicketURL != ref.URL || got.SinkStatus != "To Do" ||
		got.Cursor != 5 || got.State != core.StateOpen {
		t.Fatalf("after LinkSetTicket: %+v, want ticket SUP-7, cursor 5, state open", got)
	}

	for _, st := range []struct {
		to, want int64
	}{{10, 10}, {7, 10}, {10, 10}, {12, 12}} {
		must(t, "LinkAdvance", s.LinkAdvance(t.Context(), l.ID, st.to))
		got, err := s.LinkGet(t.Context(), l.ID)
		must(t, "LinkGet", err)
		if got.Cursor != st.want {
			t.Fatalf("LinkAdvance(%d): cursor %d, want %d", st.to, got.Cursor, st.want)
		}
	}

	must(t, "in progress", s.LinkSetStatus(t.Context(), l.ID, "In Progress", core.StateInProgress, nil))
	if _, made, _ := s.LinkOpen(t.Context(), newLink("r1", c), nil); made {
		t.Fatal("LinkOpen made a second link while the first is in progress")
	}
	before := time.Now().Add(-time.Minute)
	must(t, "resolve", s.LinkSetStatus(t.Context(), l.ID, "Done", core.StateResolved, job("resolved")))
	got, err = s.LinkGet(t.Context(), l.ID)
	must(t, "LinkGet", err)
	if got.State != core.StateResolved || got.SinkStatus != "Done" || got.Open() || got.UpdatedAt.Before(before) {
		t.Fatalf("after resolve: %+v, want state resolved, sink status Done", got)
	}
	open, err := s.LinksForConversation(t.Context(), c.Key())
	must(t, "LinksForConversation", err)
	if len(open) != 0 {
		t.Fatalf("resolved link still listed as open: %+v", open)
	}
	next, made, err := s.LinkOpen(t.Context(), newLink("r1", c), nil)
	must(t, "LinkOpen after resolve", err)
	if !made || next.ID == l.ID {
		t.Fatalf("LinkOpen after resolve: made %v id %s, want a new link", made, next.ID)
	}
	byTicket, err := s.LinkByTicket(t.Context(), "jira", "SUP-7")
	must(t, "LinkByTicket after resolve", err)
	if byTicket.ID != l.ID {
		t.Fatalf("LinkByTicket = %s, want the resolved link %s", byTicket.ID, l.ID)
	}
	if err := s.LinkSetStatus(t.Context(), l.ID, "x", "bogus", nil); err == nil {
		t.Error("LinkSetStatus with an unknown state succeeded")
	}
	wantJobTags(t, q, "set-ticket", "resolved")
}

func testLinkNotFound(t *testing.T, s store.Store) {
	queue(t, s)
	_, err := s.LinkGet(t.Context(), "nope")
	wantNotFound(t, "LinkGet", err)
	_, err = s.LinkByTicket(t.Context(), "jira", "NOPE-1")
	wantNotFound(t, "LinkByTicket", err)
	wantNotFound(t, "LinkAdvance", s.LinkAdvance(t.Context(), "nope", 3))
	wantNotFound(t, "LinkSetTicket", s.LinkSetTicket(t.Context(), store.TicketLinking{LinkID: "nope", Ref: core.TicketRef{Key: "X-1"}, Cursor: 1, Jobs: job("x"), Audit: &store.AuditEntry{Actor: "system", Action: "ticket.create"}}))
	wantNotFound(t, "LinkSetStatus", s.LinkSetStatus(t.Context(), "nope", "Done", core.StateClosed, nil))
	links, err := s.LinksForConversation(t.Context(), "slack/none")
	must(t, "LinksForConversation", err)
	if len(links) != 0 {
		t.Errorf("LinksForConversation of an unknown conversation = %+v", links)
	}
}
