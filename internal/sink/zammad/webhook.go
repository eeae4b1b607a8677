package zammad

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Sign is the X-Hub-Signature of body: Zammad signs with HMAC-SHA1.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// ParseWebhook verifies X-Hub-Signature and reads the trigger's default
// payload: with an article, a comment (customers' own articles and ours
// are marked, internal ones stay internal); without one, the ticket's
// state. The event id is X-Zammad-Delivery. Zammad signs no timestamp;
// replays are stopped by the delivery id.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	got := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if got == "" || !hmac.Equal([]byte(got), []byte(Sign(s.s.WebhookSecret, body))) {
		return nil, fmt.Errorf("%w: %s missing or wrong", core.ErrBadSignature, HeaderSignature)
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: not a Zammad webhook: %w", core.ErrMalformed, err)
	}
	if w.Ticket == nil || w.Ticket.ID == 0 {
		return nil, fmt.Errorf("%w: webhook without a ticket", core.ErrMalformed)
	}
	id := r.Header.Get(HeaderDelivery)
	if id == "" {
		sum := sha256.Sum256(body)
		id = "body-" + hex.EncodeToString(sum[:16])
	}
	ev := core.TicketEvent{Sink: s.id, EventID: id, Time: s.now().UTC(),
		Ticket: core.TicketRef{Sink: s.id, Key: strconv.Itoa(w.Ticket.ID), URL: s.TicketURL(w.Ticket.ID), Status: w.Ticket.State}}
	for _, t := range w.Ticket.Tags {
		if strings.HasPrefix(t, "tb-") {
			ev.ExternalID = t
		}
	}
	if a := w.Article; a != nil && a.ID != 0 {
		if a.Sender == "Customer" {
			return nil, nil // the customer's own words, by e-mail or portal
		}
		ev.EventID += "-article-" + strconv.Itoa(a.ID)
		ev.Kind = core.TicketCommentAdded
		ev.Ours = a.CreatedByID != 0 && a.CreatedByID == s.knownSelf()
		author := ""
		if a.CreatedBy != nil {
			author = strings.TrimSpace(a.CreatedBy.Firstname + " " + a.CreatedBy.Lastname)
		}
		ev.Comment = &core.Comment{Body: a.Body, Public: !a.Internal, Author: author}
		return []core.TicketEvent{ev}, nil
	}
	if w.Ticket.State == "" {
		return nil, nil
	}
	ev.Kind, ev.To = core.TicketStatusChanged, w.Ticket.State
	return []core.TicketEvent{ev}, nil
}

// Check answers doctor: the token works, the group exists, and every
// state in state_names exists.
func (s *Sink) Check(ctx context.Context) error {
	if _, err := s.self(ctx); err != nil {
		return fmt.Errorf("zammad: token: %w", err)
	}
	ps, err := s.ValidateMapping(ctx, sink.MappingSpec{})
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return fmt.Errorf("zammad: %s", strings.Join(ps, "; "))
	}
	return nil
}

// ValidateMapping reads the token's user (our articles are known by it)
// and reports a missing group or states.
func (s *Sink) ValidateMapping(ctx context.Context, _ sink.MappingSpec) ([]string, error) {
	if _, err := s.self(ctx); err != nil {
		return nil, err
	}
	var groups []struct {
		Name string `json:"name"`
	}
	if err := s.c.JSON(ctx, "list groups", "GET", "/api/v1/groups", nil, &groups); err != nil {
		return nil, err
	}
	var out []string
	if !containsFold(len(groups), func(i int) string { return groups[i].Name }, s.s.Group) {
		out = append(out, fmt.Sprintf("group: %q does not exist (or the token may not see it)", s.s.Group))
	}
	var states []State
	if err := s.c.JSON(ctx, "list states", "GET", "/api/v1/ticket_states", nil, &states); err != nil {
		return nil, err
	}
	for _, st := range core.ChatStates {
		name := s.s.StateNames[st]
		if !containsFold(len(states), func(i int) string { return states[i].Name }, name) {
			out = append(out, fmt.Sprintf("state_names.%s: Zammad has no state %q", st, name))
		}
	}
	return out, nil
}

func containsFold(n int, at func(int) string, want string) bool {
	for i := range n {
		if strings.EqualFold(at(i), want) {
			return true
		}
	}
	return false
}
