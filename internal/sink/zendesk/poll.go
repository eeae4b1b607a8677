package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Poll limits.
const (
	// maxPollPages bounds one Poll (the export allows 10 requests a minute).
	maxPollPages = 5
	// maxTracked bounds the statuses the cursor remembers.
	maxTracked = 5000
	// firstLookBack is how far back the first Poll starts; the export wants
	// a start_time at least a minute in the past.
	firstLookBack = 5 * time.Minute
)

// pollCursor is what Poll hands the caller to store: Zendesk's export
// cursor and the last status seen of each ticket, so that only changes
// become events.
type pollCursor struct {
	Cursor   string            `json:"c,omitempty"`
	Statuses map[string]string `json:"s,omitempty"`
}

// Poll reads the cursor-based incremental ticket export and returns a
// status_changed event for each ticket of ours (one with an external id)
// whose status differs from the last one seen. Limits: the export names
// only the latest status, so two changes between polls give one event; it
// does not say who changed the ticket, so Ours is never set; comments are
// not polled; a ticket seen for the first time gives an event only when it
// is past new/open.
func (s *Sink) Poll(ctx context.Context, cursor string) ([]core.TicketEvent, string, error) {
	const op = "poll tickets"
	var pc pollCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &pc); err != nil {
			// A cursor we cannot read would stop polling for good; start
			// over instead, which at worst repeats a few notices.
			s.log.Warn("zendesk poll cursor unreadable; starting over", "error", err)
			pc = pollCursor{}
		}
	}
	if pc.Statuses == nil {
		pc.Statuses = map[string]string{}
	}
	path := "/api/v2/incremental/tickets/cursor.json?start_time=" + strconv.FormatInt(s.now().Add(-firstLookBack).Unix(), 10)
	if pc.Cursor != "" {
		path = "/api/v2/incremental/tickets/cursor.json?cursor=" + url.QueryEscape(pc.Cursor)
	}
	var evs []core.TicketEvent
	for range maxPollPages {
		var page IncrementalPage
		if err := s.do(ctx, call{op: op, method: http.MethodGet, path: path}, &page); err != nil {
			return nil, "", err
		}
		for _, t := range page.Tickets {
			if ev, ok := s.pollEvent(&pc, t); ok {
				evs = append(evs, ev)
			}
		}
		if page.AfterCursor != "" {
			pc.Cursor = page.AfterCursor
		}
		if page.EndOfStream || page.AfterCursor == "" {
			break
		}
		path = "/api/v2/incremental/tickets/cursor.json?cursor=" + url.QueryEscape(page.AfterCursor)
	}
	trim(pc.Statuses)
	next, err := json.Marshal(pc)
	if err != nil {
		return nil, "", fmt.Errorf("encode poll cursor: %w", err)
	}
	return evs, string(next), nil
}

func (s *Sink) pollEvent(pc *pollCursor, t Ticket) (core.TicketEvent, bool) {
	if t.ID == 0 || t.ExternalID == "" || t.Status == "" {
		return core.TicketEvent{}, false
	}
	key := strconv.FormatInt(t.ID, 10)
	last, seen := pc.Statuses[key]
	pc.Statuses[key] = t.Status
	if last == t.Status || (!seen && (t.Status == "new" || t.Status == "open")) {
		return core.TicketEvent{}, false
	}
	at, err := time.Parse(time.RFC3339, t.UpdatedAt)
	if err != nil {
		at = s.now()
	}
	ref := s.ref(t)
	return core.TicketEvent{
		Sink:       s.id,
		EventID:    "poll:" + key + ":" + t.UpdatedAt + ":" + t.Status,
		Kind:       core.TicketStatusChanged,
		Ticket:     ref,
		ExternalID: t.ExternalID,
		From:       last,
		To:         t.Status,
		Time:       at.UTC(),
	}, true
}

// trim keeps the remembered statuses bounded: closed tickets cannot change
// again, so they go first, then the lowest (oldest) ticket ids.
func trim(m map[string]string) {
	for k, v := range m {
		if len(m) <= maxTracked {
			return
		}
		if v == "closed" {
			delete(m, k)
		}
	}
	if len(m) <= maxTracked {
		return
	}
	ids := make([]int64, 0, len(m))
	for k := range m {
		n, _ := strconv.ParseInt(k, 10, 64)
		ids = append(ids, n)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, n := range ids[:len(ids)-maxTracked] {
		delete(m, strconv.FormatInt(n, 10))
	}
}
