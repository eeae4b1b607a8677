package freshdesk

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Webhook is the JSON the automation rules send (docs/sinks/freshdesk.md
// gives it with Freshdesk's placeholders).
type Webhook struct {
	Event    string          `json:"event"` // comment or status
	TicketID json.RawMessage `json:"ticket_id"`
	Status   string          `json:"status"`
	Comment  string          `json:"comment"`
	Private  bool            `json:"private"`
	Author   string          `json:"author"`
	Tags     string          `json:"tags"`
}

// ParseWebhook checks the shared header in constant time (Freshdesk signs
// nothing, so the rule sends the token) and reads the rule's JSON. The
// event id is a hash of the body: Freshdesk gives no delivery id.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	got := r.Header.Get(s.s.WebhookHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.s.WebhookToken)) != 1 {
		return nil, fmt.Errorf("%w: %s missing or wrong", core.ErrBadSignature, s.s.WebhookHeader)
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: not the rule's JSON: %w", core.ErrMalformed, err)
	}
	id, err := strconv.ParseInt(strings.Trim(string(w.TicketID), `" `), 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("%w: ticket_id missing or not a number", core.ErrMalformed)
	}
	sum := sha256.Sum256(body)
	ev := core.TicketEvent{Sink: s.id, EventID: "fd-" + hex.EncodeToString(sum[:16]), Time: s.now().UTC(),
		Ticket: core.TicketRef{Sink: s.id, Key: strconv.FormatInt(id, 10), URL: s.TicketURL(id), Status: w.Status}}
	for _, t := range strings.Split(w.Tags, ",") {
		if t = strings.TrimSpace(t); strings.HasPrefix(t, "tb-") {
			ev.ExternalID = t
		}
	}
	switch w.Event {
	case "comment":
		text := strings.TrimSpace(w.Comment)
		if text == "" {
			return nil, nil
		}
		ev.Kind = core.TicketCommentAdded
		ev.Comment = &core.Comment{Body: text, Public: !w.Private, Author: w.Author}
	case "status":
		if w.Status == "" {
			return nil, fmt.Errorf("%w: status event without a status", core.ErrMalformed)
		}
		ev.Kind, ev.To = core.TicketStatusChanged, w.Status
	default:
		return nil, fmt.Errorf("%w: event %q is neither comment nor status", core.ErrMalformed, w.Event)
	}
	return []core.TicketEvent{ev}, nil
}

// Check answers doctor: the key works (agents/me).
func (s *Sink) Check(ctx context.Context) error {
	var me struct {
		ID int64 `json:"id"`
	}
	if err := s.c.JSON(ctx, "read agent", "GET", "/agents/me", nil, &me); err != nil {
		return fmt.Errorf("freshdesk: api_key: %w", err)
	}
	ps, err := s.ValidateMapping(ctx, sink.MappingSpec{})
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return fmt.Errorf("freshdesk: %s", strings.Join(ps, "; "))
	}
	return nil
}

// ValidateMapping reports custom_fields that are not ticket fields, and
// mapping.custom keys without a custom_fields entry.
func (s *Sink) ValidateMapping(ctx context.Context, m sink.MappingSpec) ([]string, error) {
	var out []string
	for _, k := range m.CustomFields {
		if _, ok := s.s.CustomFields[k]; !ok {
			out = append(out, fmt.Sprintf("route %s: mapping.custom.%s has no custom_fields entry", m.Route, k))
		}
	}
	if len(s.s.CustomFields) == 0 {
		return out, nil
	}
	var fields []struct {
		Name string `json:"name"`
	}
	if err := s.c.JSON(ctx, "list ticket fields", "GET", "/ticket_fields", nil, &fields); err != nil {
		return nil, err
	}
	for k, name := range s.s.CustomFields {
		found := false
		for _, f := range fields {
			found = found || f.Name == name
		}
		if !found {
			out = append(out, fmt.Sprintf("custom_fields.%s: Freshdesk has no ticket field %q", k, name))
		}
	}
	return out, nil
}
