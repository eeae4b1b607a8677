package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Create posts the draft to /api/v2/tickets.json. The description is the
// first, public comment; our external id goes into external_id (for
// FindByExternalID) and into Idempotency-Key, so that Zendesk itself
// answers a resent creation with the ticket it already made.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create ticket"
	nt, err := s.newTicket(t)
	if err != nil {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: err.Error()}
	}
	var got TicketEnvelope[Ticket]
	c := call{op: op, method: http.MethodPost, path: "/api/v2/tickets.json", body: TicketEnvelope[NewTicket]{Ticket: nt}}
	if t.ExternalID != "" {
		c.header = map[string]string{"Idempotency-Key": "ticketbridge-" + t.ExternalID}
	}
	if err := s.do(ctx, c, &got); err != nil {
		return core.TicketRef{}, err
	}
	if got.Ticket.ID == 0 {
		// Zendesk answered success, so the ticket may exist: stay
		// transient and let the retry find it by external id.
		return core.TicketRef{}, &core.CallError{Op: op, Message: "answer has no ticket id"}
	}
	return s.ref(got.Ticket), nil
}

// newTicket maps a draft onto Zendesk's create shape.
func (s *Sink) newTicket(t core.TicketDraft) (NewTicket, error) {
	body := t.Description
	if strings.TrimSpace(body) == "" {
		// Zendesk refuses a ticket without a first comment.
		body = t.Title
	}
	nt := NewTicket{
		Subject:    t.Title,
		Comment:    NewComment{Body: body, Public: true},
		ExternalID: t.ExternalID,
		GroupID:    s.set.GroupID,
		BrandID:    s.set.BrandID,
	}
	if t.Priority != "" {
		p, ok := s.priority(t.Priority)
		if !ok {
			return NewTicket{}, fmt.Errorf("priority %q: not in priority_map and not a Zendesk priority (%s)", t.Priority, strings.Join(Priorities, ", "))
		}
		nt.Priority = p
	}
	// Without an e-mail Zendesk cannot find or make the requester; the
	// ticket is then requested by the API user and the name stays in the
	// description the mapping wrote.
	if t.Requester.Email != "" {
		nt.Requester = &Requester{Name: t.Requester.Name, Email: t.Requester.Email}
	}
	for _, l := range t.Labels {
		if tag := tagOf(l); tag != "" && !slices.Contains(nt.Tags, tag) {
			nt.Tags = append(nt.Tags, tag)
		}
	}
	for _, k := range sortedKeys(t.Custom) {
		id, ok := s.fieldID(k)
		if !ok {
			return NewTicket{}, fmt.Errorf("custom field %q: no ticket field id in custom_fields", k)
		}
		nt.CustomFields = append(nt.CustomFields, CustomField{ID: id, Value: t.Custom[k]})
	}
	return nt, nil
}

// ourPriority is our name for a Zendesk priority: the priority_map key
// that maps to it (the first in sorted order when several do), else
// Zendesk's value as it is.
func (s *Sink) ourPriority(p string) string {
	for _, k := range sortedKeys(s.set.PriorityMap) {
		if strings.EqualFold(s.set.PriorityMap[k], p) {
			return k
		}
	}
	return strings.ToLower(p)
}

// priority maps ours onto Zendesk's values.
func (s *Sink) priority(p string) (string, bool) {
	if v, ok := s.set.PriorityMap[p]; ok {
		return strings.ToLower(v), true
	}
	for k, v := range s.set.PriorityMap {
		if strings.EqualFold(k, p) {
			return strings.ToLower(v), true
		}
	}
	lp := strings.ToLower(p)
	return lp, slices.Contains(Priorities, lp)
}

// fieldID is the ticket field a mapping.custom key goes to: its entry in
// custom_fields, or the key itself when it is a numeric id.
func (s *Sink) fieldID(key string) (int64, bool) {
	if id, ok := s.set.CustomFields[key]; ok {
		return id, true
	}
	id, err := strconv.ParseInt(key, 10, 64)
	return id, err == nil && id > 0
}

// tagOf makes a label a Zendesk tag: Zendesk splits tags at spaces and
// stores them lower-cased, so we do the same ourselves.
func tagOf(label string) string {
	f := strings.FieldsFunc(strings.ToLower(label), func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	return strings.Join(f, "_")
}

// FindByExternalID looks the ticket up with GET /tickets.json?external_id=.
// Zendesk does not enforce unique external ids; the first (oldest) match wins.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	const op = "find ticket"
	var list TicketList
	err := s.do(ctx, call{op: op, method: http.MethodGet, path: "/api/v2/tickets.json?external_id=" + url.QueryEscape(externalID)}, &list)
	if err != nil {
		return core.TicketRef{}, false, err
	}
	var best *Ticket
	for i, t := range list.Tickets {
		// An answer that ignored the filter must not make us adopt some
		// other conversation's ticket.
		if t.ID == 0 || t.ExternalID != externalID {
			continue
		}
		if best == nil || t.ID < best.ID {
			best = &list.Tickets[i]
		}
	}
	if best == nil {
		return core.TicketRef{}, false, nil
	}
	return s.ref(*best), true, nil
}

// Comment adds a public comment or an internal note with PUT
// /tickets/{id}.json; Zendesk has no endpoint that creates comments.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	body := sinkhttp.Marked(c.Body, c.Key, sinkhttp.Visible)
	return s.update(ctx, "add comment", ref, TicketUpdate{Comment: &NewComment{Body: body, Public: c.Public}})
}

// findCommentLimit bounds the comments FindComment reads: one page of the
// newest, where a retried append's earlier comment is.
const findCommentLimit = 100

// FindComment looks among the ticket's newest comments for one whose
// marker (the "ref:" line Comment adds) starts with prefix. Zendesk keeps
// no field of ours beside a comment that the comments list returns, so
// the key travels in the text.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	const op = "find comment"
	id, err := ticketID(op, ref)
	if err != nil {
		return "", false, err
	}
	q := url.Values{"sort_order": {"desc"}, "page[size]": {strconv.Itoa(findCommentLimit)}}
	var page CommentPage
	if err := s.do(ctx, call{op: op, method: http.MethodGet, path: "/api/v2/tickets/" + id + "/comments.json?" + q.Encode()}, &page); err != nil {
		return "", false, err
	}
	bodies := make([]string, len(page.Comments))
	for i, c := range page.Comments {
		bodies[i] = c.Body
	}
	key, found := sinkhttp.FindMarked(bodies, prefix)
	return key, found, nil
}

// Status reads the ticket's current status (new, open, pending, hold,
// solved, closed).
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	t, err := s.get(ctx, "read status", ref)
	if err != nil {
		return "", err
	}
	return t.Status, nil
}

// Transition moves the ticket to the Zendesk status for a chat state
// (resolved → solved, closed → closed). Zendesk lets only its own
// automation close a ticket in many accounts and refuses updates to a
// closed ticket: a refused close is made a solve, which Zendesk closes
// later on its own, and a ticket already there is left alone.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "change status"
	to, ok := s.transitions[state]
	if !ok {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("no Zendesk status for chat state %q", state)}
	}
	t, err := s.get(ctx, op, ref)
	if err != nil {
		return err
	}
	if t.Status == to || t.Status == "closed" {
		return nil
	}
	err = s.update(ctx, op, ref, TicketUpdate{Status: to})
	var ce *core.CallError
	if to == "closed" && errors.As(err, &ce) && ce.Status == http.StatusUnprocessableEntity {
		if t.Status == "solved" {
			return nil
		}
		s.log.Info("zendesk refused a direct close; solving instead", "ticket", ref.Key, "zendesk_error", ce.Message)
		return s.update(ctx, op, ref, TicketUpdate{Status: "solved"})
	}
	return err
}

func (s *Sink) get(ctx context.Context, op string, ref core.TicketRef) (Ticket, error) {
	id, err := ticketID(op, ref)
	if err != nil {
		return Ticket{}, err
	}
	var got TicketEnvelope[Ticket]
	if err := s.do(ctx, call{op: op, method: http.MethodGet, path: "/api/v2/tickets/" + id + ".json"}, &got); err != nil {
		return Ticket{}, err
	}
	return got.Ticket, nil
}

// SetPriority raises (or lowers) a ticket's priority: an SLA escalation.
// The priority goes through priority_map like a new ticket's; setting it
// again is harmless, so a retry needs no look-up.
func (s *Sink) SetPriority(ctx context.Context, ref core.TicketRef, priority string) error {
	const op = "set priority"
	p, ok := s.priority(priority)
	if !ok {
		return &core.CallError{Op: op, Permanent: true,
			Message: fmt.Sprintf("priority %q: not in priority_map and not a Zendesk priority (%s)", priority, strings.Join(Priorities, ", "))}
	}
	return s.update(ctx, op, ref, TicketUpdate{Priority: p})
}

// SetQueue moves a ticket to another group (an SLA escalation's queue,
// a group id); moving it there again is harmless.
func (s *Sink) SetQueue(ctx context.Context, ref core.TicketRef, queue string) error {
	const op = "set group"
	id, err := strconv.ParseInt(strings.TrimSpace(queue), 10, 64)
	if err != nil || id <= 0 {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("queue %q is not a Zendesk group id", queue)}
	}
	return s.update(ctx, op, ref, TicketUpdate{GroupID: id})
}

func (s *Sink) update(ctx context.Context, op string, ref core.TicketRef, u TicketUpdate) error {
	id, err := ticketID(op, ref)
	if err != nil {
		return err
	}
	return s.do(ctx, call{op: op, method: http.MethodPut, path: "/api/v2/tickets/" + id + ".json", body: TicketEnvelope[TicketUpdate]{Ticket: u}}, nil)
}

// ticketID checks that a ticket key is a Zendesk ticket number.
func ticketID(op string, ref core.TicketRef) (string, error) {
	if n, err := strconv.ParseInt(ref.Key, 10, 64); err != nil || n <= 0 {
		return "", &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("ticket key %q is not a Zendesk ticket id", ref.Key)}
	}
	return ref.Key, nil
}

// ref makes our reference; URL is the agent's view, not the API address
// Zendesk puts in "url".
func (s *Sink) ref(t Ticket) core.TicketRef {
	key := strconv.FormatInt(t.ID, 10)
	return core.TicketRef{Sink: s.id, Key: key, URL: s.base + "/agent/tickets/" + key, Status: t.Status}
}
