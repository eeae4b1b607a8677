package zammad

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

const maxTitle = 250

// Create makes a ticket whose first article is the description, for the
// requester as customer (guess: makes or finds them by e-mail), tagged
// with the external id.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create ticket"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	customer := strings.TrimSpace(t.Requester.Email)
	if customer == "" {
		customer = s.s.FallbackCustomer
	}
	ti := sinkhttp.Title(t, maxTitle)
	body := strings.TrimSpace(t.Description)
	if body == "" {
		body = ti
	}
	req := map[string]any{
		"title": ti, "group": s.s.Group, "customer_id": "guess:" + customer,
		"article": map[string]any{"subject": ti, "body": body, "type": "note", "internal": false, "content_type": "text/plain"},
		"tags":    strings.Join(s.tags(t), ","),
	}
	if p, ok := s.s.PriorityMap[strings.ToLower(t.Priority)]; ok {
		req["priority_id"] = p
	}
	var got Ticket
	if err := s.c.JSON(ctx, op, "POST", "/api/v1/tickets", req, &got); err != nil {
		return core.TicketRef{}, err
	}
	if got.ID == 0 {
		return core.TicketRef{}, &core.CallError{Op: op, Status: 201, Message: "answer has no ticket id"}
	}
	return core.TicketRef{Sink: s.id, Key: strconv.Itoa(got.ID), URL: s.TicketURL(got.ID), Status: got.State}, nil
}

// tags are the configured and the draft's tags and the external id; a
// comma would split a tag in two, so commas become spaces.
func (s *Sink) tags(t core.TicketDraft) []string {
	var out []string
	for _, l := range append(append(slices.Clone(s.s.Tags), t.Labels...), Tag(t.ExternalID)) {
		l = strings.Join(strings.Fields(strings.ReplaceAll(l, ",", " ")), " ")
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// FindByExternalID searches tickets by the tag, then, since search may
// lag behind (Elasticsearch) or be off, reads the tags of the newest
// tickets the token's user made. A ticket is adopted only when its tags
// hold the tag exactly.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	tag := Tag(externalID)
	var found []Ticket
	q := url.Values{"query": {`tags:"` + tag + `"`}, "limit": {"10"}, "expand": {"true"}}
	if err := s.c.JSON(ctx, "search tickets", "GET", "/api/v1/tickets/search?"+q.Encode(), nil, &found); err != nil && core.IsPermanent(err) {
		return core.TicketRef{}, false, err
	}
	self, err := s.self(ctx)
	if err != nil {
		return core.TicketRef{}, false, err
	}
	var recent []Ticket
	q = url.Values{"page": {"1"}, "per_page": {"20"}, "expand": {"true"}, "sort_by": {"id"}, "order_by": {"desc"}}
	if err := s.c.JSON(ctx, "list tickets", "GET", "/api/v1/tickets?"+q.Encode(), nil, &recent); err != nil {
		return core.TicketRef{}, false, err
	}
	for _, tk := range recent {
		if tk.CreatedByID == self {
			found = append(found, tk)
		}
	}
	for _, tk := range found {
		var tags struct {
			Tags []string `json:"tags"`
		}
		path := "/api/v1/tags?object=Ticket&o_id=" + strconv.Itoa(tk.ID)
		if err := s.c.JSON(ctx, "read tags", "GET", path, nil, &tags); err != nil {
			return core.TicketRef{}, false, err
		}
		if slices.Contains(tags.Tags, tag) {
			return core.TicketRef{Sink: s.id, Key: strconv.Itoa(tk.ID), URL: s.TicketURL(tk.ID), Status: tk.State}, true, nil
		}
	}
	return core.TicketRef{}, false, nil
}

// Comment adds a note article; internal comments are internal articles,
// which customers do not see.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add article"
	id, err := ticketID(op, ref)
	if err != nil {
		return err
	}
	if strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "comment is empty"}
	}
	body := map[string]any{"ticket_id": id, "body": sinkhttp.Marked(c.Body, c.Key, sinkhttp.Visible), "type": "note", "internal": !c.Public, "content_type": "text/plain", "sender": "Agent"}
	return s.c.JSON(ctx, op, "POST", "/api/v1/ticket_articles", body, nil)
}

// FindComment reads the ticket's articles (GET
// /api/v1/ticket_articles/by_ticket/{id}, which answers with all of them,
// oldest first) and looks, newest first, for one whose marker (the "ref:"
// line Comment and Attach add) starts with prefix. A note article keeps
// no field of ours that the API lets us set, so the key travels in the
// text.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	const op = "find article"
	id, err := ticketID(op, ref)
	if err != nil {
		return "", false, err
	}
	var arts []Article
	if err := s.c.JSON(ctx, op, "GET", "/api/v1/ticket_articles/by_ticket/"+strconv.Itoa(id), nil, &arts); err != nil {
		return "", false, err
	}
	bodies := make([]string, len(arts))
	for i, a := range arts {
		bodies[len(arts)-1-i] = a.Body
	}
	key, found := sinkhttp.FindMarked(bodies, prefix)
	return key, found, nil
}

func ticketID(op string, ref core.TicketRef) (int, error) {
	id, err := strconv.Atoi(ref.Key)
	if err != nil || id <= 0 {
		return 0, &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("ticket key %q is not a ticket id", ref.Key)}
	}
	return id, nil
}

// self is the token's user id, read once.
func (s *Sink) self(ctx context.Context) (int, error) {
	s.mu.Lock()
	id := s.selfID
	s.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	var u User
	if err := s.c.JSON(ctx, "read user", "GET", "/api/v1/users/me", nil, &u); err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.selfID = u.ID
	s.mu.Unlock()
	return u.ID, nil
}

func (s *Sink) knownSelf() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.selfID
}
