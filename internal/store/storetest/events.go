package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func eventCases() []testCase {
	return []testCase{
		{"IngestDedupe", testIngestDedupe},
		{"IngestDedupeLargeBatch", testIngestDedupeLargeBatch},
		{"IngestRoundTrip", testIngestRoundTrip},
		{"IngestRoundTripMixedBatch", testIngestRoundTripMixedBatch},
		{"IngestJobsSameTx", testIngestJobsSameTx},
		{"IngestJobsRollbackBadJob", testIngestRollbackBadJob},
		{"IngestJobsRollbackAfterInsert", testIngestRollbackAfterInsert},
		{"IngestJobsWithoutQueue", testIngestWithoutQueue},
		{"JobsWokenAtCommit", testJobsWokenAtCommit},
		{"EventsByID", testEventsByID},
		{"ConversationEvents", testConversationEvents},
		{"MigrateTwice", testMigrateTwice},
	}
}

func testIngestDedupe(t *testing.T, s store.Store) {
	c := conv("slack", "C1")
	a, b, cc := ev(c, "a", "first a"), ev(c, "b", "b"), ev(c, "c", "c")
	dupA := ev(c, "a", "second a")
	otherSource := ev(conv("feishu", "C1"), "a", "same id, other source")

	var calls [][]int64
	jobsFor := func(ids []int64, _ []int) store.Jobs {
		calls = append(calls, slices.Clone(ids))
		return nil
	}
	steps := []struct {
		name     string
		batch    []core.Event
		accepted []bool
		newIDs   int // how many ids jobsFor gets; 0: not called
	}{
		{"duplicate inside the batch", []core.Event{a, b, dupA, otherSource}, []bool{true, true, false, true}, 3},
		{"duplicates across batches", []core.Event{b, cc, a}, []bool{false, true, false}, 1},
		{"nothing new", []core.Event{a, b, cc, otherSource}, []bool{false, false, false, false}, 0},
		{"empty batch", nil, []bool{}, 0},
	}
	var all []int64
	for _, st := range steps {
		calls = nil
		got, err := s.IngestBatch(t.Context(), st.batch, jobsFor)
		must(t, st.name, err)
		if !slices.Equal(got, st.accepted) {
			t.Fatalf("%s: accepted = %v, want %v", st.name, got, st.accepted)
		}
		if st.newIDs == 0 {
			if len(calls) != 0 {
				t.Fatalf("%s: jobsFor called %d times with %v, want no call", st.name, len(calls), calls)
			}
			continue
		}
		if len(calls) != 1 || len(calls[0]) != st.newIDs {
			t.Fatalf("%s: jobsFor calls = %v, want one call with %d ids", st.name, calls, st.newIDs)
		}
		if !slices.IsSorted(calls[0]) {
			t.Fatalf("%s: jobsFor ids %v not in input (arrival) order", st.name, calls[0])
		}
		all = append(all, calls[0]...)
	}
	stored, err := s.EventsByID(t.Context(), all)
	must(t, "EventsByID", err)
	var keys []string
	for _, e := range stored {
		keys = append(keys, e.Source+":"+e.EventID+":"+e.Text)
	}
	want := []string{"slack:a:first a", "slack:b:b", "feishu:a:same id, other source", "slack:c:c"}
	if !slices.Equal(keys, want) {
		t.Fatalf("stored events = %q, want %q (the first copy of a duplicate wins)", keys, want)
	}
}

// testIngestDedupeLargeBatch mixes new events, events stored before and
// repeats inside the batch across a batch large enough to be inserted in
// several statements, and checks that each new event gets the id of its
// own row.
func testIngestDedupeLargeBatch(t *testing.T, s store.Store) {
	c := conv("slack", "C1")
	var before []core.Event
	for i := range 10 {
		before = append(before, ev(c, "old"+strconv.Itoa(i*9), "old"))
	}
	_, err := s.IngestBatch(t.Context(), before, nil)
	must(t, "first batch", err)

	var (
		batch    []core.Event
		accepted []bool
		seen     = map[string]bool{}
	)
	for i := range 90 {
		e := ev(c, "new"+strconv.Itoa(i), "text "+strconv.Itoa(i))
		switch {
		case i%9 == 0:
			e = ev(c, "old"+strconv.Itoa(i), "old again")
		case i%7 == 0:
			e = ev(c, "new"+strconv.Itoa(i-3), "repeat of "+strconv.Itoa(i-3))
		}
		batch = append(batch, e)
		accepted = append(accepted, !seen[e.EventID] && e.Text != "old again")
		seen[e.EventID] = true
	}
	var ids []int64
	got, err := s.IngestBatch(t.Context(), batch, func(new []int64, _ []int) store.Jobs {
		ids = slices.Clone(new)
		return nil
	})
	must(t, "mixed batch", err)
	if !slices.Equal(got, accepted) {
		t.Fatalf("accepted = %v, want %v", got, accepted)
	}
	stored, err := s.EventsByID(t.Context(), ids)
	must(t, "EventsByID", err)
	var gotTexts, wantTexts []string
	for _, e := range stored {
		gotTexts = append(gotTexts, e.EventID+":"+e.Text)
	}
	for i, e := range batch {
		if accepted[i] {
			wantTexts = append(wantTexts, e.EventID+":"+e.Text)
		}
	}
	if !slices.Equal(gotTexts, wantTexts) {
		t.Fatalf("rows named by the new ids = %q, want %q", gotTexts, wantTexts)
	}
}

func testIngestRoundTrip(t *testing.T, s store.Store) {
	e := core.Event{
		Source:       "slack",
		EventID:      "Ev1",
		Kind:         core.KindCommand,
		Conversation: core.ConversationRef{Source: "slack", Conversation: "C1", Thread: "T9"},
		Sender:       core.Sender{ID: "U1", Name: "Ann", Email: "ann@example.com", Role: core.RoleAgent},
		Time:         base,
		Text:         "ticket please — 请开单",
		Command:      "ticket",
		Action:       core.ActionConfirm,
		Attachments:  []core.Attachment{{ID: "F1", Name: "log.txt", ContentType: "text/plain", Size: 42, URL: "https://files.example/F1"}},
		Meta:         map[string]any{"team": "T1", "n": 3.0, "nested": map[string]any{"ok": true}},
		Raw:          json.RawMessage(`{"type":"event_callback","x":[1,2]}`),
	}
	ids := ingest(t, s, e, ev(conv("slack", "C2"), "plain", ""))
	if len(ids) != 2 || ids[0] <= 0 || ids[1] <= ids[0] {
		t.Fatalf("new ids = %v, want two positive increasing ids", ids)
	}
	got, err := s.EventsByID(t.Context(), ids)
	must(t, "EventsByID", err)
	if len(got) != 2 {
		t.Fatalf("EventsByID returned %d events, want 2", len(got))
	}
	if got[0].ID != ids[0] {
		t.Errorf("ID = %d, want %d", got[0].ID, ids[0])
	}
	if !got[0].Time.Equal(e.Time) {
		t.Errorf("Time = %v, want %v", got[0].Time, e.Time)
	}
	if string(got[0].Raw) != string(e.Raw) {
		t.Errorf("Raw = %s, want %s", got[0].Raw, e.Raw)
	}
	g := got[0].Event
	g.Time, g.Raw, e.Time, e.Raw = base, nil, base, nil
	if !reflect.DeepEqual(g, e) {
		t.Errorf("round trip:\n got %+v\nwant %+v", g, e)
	}
	if p := got[1]; p.Raw != nil || p.Attachments != nil || p.Meta != nil || p.Text != "" {
		t.Errorf("empty fields came back non-empty: %+v", p)
	}
}

// A batch of chatter with a few events of other shapes among it comes
// back field for field. SQLite inserts a chunk of plain events with a
// statement of its own (insertPlainSQL): its chunks of 101 events are 64
// plain, 16 with a thread, a command, an attachment and meta, 16 plain
// (one with no text), 4 with another source and an action, and 1 plain.
func testIngestRoundTripMixedBatch(t *testing.T, s store.Store) {
	var batch []core.Event
	for i := range 101 {
		e := ev(conv("chat", fmt.Sprint("c", i%7)), fmt.Sprint("m", i), fmt.Sprint("message ", i, " — 第", i, "条"))
		e.Raw = json.RawMessage(fmt.Sprintf(`{"text":"message %d"}`, i))
		e.Time = base.Add(time.Duration(i) * time.Millisecond)
		switch i {
		case 66:
			e.Conversation.Thread = "t1"
		case 70:
			e.Kind, e.Command = core.KindCommand, "ticket"
		case 72:
			e.Attachments = []core.Attachment{{ID: "F1", Name: "a.png", ContentType: "image/png", Size: 7}}
		case 75:
			e.Meta = map[string]any{"k": "v"}
		case 88:
			e.Text, e.Raw = "", nil
		case 97:
			e.Source, e.Conversation.Source = "other", "other"
		case 98:
			e.Action = core.ActionConfirm
		}
		batch = append(batch, e)
	}
	ids := ingest(t, s, batch...)
	if len(ids) != len(batch) {
		t.Fatalf("%d new ids for %d events", len(ids), len(batch))
	}
	got, err := s.EventsByID(t.Context(), ids)
	must(t, "EventsByID", err)
	if len(got) != len(batch) {
		t.Fatalf("EventsByID returned %d events, want %d", len(got), len(batch))
	}
	for i, g := range got {
		want := batch[i]
		if g.ID != ids[i] || !g.Time.Equal(want.Time) || string(g.Raw) != string(want.Raw) {
			t.Errorf("event %d: id %d time %v raw %s, want %d %v %s", i, g.ID, g.Time, g.Raw, ids[i], want.Time, want.Raw)
		}
		ge := g.Event
		ge.Time, ge.Raw, want.Time, want.Raw = base, nil, base, nil
		if !reflect.DeepEqual(ge, want) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, ge, want)
		}
	}
}

func testIngestJobsSameTx(t *testing.T, s store.Store) {
	q := queue(t, s)
	c := conv("slack", "C1")
	jobsFor := func(ids []int64, _ []int) store.Jobs { return job("batch", ids...) }
	_, err := s.IngestBatch(t.Context(), []core.Event{ev(c, "1", ""), ev(c, "2", "")}, jobsFor)
	must(t, "first batch", err)
	_, err = s.IngestBatch(t.Context(), []core.Event{ev(c, "2", ""), ev(c, "3", "")}, jobsFor)
	must(t, "second batch", err)
	_, err = s.IngestBatch(t.Context(), []core.Event{ev(c, "1", ""), ev(c, "3", "")}, jobsFor)
	must(t, "duplicate batch", err)

	jobs := listJobs(t, q)
	if len(jobs) != 2 {
		t.Fatalf("River has %d jobs, want 2 (one per batch with new events): %+v", len(jobs), jobs)
	}
	var named []int64
	for _, j := range jobs {
		named = append(named, j.IDs...)
	}
	evs, err := s.EventsByID(t.Context(), named)
	must(t, "EventsByID", err)
	var got []string
	for _, e := range evs {
		got = append(got, e.EventID)
	}
	if !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Fatalf("jobs name events %q, want [1 2 3]", got)
	}
}

// rollbackChecks asserts that a failed ingest left neither events nor jobs.
func rollbackChecks(t *testing.T, s store.Store, q store.Queue, batch []core.Event, ingestErr error) {
	t.Helper()
	if ingestErr == nil {
		t.Fatal("IngestBatch succeeded, want the job failure to fail it")
	}
	wantJobTags(t, q)
	// The events must have been rolled back with the jobs: they are new.
	acc, err := s.IngestBatch(t.Context(), batch, nil)
	must(t, "re-ingest after rollback", err)
	for i, ok := range acc {
		if !ok {
			t.Fatalf("event %d was kept by the failed transaction (accepted=%v)", i, acc)
		}
	}
}

func testIngestRollbackBadJob(t *testing.T, s store.Store) {
	q := queue(t, s)
	batch := []core.Event{ev(conv("slack", "C1"), "1", ""), ev(conv("slack", "C1"), "2", "")}
	_, err := s.IngestBatch(t.Context(), batch, func(ids []int64, _ []int) store.Jobs {
		return append(job("good", ids...), river.InsertManyParams{Args: badJob{}})
	})
	rollbackChecks(t, s, q, batch, err)
}

// failAfterInsert lets River insert the jobs into the transaction and then
// fails, so only the rollback can remove them.
type failAfterInsert struct {
	river.MiddlewareDefaults
	inserted int
}

var errAfterInsert = errors.New("storetest: failing after the jobs were inserted")

func (m *failAfterInsert) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error),
) ([]*rivertype.JobInsertResult, error) {
	res, err := doInner(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if r.Job != nil && r.Job.ID > 0 {
			m.inserted++
		}
	}
	return nil, errAfterInsert
}

func testIngestRollbackAfterInsert(t *testing.T, s store.Store) {
	mw := &failAfterInsert{}
	q, err := s.Queue(&river.Config{Middleware: []rivertype.Middleware{mw}})
	must(t, "Queue with middleware", err)
	batch := []core.Event{ev(conv("slack", "C1"), "1", "")}
	_, err = s.IngestBatch(t.Context(), batch, func(ids []int64, _ []int) store.Jobs { return job("doomed", ids...) })
	if !errors.Is(err, errAfterInsert) {
		t.Fatalf("IngestBatch error = %v, want it to wrap the middleware's error", err)
	}
	if mw.inserted != 1 {
		t.Fatalf("River inserted %d jobs before failing, want 1 (the test is not testing a rollback)", mw.inserted)
	}
	rollbackChecks(t, s, q, batch, err)
}

func testIngestWithoutQueue(t *testing.T, s store.Store) {
	batch := []core.Event{ev(conv("slack", "C1"), "1", "")}
	_, err := s.IngestBatch(t.Context(), batch, func(ids []int64, _ []int) store.Jobs { return job("x", ids...) })
	if err == nil {
		t.Fatal("IngestBatch with jobs before Queue succeeded, want an error")
	}
	acc, err := s.IngestBatch(t.Context(), batch, func([]int64, []int) store.Jobs { return nil })
	must(t, "IngestBatch without jobs before Queue", err)
	if !acc[0] {
		t.Fatal("the failed ingest kept its event")
	}
}

func testEventsByID(t *testing.T, s store.Store) {
	c := conv("slack", "C1")
	ids := ingest(t, s, ev(c, "1", ""), ev(c, "2", ""), ev(c, "3", ""))
	tests := []struct {
		name string
		in   []int64
		want []int64
	}{
		{"reversed", []int64{ids[2], ids[0], ids[1]}, ids},
		{"unknown left out", []int64{ids[1] + 1000, ids[1]}, []int64{ids[1]}},
		{"none", nil, nil},
	}
	for _, tc := range tests {
		got, err := s.EventsByID(t.Context(), tc.in)
		must(t, tc.name, err)
		if !slices.Equal(eventIDs(got), tc.want) {
			t.Errorf("%s: EventsByID(%v) = %v, want %v", tc.name, tc.in, eventIDs(got), tc.want)
		}
	}
}

func testConversationEvents(t *testing.T, s store.Store) {
	a, b := conv("slack", "A"), conv("slack", "B")
	thread := core.ConversationRef{Source: "slack", Conversation: "A", Thread: "t1"}
	var batch []core.Event
	for i := range 10 {
		id := string(rune('a' + i))
		batch = append(batch, ev(a, "a"+id, ""), ev(b, "b"+id, ""))
	}
	batch = append(batch, ev(thread, "t", ""))
	ingest(t, s, batch...)
	all, err := s.ConversationEvents(t.Context(), a.Key(), 0, 0, 0)
	must(t, "all of A", err)
	if len(all) != 10 {
		t.Fatalf("conversation A has %d events, want 10 (not B's, not the thread's)", len(all))
	}
	for _, e := range all {
		if e.Conversation != a {
			t.Fatalf("event %d of conversation %+v in A's events", e.ID, e.Conversation)
		}
	}
	id := eventIDs(all)
	if !slices.IsSorted(id) {
		t.Fatalf("ids %v not oldest first", id)
	}
	tests := []struct {
		name           string
		after, through int64
		limit          int
		want           []int64
	}{
		{"limit keeps the newest", 0, 0, 3, id[7:]},
		{"after", id[5], 0, 0, id[6:]},
		{"window", id[2], id[7], 0, id[3:8]},
		{"window with limit", id[2], id[7], 2, id[6:8]},
		{"limit larger than window", id[2], id[4], 10, id[3:5]},
		{"empty window", id[9], 0, 5, nil},
	}
	for _, tc := range tests {
		got, err := s.ConversationEvents(t.Context(), a.Key(), tc.after, tc.through, tc.limit)
		must(t, tc.name, err)
		if !slices.Equal(eventIDs(got), tc.want) {
			t.Errorf("%s: (after %d, through %d, limit %d) = %v, want %v",
				tc.name, tc.after, tc.through, tc.limit, eventIDs(got), tc.want)
		}
	}
	th, err := s.ConversationEvents(t.Context(), thread.Key(), 0, 0, 0)
	must(t, "thread", err)
	if len(th) != 1 || th[0].EventID != "t" {
		t.Errorf("thread conversation events = %+v, want the one thread event", th)
	}
}

func testMigrateTwice(t *testing.T, s store.Store) {
	ids := ingest(t, s, ev(conv("slack", "C1"), "1", "kept"))
	for i := range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again (#%d): %v", i+1, err)
		}
	}
	must(t, "Ping", s.Ping(t.Context()))
	got, err := s.EventsByID(t.Context(), ids)
	must(t, "EventsByID", err)
	if len(got) != 1 || got[0].Text != "kept" {
		t.Fatalf("after migrating again, events = %+v, want the one stored before", got)
	}
}
