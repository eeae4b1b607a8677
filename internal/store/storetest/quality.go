package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func qualityCases() []testCase {
	return []testCase{{"CSAT", testCSAT}, {"SLAClock", testSLAClock}, {"SLARevisionsAndStatuses", testSLARevisions}, {"SLAClockStartsWithTheTicket", testSLAWithTicket}, {"DeskSetPriorityAndAssign", testDeskSetPriority}}
}

func quality(t *testing.T, s store.Store) store.Quality {
	t.Helper()
	q, ok := s.(store.Quality)
	if !ok {
		t.Fatalf("%T does not implement store.Quality", s)
	}
	return q
}

// testCSAT: one survey per ticket, none within the quiet period of the
// conversation or of the person, the latest open one found, and one answer each; jobs only go
// with changes that took effect.
func testCSAT(t *testing.T, s store.Store) {
	ctx, qs, q := t.Context(), quality(t, s), queue(t, s)
	c := conv("web", "c1")
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	ask := func(link string, at, quiet time.Time, tag string) bool {
		ok, err := qs.CSATAsk(ctx, store.CSAT{LinkID: link, Route: "r", Conversation: c, Sink: "desk", TicketKey: "LOCAL-" + link, AskedAt: at}, quiet, job(tag))
		must(t, "CSATAsk", err)
		return ok
	}
	if !ask("1", t0, t0.Add(-time.Hour), "ask-1") {
		t.Fatal("first ask not recorded")
	}
	if ask("1", t0.Add(48*time.Hour), t0.Add(47*time.Hour), "ask-1-again") {
		t.Fatal("a ticket was asked twice")
	}
	if ask("2", t0.Add(time.Hour), t0.Add(-23*time.Hour), "ask-2-quiet") {
		t.Fatal("asked within the quiet period")
	}
	if !ask("3", t0.Add(25*time.Hour), t0.Add(time.Hour), "ask-3") {
		t.Fatal("ask after the quiet period not recorded")
	}
	// The same person in another conversation is spared within the
	// period; another person there is not.
	askIn := func(link, customer string, at, quiet time.Time, tag string) bool {
		ok, err := qs.CSATAsk(ctx, store.CSAT{LinkID: link, Route: "r", Conversation: conv("web", "c-"+link), Sink: "desk",
			TicketKey: "LOCAL-" + link, Customer: customer, AskedAt: at}, quiet, job(tag))
		must(t, "CSATAsk", err)
		return ok
	}
	if !askIn("4", "web/ann", t0.Add(30*time.Hour), t0.Add(6*time.Hour), "ask-4") {
		t.Fatal("ask of ann not recorded")
	}
	if askIn("5", "web/ann", t0.Add(31*time.Hour), t0.Add(7*time.Hour), "ask-5-ann-again") {
		t.Fatal("ann asked twice within the quiet period")
	}
	if !askIn("6", "web/ben", t0.Add(31*time.Hour), t0.Add(7*time.Hour), "ask-6") {
		t.Fatal("ben spared because ann was asked")
	}
	if !askIn("7", "", t0.Add(31*time.Hour), t0.Add(7*time.Hour), "ask-7") {
		t.Fatal("an unknown customer spared because of others")
	}
	wantJobTags(t, q, "ask-1", "ask-3", "ask-4", "ask-6", "ask-7")

	open, err := qs.CSATOpen(ctx, c.Key(), t0)
	must(t, "CSATOpen", err)
	if open.LinkID != "3" || open.TicketKey != "LOCAL-3" || open.Conversation != c || !open.AskedAt.Equal(t0.Add(25*time.Hour)) {
		t.Fatalf("CSATOpen = %+v, want the survey of link 3", open)
	}
	_, err = qs.CSATOpen(ctx, c.Key(), t0.Add(26*time.Hour))
	wantNotFound(t, "CSATOpen after its window", err)

	ok, err := qs.CSATAnswer(ctx, "3", 4, "quick, thanks", t0.Add(26*time.Hour), job("answer-3"))
	must(t, "CSATAnswer", err)
	if !ok {
		t.Fatal("answer not recorded")
	}
	ok, err = qs.CSATAnswer(ctx, "3", 1, "changed my mind", t0.Add(27*time.Hour), job("answer-3-again"))
	must(t, "CSATAnswer again", err)
	if ok {
		t.Fatal("a survey was answered twice")
	}
	if _, err := qs.CSATAnswer(ctx, "1", 6, "", t0, nil); err == nil {
		t.Fatal("score 6 accepted")
	}
	wantJobTags(t, q, "ask-1", "ask-3", "ask-4", "ask-6", "ask-7", "answer-3")
	open, err = qs.CSATOpen(ctx, c.Key(), t0)
	must(t, "CSATOpen after the answer", err)
	if open.LinkID != "1" {
		t.Fatalf("CSATOpen after answering 3 = %s, want the older open survey 1", open.LinkID)
	}
}

// testSLAClock: a clock starts once, keeps the first first-response and
// resolution times, takes priority and assignee changes, and records
// each fired stage once.
func testSLAClock(t *testing.T, s store.Store) {
	ctx, qs, q := t.Context(), quality(t, s), queue(t, s)
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for i, tag := range []string{"start", "start-again"} {
		ok, err := qs.SLAStart(ctx, store.SLAClock{LinkID: "L", Route: "r", Priority: "normal", StartedAt: t0}, job(tag))
		must(t, "SLAStart", err)
		if ok != (i == 0) {
			t.Fatalf("SLAStart #%d made = %v", i+1, ok)
		}
	}
	_, err := qs.SLAGet(ctx, "nope")
	wantNotFound(t, "SLAGet", err)
	var rev int64
	update := func(u store.SLAUpdate, tag string) bool {
		ok, err := qs.SLAUpdate(ctx, "L", rev, u, job(tag))
		must(t, "SLAUpdate", err)
		if ok {
			rev++
		}
		return ok
	}
	if !update(store.SLAUpdate{FirstResponseAt: t0.Add(time.Hour)}, "first") {
		t.Fatal("first response not recorded")
	}
	if update(store.SLAUpdate{FirstResponseAt: t0.Add(2 * time.Hour)}, "first-again") {
		t.Fatal("a later reply moved the first response")
	}
	if !update(store.SLAUpdate{Priority: "urgent", Assignee: "Ana"}, "escalated") {
		t.Fatal("priority change not recorded")
	}
	if update(store.SLAUpdate{Priority: "urgent"}, "same-priority") {
		t.Fatal("an unchanged priority counted as a change")
	}
	if !update(store.SLAUpdate{ResolvedAt: t0.Add(3 * time.Hour)}, "resolved") {
		t.Fatal("resolution not recorded")
	}
	if ok, err := qs.SLAUpdate(ctx, "nope", 0, store.SLAUpdate{Priority: "high"}, job("no-clock")); err != nil || ok {
		t.Fatalf("SLAUpdate of a link without a clock = %v, %v", ok, err)
	}
	for i, st := range []string{"resolution/remind", "resolution/breach", "resolution/remind"} {
		ok, err := qs.SLAFire(ctx, "L", rev, st, t0.Add(time.Duration(i)*time.Minute), job("fire-"+st))
		must(t, "SLAFire", err)
		if ok {
			rev++
		}
		if ok != (i < 2) {
			t.Fatalf("SLAFire(%s) #%d made = %v", st, i+1, ok)
		}
	}
	c, err := qs.SLAGet(ctx, "L")
	must(t, "SLAGet", err)
	want := store.SLAClock{LinkID: "L", Route: "r", Priority: "urgent", StartedAt: t0, FirstResponseAt: t0.Add(time.Hour),
		ResolvedAt: t0.Add(3 * time.Hour), Assignee: "Ana", Fired: []string{"resolution/remind", "resolution/breach"}}
	if c.LinkID != want.LinkID || c.Route != want.Route || c.Priority != want.Priority || !c.StartedAt.Equal(want.StartedAt) ||
		!c.FirstResponseAt.Equal(want.FirstResponseAt) || !c.ResolvedAt.Equal(want.ResolvedAt) || c.Assignee != want.Assignee ||
		!slices.Equal(c.Fired, want.Fired) || c.Revision != rev || c.Revision != 5 || len(c.Statuses) != 0 {
		t.Fatalf("SLAGet = %+v\nwant %+v", c, want)
	}
	wantJobTags(t, q, "start", "first", "escalated", "resolved", "fire-resolution/remind", "fire-resolution/breach")
}

// testSLARevisions: a change computed from an older revision is refused
// (and inserts nothing); status changes (a resolution among them) come
// back in order of their own time whatever order they were told in, once
// per key; a priority from a
// change older than the clock's does not apply.
func testSLARevisions(t *testing.T, s store.Store) {
	ctx, qs, q := t.Context(), quality(t, s), queue(t, s)
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if _, err := qs.SLAStart(ctx, store.SLAClock{LinkID: "R", Route: "r", Priority: "normal", StartedAt: t0}, nil); err != nil {
		t.Fatal(err)
	}
	status := func(key string, h int, paused bool) store.SLAUpdate {
		return store.SLAUpdate{Status: &store.SLAStatus{Key: key, At: t0.Add(time.Duration(h) * time.Hour), Paused: paused}}
	}
	steps := []struct {
		name  string
		rev   int64
		u     store.SLAUpdate
		made  bool
		clash bool
	}{
		{"resumed at 3, told first", 0, status("e3", 3, false), true, false},
		{"paused at 1, told late", 1, status("e1", 1, true), true, false},
		{"the same event again", 2, status("e1", 1, true), false, false},
		{"computed from revision 1", 1, status("e5", 5, true), false, true},
		{"priority high at 4", 2, store.SLAUpdate{Priority: "high", PriorityAt: t0.Add(4 * time.Hour)}, true, false},
		{"priority low at 2, told late", 3, store.SLAUpdate{Priority: "low", PriorityAt: t0.Add(2 * time.Hour)}, false, false},
		{"high again at 6 (newer, same value)", 3, store.SLAUpdate{Priority: "high", PriorityAt: t0.Add(6 * time.Hour)}, true, false},
		{"low at 5, older than 6", 4, store.SLAUpdate{Priority: "low", PriorityAt: t0.Add(5 * time.Hour)}, false, false},
		{"escalated, no time of its own", 4, store.SLAUpdate{Priority: "urgent"}, true, false},
		{"resolved into a pause status at 7", 5, store.SLAUpdate{ResolvedAt: t0.Add(8 * time.Hour), Status: &store.SLAStatus{Key: "e7", At: t0.Add(7 * time.Hour), Paused: true, Resolved: true}}, true, false},
	}
	var tags []string
	for _, st := range steps {
		made, err := qs.SLAUpdate(ctx, "R", st.rev, st.u, job(st.name))
		if st.clash {
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("%s: SLAUpdate = %v, %v; want ErrConflict", st.name, made, err)
			}
			continue
		}
		must(t, st.name, err)
		if made != st.made {
			t.Fatalf("%s: made = %v, want %v", st.name, made, st.made)
		}
		if made {
			tags = append(tags, st.name)
		}
	}
	wantJobTags(t, q, tags...)
	c, err := qs.SLAGet(ctx, "R")
	must(t, "SLAGet", err)
	if c.Revision != 6 || c.Priority != "urgent" || !c.PriorityAt.Equal(t0.Add(6*time.Hour)) || !c.ResolvedAt.Equal(t0.Add(8*time.Hour)) {
		t.Fatalf("clock = %+v, want revision 6, priority urgent (set at 6h), resolved at 8h", c)
	}
	want := []store.SLAStatus{{Key: "e1", At: t0.Add(time.Hour), Paused: true}, {Key: "e3", At: t0.Add(3 * time.Hour)},
		{Key: "e7", At: t0.Add(7 * time.Hour), Paused: true, Resolved: true}}
	if len(c.Statuses) != len(want) {
		t.Fatalf("statuses = %+v, want %+v", c.Statuses, want)
	}
	for i := range want {
		if g := c.Statuses[i]; g.Key != want[i].Key || !g.At.Equal(want[i].At) || g.Paused != want[i].Paused || g.Resolved != want[i].Resolved {
			t.Fatalf("statuses = %+v, want %+v", c.Statuses, want)
		}
	}
	if _, err := qs.SLAFire(ctx, "R", 5, "resolution/breach", t0, job("stale-fire")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SLAFire from an old revision = %v, want ErrConflict", err)
	}
	if ok, err := qs.SLAFire(ctx, "R", 6, "resolution/breach", t0, job("fire")); err != nil || !ok {
		t.Fatalf("SLAFire = %v, %v", ok, err)
	}
	wantJobTags(t, q, append(tags, "fire")...)

	// Changes decided at once on the same revision: exactly one commits,
	// the others are told to decide again.
	const racers = 6
	errs := make(chan error, racers)
	for i := range racers {
		go func() {
			_, err := qs.SLAUpdate(ctx, "R", 7, store.SLAUpdate{Status: &store.SLAStatus{Key: fmt.Sprintf("race-%d", i), At: t0.Add(9 * time.Hour)}}, nil)
			errs <- err
		}()
	}
	won := 0
	for range racers {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("racing SLAUpdate: %v", err)
		}
	}
	c, err = qs.SLAGet(ctx, "R")
	must(t, "SLAGet", err)
	if won != 1 || c.Revision != 8 || len(c.Statuses) != 4 {
		t.Fatalf("%d racing updates won, clock at revision %d with %d statuses; want 1, 8, 4", won, c.Revision, len(c.Statuses))
	}
}

// testDeskSetPriority: the priority and the assignee change with their
// jobs; an unknown ticket is not found and inserts nothing.
func testDeskSetPriority(t *testing.T, s store.Store) {
	ctx, qs, q := t.Context(), quality(t, s), queue(t, s)
	tk, _, err := s.DeskCreate(ctx, core.TicketDraft{ExternalID: "tb-1", Title: "t", Priority: "normal"})
	must(t, "DeskCreate", err)
	must(t, "DeskSetPriority", qs.DeskSetPriority(ctx, tk.Key, "urgent", job("prio")))
	got, err := s.DeskGet(ctx, tk.Key)
	must(t, "DeskGet", err)
	if got.Priority != "urgent" {
		t.Fatalf("priority = %q, want urgent", got.Priority)
	}
	wantNotFound(t, "DeskSetPriority of LOCAL-999", qs.DeskSetPriority(ctx, "LOCAL-999", "high", job("none")))
	must(t, "DeskAssign", qs.DeskAssign(ctx, tk.Key, "Ana", job("assigned")))
	listing, err := consoleStore(t, s).DeskListingGet(ctx, tk.Key)
	must(t, "DeskListingGet", err)
	if listing.Assignee != "Ana" || listing.Priority != "urgent" {
		t.Fatalf("listing = %+v, want assignee Ana, priority urgent", listing)
	}
	wantNotFound(t, "DeskAssign of nope", qs.DeskAssign(ctx, "nope", "Ana", job("none")))
	wantJobTags(t, q, "prio", "assigned")

	// The satisfaction field: empty until written, the same write again
	// harmless, a score outside 1-5 refused.
	if sc, cm, err := qs.DeskSatisfaction(ctx, tk.Key); err != nil || sc != 0 || cm != "" {
		t.Fatalf("DeskSatisfaction before an answer = %d, %q, %v", sc, cm, err)
	}
	for range 2 {
		must(t, "DeskSetSatisfaction", qs.DeskSetSatisfaction(ctx, tk.Key, 4, "quick, 谢谢"))
	}
	if sc, cm, err := qs.DeskSatisfaction(ctx, tk.Key); err != nil || sc != 4 || cm != "quick, 谢谢" {
		t.Fatalf("DeskSatisfaction = %d, %q, %v; want 4, the comment", sc, cm, err)
	}
	if err := qs.DeskSetSatisfaction(ctx, tk.Key, 6, ""); err == nil {
		t.Fatal("score 6 accepted")
	}
	wantNotFound(t, "DeskSetSatisfaction of LOCAL-999", qs.DeskSetSatisfaction(ctx, "LOCAL-999", 3, ""))
	_, _, err = qs.DeskSatisfaction(ctx, "LOCAL-999")
	wantNotFound(t, "DeskSatisfaction of LOCAL-999", err)
}

// testSLAWithTicket: a ticket's record starts its clock in the same
// commit, with the record's jobs; recording the ticket again (a retry)
// keeps the clock as it was.
func testSLAWithTicket(t *testing.T, s store.Store) {
	ctx, qs, q := t.Context(), quality(t, s), queue(t, s)
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	l, _, err := s.LinkOpen(ctx, newLink("r1", conv("chat", "sla-1")), nil)
	must(t, "LinkOpen", err)
	_, err = qs.SLAGet(ctx, l.ID)
	wantNotFound(t, "SLAGet before the ticket", err)
	record := func(priority string, at time.Time, tag string) {
		must(t, "LinkSetTicket", s.LinkSetTicket(ctx, store.TicketLinking{LinkID: l.ID, Ref: core.TicketRef{Sink: "desk", Key: "LOCAL-9"},
			Jobs: job(tag), SLA: &store.SLAClock{LinkID: l.ID, Route: "r1", Priority: priority, StartedAt: at}}))
	}
	record("urgent", t0, "ticket-sla")
	c, err := qs.SLAGet(ctx, l.ID)
	must(t, "SLAGet", err)
	if c.Route != "r1" || c.Priority != "urgent" || !c.StartedAt.Equal(t0) || c.Revision != 0 {
		t.Fatalf("clock = %+v, want route r1, urgent, started %v, revision 0", c, t0)
	}
	wantJobTags(t, q, "ticket-sla")
	record("low", t0.Add(time.Hour), "ticket-sla-again")
	if c, err = qs.SLAGet(ctx, l.ID); err != nil || c.Priority != "urgent" || !c.StartedAt.Equal(t0) {
		t.Fatalf("after a second record the clock = %+v, %v; want it unchanged", c, err)
	}
}
