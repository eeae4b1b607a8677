package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// pollingDesk is a ticket system that is only polled: it hands out the
// changes after a cursor, as an incremental export does.
type pollingDesk struct {
	changes []core.TicketEvent
	cursors []string
}

func (p *pollingDesk) ID() string { return "polled" }
func (p *pollingDesk) Create(context.Context, core.TicketDraft) (core.TicketRef, error) {
	return core.TicketRef{}, nil
}
func (p *pollingDesk) FindByExternalID(context.Context, string) (core.TicketRef, bool, error) {
	return core.TicketRef{}, false, nil
}
func (p *pollingDesk) Comment(context.Context, core.TicketRef, core.Comment) error { return nil }
func (p *pollingDesk) ParseWebhook(*http.Request, []byte) ([]core.TicketEvent, error) {
	return nil, nil
}
func (p *pollingDesk) PollInterval() time.Duration { return time.Minute }

// Poll's cursor is the number of changes already handed out.
func (p *pollingDesk) Poll(_ context.Context, cursor string) ([]core.TicketEvent, string, error) {
	p.cursors = append(p.cursors, cursor)
	n, _ := strconv.Atoi(cursor)
	return p.changes[n:], strconv.Itoa(len(p.changes)), nil
}

func TestPollStoresNewEventsAndMovesTheCursor(t *testing.T) {
	st := teststore.SQLite(t)
	q, err := st.Queue(&river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	desk := &pollingDesk{changes: []core.TicketEvent{
		{EventID: "c1", Kind: core.TicketStatusChanged, Ticket: core.TicketRef{Key: "T-1"}, To: "In Progress"},
		{EventID: "c2", Kind: core.TicketCommentAdded, Ticket: core.TicketRef{Key: "T-1"}, Comment: &core.Comment{Body: "hi", Public: true}},
	}}
	// Each event is decided in the transaction that stores it; T-1 has no
	// link here, so each decision logs that once.
	var logged bytes.Buffer
	decided := func() int { return strings.Count(logged.String(), "ticket event for a ticket we did not link") }
	d := &Deps{Store: st, Sinks: map[string]sink.Sink{"polled": sink.Limit(desk, 600, time.Now)}, Log: slog.New(slog.NewTextHandler(&logged, nil))}
	w := &pollWorker{d: d}
	job := &river.Job[PollArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: PollArgs{Sink: "polled"}}
	for range 3 {
		if err := w.Work(t.Context(), job); err != nil {
			t.Fatal(err)
		}
	}
	if len(desk.cursors) != 3 || desk.cursors[0] != "" || desk.cursors[1] != "2" || desk.cursors[2] != "2" {
		t.Fatalf("cursors asked = %q; want \"\" then the stored one", desk.cursors)
	}
	if n := decided(); n != 2 {
		t.Fatalf("%d ticket events decided, want 2", n)
	}
	if res, err := q.JobList(t.Context(), river.NewJobListParams().Kinds(KindTicketEvent).First(100)); err != nil || len(res.Jobs) != 0 {
		t.Fatalf("ticket_event jobs %v (%v), want none: decided when stored", res, err)
	}
	// A re-poll of the same window (a crash before the cursor moved) is
	// absorbed by the dedupe.
	if err := st.CursorSet(t.Context(), "poll:polled", "0"); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if n := decided(); n != 2 {
		t.Fatalf("after a repeated window: %d ticket events decided, want still 2", n)
	}
	if got := periodicPolls(d.Sinks); len(got) != 1 {
		t.Fatalf("periodic polls = %d, want one for the polled sink", len(got))
	}
}
