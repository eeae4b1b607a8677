package generic

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// ParseWebhook verifies a webhook from the ticket service and turns it
// into one TicketEvent; see the package doc for the body.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	id, err := s.verifier.Verify(r.Header, body)
	if err != nil {
		return nil, err
	}
	at, err := stdwebhook.ParseTimestamp(r.Header.Get(stdwebhook.HeaderTimestamp))
	if err != nil {
		// Verify has read it already; this cannot fail in practice.
		return nil, fmt.Errorf("%w: %w", core.ErrBadSignature, err)
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, malformed("%s: must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return nil, malformed("body: not a JSON object: %v", err)
	}
	kind, ok := kinds[w.Type]
	switch {
	case w.Type == "":
		return nil, malformed("type: missing")
	case !ok:
		return nil, malformed("type: unknown %q", cutText(w.Type, 40))
	case w.Ticket.Key == "":
		return nil, malformed("ticket.key: missing")
	}
	ev := core.TicketEvent{
		Sink:       s.id,
		EventID:    id,
		Kind:       kind,
		Ticket:     s.ref(w.Ticket),
		ExternalID: w.Ticket.ExternalID,
		Time:       at.UTC(),
		Ours:       w.Origin == OriginUs,
	}
	switch kind {
	case core.TicketStatusChanged:
		if w.To == "" {
			return nil, malformed("to: missing for %s", w.Type)
		}
		ev.From, ev.To = w.From, w.To
		if ev.Ticket.Status == "" {
			ev.Ticket.Status = w.To
		}
	case core.TicketCommentAdded:
		if w.Comment == nil || w.Comment.Body == "" {
			return nil, malformed("comment.body: missing for %s", w.Type)
		}
		ev.Comment = &core.Comment{Body: w.Comment.Body, Public: w.Comment.Public, Author: w.Comment.Author}
	case core.TicketAssigned:
		// An empty assignee means the ticket was unassigned.
		ev.Assignee = w.Assignee
	}
	if w.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Time)
		if err != nil {
			return nil, malformed("time: not RFC 3339")
		}
		ev.Time = t.UTC()
	}
	return []core.TicketEvent{ev}, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrMalformed}, args...)...)
}

func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
