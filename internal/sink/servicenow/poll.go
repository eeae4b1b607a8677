package servicenow

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// pollPage is how many rows one poll reads of each table.
const pollPage = 100

// Poll reads incidents and journal entries changed since cursor (a
// sys_updated_on value, UTC "2006-01-02 15:04:05"). The first call ("")
// starts at now rather than replaying history. The query is inclusive
// (>=) so rows written in the cursor's second are not lost; the repeats
// carry the same event ids and are dropped as duplicates. Incident rows
// become status_changed events with the current state (From empty): the
// caller ignores ones that change nothing.
func (s *Sink) Poll(ctx context.Context, cursor string) ([]core.TicketEvent, string, error) {
	if cursor == "" {
		return nil, s.now().UTC().Format(timeLayout), nil
	}
	if _, err := time.Parse(timeLayout, cursor); err != nil {
		return nil, cursor, fmt.Errorf("poll cursor %q: not %q", cursor, timeLayout)
	}
	var incs resultList[Record]
	if err := s.do(ctx, call{op: "poll incidents", method: http.MethodGet, path: pathIncident,
		query: tableQuery("sys_updated_on>="+cursor+"^correlation_idISNOTEMPTY^ORDERBYsys_updated_on", recordFields, pollPage),
		out:   &incs}); err != nil {
		return nil, cursor, err
	}
	var notes resultList[JournalEntry]
	if err := s.do(ctx, call{op: "poll journal", method: http.MethodGet, path: pathJournal,
		query: tableQuery("name=incident^elementINcomments,work_notes^sys_created_on>="+cursor+"^ORDERBYsys_created_on",
			"sys_id,element_id,element,value,sys_created_by,sys_created_on", pollPage),
		out: &notes}); err != nil {
		return nil, cursor, err
	}
	known := map[string]Record{}
	var evs []core.TicketEvent
	for _, r := range incs.Result {
		known[r.SysID] = r
		if r.Number == "" || r.State == "" {
			continue
		}
		ev := s.polledEvent(r, r.UpdatedOn, r.UpdatedBy)
		ev.EventID = "poll/" + r.SysID + "/" + r.ModCount + "/state"
		ev.Kind = core.TicketStatusChanged
		ev.To = s.stateName(r.State)
		evs = append(evs, ev)
	}
	if err := s.lookupRecords(ctx, notes.Result, known); err != nil {
		return nil, cursor, err
	}
	for _, n := range notes.Result {
		r, ok := known[n.ElementID]
		text := strings.TrimSpace(n.Value)
		if !ok || text == "" {
			continue
		}
		ev := s.polledEvent(r, n.CreatedOn, n.CreatedBy)
		ev.EventID = "poll/journal/" + n.SysID
		ev.Kind = core.TicketCommentAdded
		ev.Comment = &core.Comment{Body: text, Public: n.Element == KindComments, Author: n.CreatedBy}
		evs = append(evs, ev)
	}
	return evs, nextCursor(cursor, incs.Result, notes.Result), nil
}

func (s *Sink) polledEvent(r Record, at, by string) core.TicketEvent {
	t, err := time.Parse(timeLayout, at)
	if err != nil {
		t = s.now()
	}
	return core.TicketEvent{
		Sink:       s.id,
		Ticket:     core.TicketRef{Sink: s.id, Key: r.Number, URL: s.base + "/incident.do?sys_id=" + r.SysID, Status: s.stateName(r.State)},
		ExternalID: r.CorrelationID,
		Time:       t.UTC(),
		Ours:       s.ours(by),
	}
}

// lookupRecords reads the incidents of journal entries not yet known.
func (s *Sink) lookupRecords(ctx context.Context, notes []JournalEntry, known map[string]Record) error {
	var ids []string
	seen := map[string]bool{}
	for _, n := range notes {
		if _, ok := known[n.ElementID]; !ok && !seen[n.ElementID] && sysIDPattern.MatchString(n.ElementID) {
			seen[n.ElementID] = true
			ids = append(ids, n.ElementID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var got resultList[Record]
	if err := s.do(ctx, call{op: "poll incidents", method: http.MethodGet, path: pathIncident,
		query: tableQuery("sys_idIN"+strings.Join(ids, ","), recordFields, len(ids)), out: &got}); err != nil {
		return err
	}
	for _, r := range got.Result {
		known[r.SysID] = r
	}
	return nil
}

// nextCursor moves to the latest time seen, but never past the last row
// of a full page: rows after it are still to be read.
func nextCursor(cursor string, incs []Record, notes []JournalEntry) string {
	next := cursor
	bump := func(t string) {
		if t > next {
			next = t
		}
	}
	for _, r := range incs {
		bump(r.UpdatedOn)
	}
	for _, n := range notes {
		bump(n.CreatedOn)
	}
	// The layout sorts as text, so string comparison orders times.
	if len(incs) == pollPage && incs[len(incs)-1].UpdatedOn < next {
		next = incs[len(incs)-1].UpdatedOn
	}
	if len(notes) == pollPage && notes[len(notes)-1].CreatedOn < next {
		next = notes[len(notes)-1].CreatedOn
	}
	if next < cursor {
		next = cursor
	}
	return next
}
