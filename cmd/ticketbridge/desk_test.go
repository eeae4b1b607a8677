package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// withDefaultStore opens the embedded default's SQLite under ./data with
// an insert-only job client, runs fn and closes it again, so that the
// command under test is the only one holding the database.
func withDefaultStore(t *testing.T, fn func(ctx context.Context, st store.Store, q store.Queue)) {
	t.Helper()
	ctx := t.Context()
	cfg := config.Default(dataDir)
	st, err := app.OpenStore(ctx, cfg.Storage, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	q, err := st.Queue(&river.Config{})
	if err != nil {
		t.Fatalf("job client: %v", err)
	}
	fn(ctx, st, q)
}

// ticketEvents lists the ticket_event jobs in the queue, oldest first.
func ticketEvents(t *testing.T) []core.TicketEvent {
	t.Helper()
	var out []core.TicketEvent
	withDefaultStore(t, func(ctx context.Context, _ store.Store, q store.Queue) {
		res, err := q.JobList(ctx, river.NewJobListParams().Kinds(jobs.KindTicketEvent).First(100))
		if err != nil {
			t.Fatalf("list jobs: %v", err)
		}
		for _, j := range res.Jobs {
			var args jobs.TicketEventArgs
			if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
				t.Fatalf("job %d args: %v", j.ID, err)
			}
			out = append(out, args.Event)
		}
	})
	return out
}

func TestDesk(t *testing.T) {
	inTempDir(t)
	withDefaultStore(t, func(ctx context.Context, st store.Store, _ store.Queue) {
		d := app.NewDesk("desk", st)
		for _, draft := range []core.TicketDraft{
			{ExternalID: "tb-1", Title: "Refund: charged twice for order 1042", Description: "I was charged twice.",
				Priority: "high", Requester: core.Requester{Name: "Lin Chen", Email: "lin@example.com"}, Labels: []string{"chat", "billing"}},
			{ExternalID: "tb-2", Title: "Printer broken", Description: "It jams.", Priority: "normal",
				Requester: core.Requester{Name: "Sam Ortiz"}},
		} {
			if _, err := d.Create(ctx, draft); err != nil {
				t.Fatalf("create ticket: %v", err)
			}
		}
	})

	r := run(t, "", "desk", "list")
	if r.err != nil {
		t.Fatalf("desk list: %v", r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "KEY STATUS PRIORITY REQUESTER TITLE" {
		t.Fatalf("desk list:\n%s", r.stdout)
	}
	for _, want := range []string{"LOCAL-1 new high Lin Chen Refund: charged twice for order 1042", "LOCAL-2 new normal Sam Ortiz Printer broken"} {
		if !containsFields(lines[1:], want) {
			t.Errorf("desk list has no row %q:\n%s", want, r.stdout)
		}
	}

	steps := []struct {
		args []string
		want string
	}{
		{[]string{"desk", "comment", "LOCAL-1", "Refund issued, sorry!", "--author", "Dana"}, "commented on LOCAL-1\n"},
		{[]string{"desk", "comment", "LOCAL-1", "customer is a VIP", "--internal"}, "commented on LOCAL-1\n"},
		{[]string{"desk", "status", "LOCAL-1", "solved"}, "LOCAL-1: new → solved\n"},
		{[]string{"desk", "assign", "LOCAL-1", "Dana"}, "LOCAL-1 assigned to Dana\n"},
		{[]string{"desk", "priority", "LOCAL-1", "urgent"}, "LOCAL-1: priority high → urgent\n"},
		{[]string{"desk", "priority", "LOCAL-1", "urgent"}, "LOCAL-1: priority urgent → urgent\n"},
	}
	for _, s := range steps {
		r := run(t, "", s.args...)
		if r.err != nil || r.stdout != s.want {
			t.Fatalf("%v: stdout %q, err %v; want %q", s.args, r.stdout, r.err, s.want)
		}
	}

	r = run(t, "", "desk", "show", "LOCAL-1")
	if r.err != nil {
		t.Fatalf("desk show: %v", r.err)
	}
	for _, want := range []string{
		"LOCAL-1  [solved]  priority urgent  requester Lin Chen <lin@example.com>\nRefund: charged twice for order 1042\nlabels: chat, billing\n\nI was charged twice.\n",
		"\n--- Dana, ", "(public)\nRefund issued, sorry!\n",
		"\n--- agent, ", "(internal)\ncustomer is a VIP\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("desk show lacks %q:\n%s", want, r.stdout)
		}
	}

	r = run(t, "", "desk", "list", "--status", "solved")
	if r.err != nil || !strings.Contains(r.stdout, "LOCAL-1") || strings.Contains(r.stdout, "LOCAL-2") {
		t.Errorf("desk list --status solved: err %v\n%s", r.err, r.stdout)
	}

	// Each change is announced as a ticket_event job for the server to
	// pick up: two comments, the status change, the assignment, the
	// priority change (once: the same priority again is no change).
	evs := ticketEvents(t)
	if len(evs) != 5 {
		t.Fatalf("%d ticket_event jobs, want 5: %+v", len(evs), evs)
	}
	if e := evs[4]; e.Kind != core.TicketPriorityChanged || e.Priority != "urgent" || e.Ticket.Key != "LOCAL-1" {
		t.Errorf("fifth event = %+v, want LOCAL-1's priority urgent", e)
	}
	if e := evs[3]; e.Kind != core.TicketAssigned || e.Assignee != "Dana" || e.Ticket.Key != "LOCAL-1" {
		t.Errorf("fourth event = %+v, want LOCAL-1 assigned to Dana", e)
	}
	if c := evs[0].Comment; evs[0].Kind != core.TicketCommentAdded || c == nil || c.Body != "Refund issued, sorry!" || !c.Public || c.Author != "Dana" {
		t.Errorf("first event = %+v, want Dana's public comment", evs[0])
	}
	if c := evs[1].Comment; evs[1].Kind != core.TicketCommentAdded || c == nil || c.Public {
		t.Errorf("second event = %+v, want the internal note", evs[1])
	}
	if e := evs[2]; e.Kind != core.TicketStatusChanged || e.From != "new" || e.To != "solved" || e.Ticket.Key != "LOCAL-1" || e.Sink != "desk" {
		t.Errorf("third event = %+v, want LOCAL-1 new → solved on desk", e)
	}
}

func TestDeskErrors(t *testing.T) {
	inTempDir(t)
	withDefaultStore(t, func(ctx context.Context, st store.Store, _ store.Queue) {
		if _, err := app.NewDesk("desk", st).Create(ctx, core.TicketDraft{ExternalID: "tb-1", Title: "t"}); err != nil {
			t.Fatal(err)
		}
	})
	for _, args := range [][]string{
		{"desk", "show", "LOCAL-9"},
		{"desk", "comment", "LOCAL-9", "hello"},
		{"desk", "status", "LOCAL-9", "solved"},
		{"desk", "status", "LOCAL-1", "done"},
		{"desk", "show"},
		{"desk", "list", "--config", testdataPath(t, "config/several.yaml")},
	} {
		if r := run(t, "", args...); r.err == nil {
			t.Errorf("%v succeeded:\n%s", args, r.stdout)
		}
	}
	if evs := ticketEvents(t); len(evs) != 0 {
		t.Errorf("failed commands left %d ticket_event jobs", len(evs))
	}
}

// containsFields reports whether any line equals want after collapsing
// runs of white space (tabwriter's padding).
func containsFields(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Join(strings.Fields(l), " ") == want {
			return true
		}
	}
	return false
}
