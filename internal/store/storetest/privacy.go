package storetest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func privacyCases() []testCase {
	return []testCase{
		{"AuditAddList", testAuditAddList},
		{"RetentionPerSource", testRetentionPerSource},
		{"RetentionPurgeKeepsRow", testRetentionPurgeKeepsRow},
		{"BodiesCountedAndChecked", testBodiesCounted},
	}
}

func testAuditAddList(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, e := range []store.AuditEntry{
		{At: base, Actor: "ops", Action: "desk.comment", Target: "LOCAL-1", Detail: map[string]any{"public": true}},
		{At: base.Add(time.Hour), Actor: "cli:ann", Action: "dlq.replay", Target: "42"},
		{At: base.Add(2 * time.Hour), Actor: "ops", Action: "desk.status", Target: "LOCAL-1", Detail: map[string]any{"to": "solved"}},
	} {
		must(t, "AuditAdd "+string(rune('0'+i)), s.AuditAdd(ctx, e))
	}
	all, err := s.AuditList(ctx, store.AuditFilter{})
	must(t, "AuditList", err)
	var actions []string
	for _, e := range all {
		actions = append(actions, e.Action)
	}
	if want := []string{"desk.status", "dlq.replay", "desk.comment"}; !slices.Equal(actions, want) {
		t.Fatalf("AuditList actions = %q, want newest first %q", actions, want)
	}
	first := all[2]
	if !first.At.Equal(base) || first.Actor != "ops" || first.Target != "LOCAL-1" || first.Detail["public"] != true || first.ID == 0 {
		t.Fatalf("AuditList entry = %+v", first)
	}
	tests := map[string]struct {
		f    store.AuditFilter
		want []string
	}{
		"actor":  {store.AuditFilter{Actor: "ops"}, []string{"desk.status", "desk.comment"}},
		"action": {store.AuditFilter{Action: "dlq.replay"}, []string{"dlq.replay"}},
		"since":  {store.AuditFilter{Since: base.Add(30 * time.Minute)}, []string{"desk.status", "dlq.replay"}},
		"limit":  {store.AuditFilter{Limit: 1}, []string{"desk.status"}},
		"none":   {store.AuditFilter{Actor: "nobody"}, nil},
	}
	for name, tc := range tests {
		got, err := s.AuditList(ctx, tc.f)
		must(t, "AuditList "+name, err)
		var acts []string
		for _, e := range got {
			acts = append(acts, e.Action)
		}
		if !slices.Equal(acts, tc.want) {
			t.Errorf("AuditList(%s) = %q, want %q", name, acts, tc.want)
		}
	}
}

// aged is a message event of source src at the given age before now.
func aged(src, id string, now time.Time, age time.Duration) core.Event {
	e := ev(conv(src, "C-"+src), id, "body of "+id)
	e.Time = now.Add(-age)
	e.Raw = []byte(`{"text":"body of ` + id + `"}`)
	return e
}

func testRetentionPerSource(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := base.Add(100 * 24 * time.Hour)
	day := 24 * time.Hour
	ingest(t, s,
		aged("slack", "s-old", now, 40*day),
		aged("slack", "s-mid", now, 20*day),
		aged("slack", "s-new", now, day),
		aged("feishu", "f-old", now, 40*day),
		aged("feishu", "f-mid", now, 20*day),
		aged("wecom", "w-old", now, 400*day),
	)
	p := store.RetentionPolicy{Days: 30, Sources: map[string]int{"feishu": 10, "wecom": 0}}
	got, err := s.RetentionCount(ctx, p, now)
	must(t, "RetentionCount", err)
	want := map[string]int{"slack": 1, "feishu": 2}
	if !maps.Equal(got, want) {
		t.Fatalf("RetentionCount = %v, want %v (wecom keeps all, feishu 10 days, others 30)", got, want)
	}
	none, err := s.RetentionCount(ctx, store.RetentionPolicy{}, now)
	must(t, "RetentionCount(keep all)", err)
	if len(none) != 0 {
		t.Fatalf("RetentionCount with no retention = %v, want nothing", none)
	}
	list, err := s.RetentionList(ctx, p, now, 2)
	must(t, "RetentionList", err)
	if len(list) != 2 || list[0].Source != "slack" || list[1].Source != "feishu" || list[0].ID >= list[1].ID {
		t.Fatalf("RetentionList(limit 2) = %+v, want s-old then f-old", list)
	}
	if !list[0].At.Equal(now.Add(-40 * day)) {
		t.Fatalf("RetentionList At = %v", list[0].At)
	}
}

func testRetentionPurgeKeepsRow(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := base.Add(100 * 24 * time.Hour)
	old := aged("slack", "old", now, 60*24*time.Hour)
	old.Attachments = []core.Attachment{{ID: "F1", Name: "a.png"}, {ID: "F2", Name: "b.pdf"}}
	ids := ingest(t, s, old, aged("slack", "new", now, time.Hour))
	l, _, err := s.LinkOpen(ctx, newLink("r1", old.Conversation), nil)
	must(t, "LinkOpen", err)

	p := store.RetentionPolicy{Days: 30}
	list, err := s.RetentionList(ctx, p, now, 0)
	must(t, "RetentionList", err)
	if len(list) != 1 || list[0].ID != ids[0] {
		t.Fatalf("RetentionList = %+v, want only event %d", list, ids[0])
	}
	if !slices.Equal(list[0].Attachments, []string{"F1", "F2"}) || !slices.Equal(list[0].Links, []string{l.ID}) {
		t.Fatalf("RetentionList candidate = %+v, want attachments F1 F2 and link %s", list[0], l.ID)
	}
	n, err := s.RetentionPurge(ctx, []int64{ids[0]})
	must(t, "RetentionPurge", err)
	if n != 1 {
		t.Fatalf("RetentionPurge = %d, want 1", n)
	}
	if n, err := s.RetentionPurge(ctx, []int64{ids[0]}); err != nil || n != 0 {
		t.Fatalf("second RetentionPurge = %d, %v; want 0", n, err)
	}
	evs, err := s.EventsByID(ctx, ids)
	must(t, "EventsByID", err)
	if len(evs) != 2 {
		t.Fatalf("EventsByID after purge = %d events, want the row kept", len(evs))
	}
	if e := evs[0]; e.Text != "" || e.Raw != nil || len(e.Attachments) != 0 || e.EventID != "old" || e.Sender.Name != "Ann" {
		t.Fatalf("purged event = %+v, want no text, raw or attachments but its identity kept", e)
	}
	if evs[1].Text != "body of new" || len(evs[1].Raw) == 0 {
		t.Fatalf("recent event lost its body: %+v", evs[1])
	}
	// The purged row still dedupes a resent event.
	acc, err := s.IngestBatch(ctx, []core.Event{old}, nil)
	must(t, "IngestBatch resend", err)
	if acc[0] {
		t.Fatal("a resent purged event was accepted again")
	}
	if c, err := s.RetentionCount(ctx, p, now); err != nil || len(c) != 0 {
		t.Fatalf("RetentionCount after purge = %v, %v; want nothing left", c, err)
	}
}

// writeBodies stores one value in every sealed column.
func writeBodies(t *testing.T, s store.Store, tag string) {
	t.Helper()
	ctx := t.Context()
	e := ev(conv("slack", "C-"+tag), "E-"+tag, "text "+tag)
	e.Raw = []byte("raw " + tag)
	ingest(t, s, e)
	tk, _, err := s.DeskCreate(ctx, core.TicketDraft{Title: "T " + tag, Description: "desc " + tag, ExternalID: "x-" + tag})
	must(t, "DeskCreate", err)
	_, err = s.DeskComment(ctx, tk.Key, store.DeskComment{Author: "a", Body: "comment " + tag}, nil)
	must(t, "DeskComment", err)
	must(t, "DryRunRecord", s.DryRunRecord(ctx, store.DryRun{Route: "r", ConvKey: "c", Rule: "x",
		Draft: core.TicketDraft{Title: "dry " + tag, Description: "dry desc " + tag}}))
	_, err = inbox(t, s).ChatInboxAdd(ctx, store.ChatMessage{Source: "web", Conversation: "c-" + tag, Key: "k", Text: "bot says " + tag})
	must(t, "ChatInboxAdd", err)
}

func inbox(t *testing.T, s store.Store) store.ChatInbox {
	t.Helper()
	in, ok := s.(store.ChatInbox)
	if !ok {
		t.Fatalf("%T does not implement store.ChatInbox", s)
	}
	return in
}

// readBodies reads back every value writeBodies stored, failing on any
// error or difference.
func readBodies(t *testing.T, s store.Store, tag string) error {
	t.Helper()
	ctx := t.Context()
	evs, err := s.ConversationEventsAfter(ctx, conv("slack", "C-"+tag).Key(), 0, 10)
	if err != nil {
		return err
	}
	if len(evs) != 1 || evs[0].Text != "text "+tag || string(evs[0].Raw) != "raw "+tag {
		t.Fatalf("event bodies of %s = %+v", tag, evs)
	}
	tk, err := s.DeskFindByExternalID(ctx, "x-"+tag)
	if err != nil {
		return err
	}
	if tk.Description != "desc "+tag {
		t.Fatalf("desk description = %q", tk.Description)
	}
	cs, err := s.DeskComments(ctx, tk.Key)
	if err != nil {
		return err
	}
	if len(cs) != 1 || cs[0].Body != "comment "+tag {
		t.Fatalf("desk comments = %+v", cs)
	}
	msgs, err := inbox(t, s).ChatInboxList(ctx, store.ChatInboxQuery{Source: "web", Conversation: "c-" + tag, Limit: 10})
	if err != nil {
		return err
	}
	if len(msgs) != 1 || msgs[0].Text != "bot says "+tag {
		t.Fatalf("inbox messages of %s = %+v", tag, msgs)
	}
	drs, err := s.DryRuns(ctx, 0)
	if err != nil {
		return err
	}
	for _, d := range drs {
		if d.Draft.Title == "dry "+tag && d.Draft.Description == "dry desc "+tag {
			return nil
		}
	}
	t.Fatalf("dry run %s not found in %+v", tag, drs)
	return nil
}

func testBodiesCounted(t *testing.T, s store.Store) {
	writeBodies(t, s, "a")
	must(t, "readBodies", readBodies(t, s, "a"))
	counts, err := s.BodiesByKey(t.Context())
	must(t, "BodiesByKey", err)
	var n int
	for _, v := range counts {
		n += v
	}
	// event text, raw, description, comment, draft, inbox message
	if n != 6 {
		t.Fatalf("BodiesByKey = %v, want 6 values in all", counts)
	}
	must(t, "CheckKeys", s.CheckKeys(t.Context()))
}
