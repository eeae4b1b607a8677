package storetest

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func deskCases() []testCase {
	return []testCase{
		{"DeskCreate", testDeskCreate},
		{"DeskCreateLinked", testDeskCreateLinked},
		{"DeskList", testDeskList},
		{"DeskComments", testDeskComments},
		{"DeskSetStatus", testDeskSetStatus},
	}
}

func draft(ext, title string) core.TicketDraft {
	return core.TicketDraft{ExternalID: ext, Title: title, Description: "from chat", Priority: "high",
		Requester: core.Requester{ID: "U1", Name: "Ann", Email: "ann@example.com"},
		Labels:    []string{"chat", "slack"}, Custom: map[string]any{"team": "T1"}}
}

func keyNum(t *testing.T, key string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(key, "LOCAL-"))
	if err != nil || !strings.HasPrefix(key, "LOCAL-") {
		t.Fatalf("desk key %q is not LOCAL-<n>", key)
	}
	return n
}

func testDeskCreate(t *testing.T, s store.Store) {
	d := draft("tb-1", "Printer on fire")
	first, made, err := s.DeskCreate(t.Context(), d)
	must(t, "DeskCreate", err)
	if !made || first.Key != "LOCAL-1" || first.Status != "new" {
		t.Fatalf("first DeskCreate = %s status %q made %v, want LOCAL-1 new, made", first.Key, first.Status, made)
	}
	if first.ExternalID != d.ExternalID || first.Title != d.Title || first.Description != d.Description ||
		first.Priority != d.Priority || first.Requester != d.Requester || !reflect.DeepEqual(first.Labels, d.Labels) ||
		!reflect.DeepEqual(first.Custom, d.Custom) || first.CreatedAt.IsZero() {
		t.Errorf("DeskCreate = %+v, want the draft's fields", first)
	}
	again, made, err := s.DeskCreate(t.Context(), draft("tb-1", "retry"))
	must(t, "DeskCreate again", err)
	if made || again.Key != first.Key || again.Title != d.Title {
		t.Fatalf("DeskCreate with the same external id = %s %q made %v, want %s unchanged", again.Key, again.Title, made, first.Key)
	}
	prev := keyNum(t, first.Key)
	for _, ext := range []string{"tb-2", "", ""} {
		tk, made, err := s.DeskCreate(t.Context(), draft(ext, "more"))
		must(t, "DeskCreate", err)
		if n := keyNum(t, tk.Key); !made || n <= prev {
			t.Fatalf("DeskCreate(%q) = %s made %v, want a new key after LOCAL-%d", ext, tk.Key, made, prev)
		} else {
			prev = n
		}
	}
	found, err := s.DeskFindByExternalID(t.Context(), "tb-1")
	must(t, "DeskFindByExternalID", err)
	if found.Key != first.Key {
		t.Errorf("DeskFindByExternalID = %s, want %s", found.Key, first.Key)
	}
	got, err := s.DeskGet(t.Context(), first.Key)
	must(t, "DeskGet", err)
	if !reflect.DeepEqual(got.Labels, d.Labels) || got.Title != d.Title {
		t.Errorf("DeskGet = %+v", got)
	}
	_, err = s.DeskFindByExternalID(t.Context(), "tb-404")
	wantNotFound(t, "DeskFindByExternalID unknown", err)
	for _, key := range []string{"LOCAL-999", "garbage", "LOCAL-", "LOCAL-0", "JIRA-1"} {
		_, err = s.DeskGet(t.Context(), key)
		wantNotFound(t, "DeskGet "+key, err)
	}
}

func testDeskList(t *testing.T, s store.Store) {
	var keys []string
	for i := range 4 {
		tk, _, err := s.DeskCreate(t.Context(), draft("tb-"+strconv.Itoa(i), "t"+strconv.Itoa(i)))
		must(t, "DeskCreate", err)
		keys = append(keys, tk.Key)
	}
	_, err := s.DeskSetStatus(t.Context(), keys[1], "open", nil)
	must(t, "DeskSetStatus", err)
	tests := []struct {
		status string
		limit  int
		want   []string
	}{
		{"new", 0, []string{keys[0], keys[2], keys[3]}},
		{"new", 2, []string{keys[0], keys[2]}},
		{"open", 0, []string{keys[1]}},
		{"closed", 0, nil},
		{"", 0, keys},
	}
	for _, tc := range tests {
		got, err := s.DeskList(t.Context(), tc.status, tc.limit)
		must(t, "DeskList", err)
		var gotKeys []string
		for _, tk := range got {
			gotKeys = append(gotKeys, tk.Key)
		}
		if !reflect.DeepEqual(gotKeys, tc.want) {
			t.Errorf("DeskList(%q, %d) = %v, want %v", tc.status, tc.limit, gotKeys, tc.want)
		}
	}
}

func testDeskComments(t *testing.T, s store.Store) {
	q := queue(t, s)
	tk, _, err := s.DeskCreate(t.Context(), draft("tb-1", "t"))
	must(t, "DeskCreate", err)
	other, _, err := s.DeskCreate(t.Context(), draft("tb-2", "t"))
	must(t, "DeskCreate", err)
	in := []store.DeskComment{
		{Author: "bot", Body: "chat message 1", Public: true, Ours: true},
		{Author: "agent", Body: "internal note", Public: false},
		{Author: "agent", Body: "reply", Public: true},
	}
	var lastID int64
	for i, c := range in {
		got, err := s.DeskComment(t.Context(), tk.Key, c, job("comment-"+strconv.Itoa(i)))
		must(t, "DeskComment", err)
		if got.ID <= lastID || got.CreatedAt.IsZero() || got.Body != c.Body {
			t.Fatalf("DeskComment = %+v, want an id after %d and a time", got, lastID)
		}
		lastID = got.ID
	}
	_, err = s.DeskComment(t.Context(), other.Key, store.DeskComment{Author: "x", Body: "elsewhere"}, nil)
	must(t, "DeskComment other", err)

	got, err := s.DeskComments(t.Context(), tk.Key)
	must(t, "DeskComments", err)
	if len(got) != len(in) {
		t.Fatalf("DeskComments: %d comments, want %d", len(got), len(in))
	}
	for i, c := range got {
		w := in[i]
		if c.Author != w.Author || c.Body != w.Body || c.Public != w.Public || c.Ours != w.Ours {
			t.Errorf("comment %d = %+v, want %+v", i, c, w)
		}
	}
	_, err = s.DeskComment(t.Context(), "LOCAL-999", store.DeskComment{Body: "x"}, job("lost"))
	wantNotFound(t, "DeskComment on unknown ticket", err)
	_, err = s.DeskComments(t.Context(), "LOCAL-999")
	wantNotFound(t, "DeskComments of unknown ticket", err)
	wantJobTags(t, q, "comment-0", "comment-1", "comment-2")
}

func testDeskSetStatus(t *testing.T, s store.Store) {
	q := queue(t, s)
	tk, _, err := s.DeskCreate(t.Context(), draft("tb-1", "t"))
	must(t, "DeskCreate", err)
	for _, st := range []struct{ to, prev string }{{"open", "new"}, {"pending", "open"}, {"solved", "pending"}, {"solved", "solved"}} {
		prev, err := s.DeskSetStatus(t.Context(), tk.Key, st.to, job(st.to))
		must(t, "DeskSetStatus", err)
		if prev != st.prev {
			t.Fatalf("DeskSetStatus(%s) returned %q, want previous %q", st.to, prev, st.prev)
		}
	}
	got, err := s.DeskGet(t.Context(), tk.Key)
	must(t, "DeskGet", err)
	if got.Status != "solved" {
		t.Errorf("status = %q, want solved", got.Status)
	}
	_, err = s.DeskSetStatus(t.Context(), "LOCAL-999", "open", job("lost"))
	wantNotFound(t, "DeskSetStatus unknown", err)
	if _, err := s.DeskSetStatus(t.Context(), tk.Key, "on_fire", nil); err == nil {
		t.Error("DeskSetStatus to an unknown status succeeded")
	}
	wantJobTags(t, q, "open", "pending", "solved", "solved")
}

// The ticket, its link's record, the jobs and the audit entry commit
// together or not at all; a second call finds the ticket it made.
func testDeskCreateLinked(t *testing.T, s store.Store) {
	q := queue(t, s)
	ctx := t.Context()
	l, _, err := s.LinkOpen(ctx, newLink("r1", conv("chat", "L1")), nil)
	must(t, "LinkOpen", err)
	linking := func(tk store.DeskTicket, made bool) (store.TicketLinking, error) {
		return store.TicketLinking{LinkID: l.ID, Ref: core.TicketRef{Sink: "desk", Key: tk.Key}, Cursor: 3,
			Jobs:  job("created-" + tk.Key + "-" + strconv.FormatBool(made)),
			Audit: &store.AuditEntry{Actor: "system", Action: "ticket.create.linked", Target: "desk/" + tk.Key}}, nil
	}

	refused := errors.New("mapping refused")
	_, _, err = s.DeskCreateLinked(ctx, draft("tb-"+l.ID, "rolled back"), func(store.DeskTicket, bool) (store.TicketLinking, error) {
		return store.TicketLinking{}, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("DeskCreateLinked with a failing link = %v, want %v", err, refused)
	}
	if _, err := s.DeskFindByExternalID(ctx, "tb-"+l.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after a failed link the ticket exists: %v", err)
	}

	tk, made, err := s.DeskCreateLinked(ctx, draft("tb-"+l.ID, "linked"), linking)
	must(t, "DeskCreateLinked", err)
	if !made || tk.Title != "linked" {
		t.Fatalf("DeskCreateLinked = %+v made %v, want a new ticket", tk, made)
	}
	got, err := s.LinkGet(ctx, l.ID)
	must(t, "LinkGet", err)
	if got.TicketKey != tk.Key || got.Cursor != 3 || got.State != core.StateOpen {
		t.Fatalf("link after DeskCreateLinked = %+v, want ticket %s, cursor 3, open", got, tk.Key)
	}
	again, made, err := s.DeskCreateLinked(ctx, draft("tb-"+l.ID, "retry"), linking)
	must(t, "DeskCreateLinked again", err)
	if made || again.Key != tk.Key {
		t.Fatalf("DeskCreateLinked again = %s made %v, want %s found", again.Key, made, tk.Key)
	}
	wantJobTags(t, q, "created-"+tk.Key+"-true", "created-"+tk.Key+"-false")
	entries, err := s.AuditList(ctx, store.AuditFilter{Action: "ticket.create.linked"})
	must(t, "AuditList", err)
	if len(entries) != 2 || entries[0].Target != "desk/"+tk.Key {
		t.Fatalf("audit entries = %+v, want two for desk/%s", entries, tk.Key)
	}
}
