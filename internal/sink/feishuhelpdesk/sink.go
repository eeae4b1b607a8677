package feishuhelpdesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

const (
	// maxText bounds one ticket message (Feishu takes 150 KB of JSON).
	maxText = 30000
	// maxListed and maxDetails bound a look-up for our ticket.
	maxListed  = 1000
	maxDetails = 50
	pageSize   = 100
)

// marker is the first line of our customized_info: the external id that
// finds the ticket again after a lost answer.
func marker(externalID string) string { return "ticketbridge " + externalID }

// ref is the line at the end of the description message, by which a
// look-up knows the message is there.
func ref(externalID string) string { return "(ref " + externalID + ")" }

// Create opens a service chat for the requester with start_service, finds
// the ticket it made by the marker in its customized_info, and posts the
// title and description into the ticket as the helpdesk bot.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create ticket"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	guest := s.guest(ctx, t.Requester)
	since := s.now().Add(-time.Minute)
	req := StartService{HumanService: *s.s.HumanService, AppointedAgents: s.s.AppointedAgents, OpenID: guest,
		CustomizedInfo: s.customizedInfo(t)}
	var ans struct {
		ChatID string `json:"chat_id"`
	}
	if err := s.call(ctx, op, http.MethodPost, "/open-apis/helpdesk/v1/start_service", req, &ans); err != nil {
		return core.TicketRef{}, err
	}
	tk, found, err := s.find(ctx, t.ExternalID, url.Values{"guest_id": {guest}}, since)
	if err != nil {
		return core.TicketRef{}, err
	}
	if !found {
		// The chat exists, its ticket is not listed yet: the retry looks
		// it up by the marker instead of starting a second chat.
		return core.TicketRef{}, &core.CallError{Op: op, Message: "service chat " + ans.ChatID + " started; its ticket is not listed yet", RetryAfter: 2 * time.Second}
	}
	if tk.ChatID == "" {
		tk.ChatID = ans.ChatID
	}
	if err := s.post(ctx, tk.TicketID, description(t)); err != nil {
		return core.TicketRef{}, err
	}
	return s.ticketRef(tk), nil
}

// FindByExternalID looks for our ticket among the API's tickets of the
// look-up window, newest first, by the marker. A ticket found without
// its description message (the answer to start_service or to the post
// was lost) gets it now, so a retried creation completes the first.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	tk, found, err := s.find(ctx, externalID, nil, s.now().Add(-s.s.LookupWindow))
	if err != nil || !found {
		return core.TicketRef{}, found, err
	}
	has, err := s.hasDescription(ctx, tk.TicketID, externalID)
	if err != nil {
		return core.TicketRef{}, false, err
	}
	if !has {
		d := core.TicketDraft{ExternalID: externalID, Title: "(ticketbridge)", Description: tk.CustomizedInfo}
		if err := s.post(ctx, tk.TicketID, description(d)); err != nil {
			return core.TicketRef{}, false, err
		}
	}
	return s.ticketRef(tk), true, nil
}

// find lists API-made tickets created since since (narrowed by extra
// filters) and reads their details, newest first, until one carries the
// marker.
func (s *Sink) find(ctx context.Context, externalID string, extra url.Values, since time.Time) (Ticket, bool, error) {
	const op = "find ticket"
	var listed []Ticket
	for page := 1; len(listed) < maxListed; page++ {
		q := url.Values{"channel": {strconv.Itoa(ChannelOpenAPI)}, "create_time_start": {strconv.FormatInt(since.UnixMilli(), 10)},
			"page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(pageSize)}}
		for k, v := range extra {
			q[k] = v
		}
		var ans TicketList
		if err := s.call(ctx, op, http.MethodGet, "/open-apis/helpdesk/v1/tickets?"+q.Encode(), nil, &ans); err != nil {
			return Ticket{}, false, err
		}
		listed = append(listed, ans.Tickets...)
		if len(ans.Tickets) < pageSize || len(listed) >= ans.Total {
			break
		}
	}
	sort.SliceStable(listed, func(i, j int) bool { return listed[i].CreatedAt > listed[j].CreatedAt })
	want := marker(externalID)
	for i, tk := range listed {
		if i >= maxDetails {
			s.log.Warn("feishu_helpdesk: look-up stopped before the oldest candidates", "sink", s.id,
				"external_id", externalID, "candidates", len(listed))
			break
		}
		info := tk.CustomizedInfo
		if info == "" {
			full, err := s.ticket(ctx, tk.TicketID)
			if err != nil {
				return Ticket{}, false, err
			}
			tk, info = full, full.CustomizedInfo
		}
		if first, _, _ := strings.Cut(info, "\n"); first == want {
			return tk, true, nil
		}
	}
	return Ticket{}, false, nil
}

func (s *Sink) ticket(ctx context.Context, id string) (Ticket, error) {
	var ans struct {
		Ticket Ticket `json:"ticket"`
	}
	err := s.call(ctx, "get ticket", http.MethodGet, "/open-apis/helpdesk/v1/tickets/"+url.PathEscape(id), nil, &ans)
	return ans.Ticket, err
}

func (s *Sink) hasDescription(ctx context.Context, ticketID, externalID string) (bool, error) {
	var ans struct {
		Messages []TicketMessage `json:"messages"`
	}
	q := url.Values{"page": {"1"}, "page_size": {"100"}}
	if err := s.call(ctx, "list ticket messages", http.MethodGet,
		"/open-apis/helpdesk/v1/tickets/"+url.PathEscape(ticketID)+"/messages?"+q.Encode(), nil, &ans); err != nil {
		return false, err
	}
	for _, m := range ans.Messages {
		if strings.Contains(m.Content, ref(externalID)) {
			return true, nil
		}
	}
	return false, nil
}

// Comment posts a public comment into the ticket as the helpdesk bot.
// The helpdesk has no internal note a tenant token may write, so
// internal comments are not posted (and logged).
func (s *Sink) Comment(ctx context.Context, r core.TicketRef, c core.Comment) error {
	if !c.Public {
		s.log.InfoContext(ctx, "feishu_helpdesk: internal comment not posted (the service chat is the customer's)", "sink", s.id, "ticket", r.Key)
		return nil
	}
	if strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: "comment", Permanent: true, Message: "comment is empty"}
	}
	return s.post(ctx, r.Key, c.Body)
}

func (s *Sink) post(ctx context.Context, ticketID, text string) error {
	const op = "post ticket message"
	if ticketID == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "ticket reference has no id"}
	}
	content, _ := json.Marshal(map[string]string{"text": cut(text, maxText)})
	return s.call(ctx, op, http.MethodPost, "/open-apis/helpdesk/v1/tickets/"+url.PathEscape(ticketID)+"/messages",
		MessageBody{MsgType: "text", Content: string(content)}, nil)
}

// Status reads the ticket's status name (StatusName).
func (s *Sink) Status(ctx context.Context, r core.TicketRef) (string, error) {
	tk, err := s.ticket(ctx, r.Key)
	if err != nil {
		return "", err
	}
	return StatusName(tk.Status), nil
}

func (s *Sink) ticketRef(tk Ticket) core.TicketRef {
	return core.TicketRef{Sink: s.id, Key: tk.TicketID, URL: chatURL(tk.ChatID), Status: StatusName(tk.Status)}
}

// guest picks the open_id the ticket is raised for: the requester's own
// when the chat is Feishu's (an open_id), else the one their e-mail
// belongs to, else requester_open_id.
func (s *Sink) guest(ctx context.Context, r core.Requester) string {
	if strings.HasPrefix(r.ID, "ou_") {
		return r.ID
	}
	if r.Email != "" {
		var ans struct {
			UserList []struct {
				UserID string `json:"user_id"`
				Email  string `json:"email"`
			} `json:"user_list"`
		}
		err := s.call(ctx, "find user by e-mail", http.MethodPost, "/open-apis/contact/v3/users/batch_get_id?user_id_type=open_id",
			map[string][]string{"emails": {r.Email}}, &ans)
		if err != nil {
			s.log.WarnContext(ctx, "feishu_helpdesk: requester not looked up by e-mail", "sink", s.id, "error", err)
		}
		for _, u := range ans.UserList {
			if u.UserID != "" && strings.EqualFold(u.Email, r.Email) {
				return u.UserID
			}
		}
	}
	return s.s.RequesterOpenID
}

// customizedInfo is what agents see as the ticket's source information:
// the marker, the title, the priority and the mapped custom fields.
func (s *Sink) customizedInfo(t core.TicketDraft) string {
	lines := []string{marker(t.ExternalID), t.Title}
	if t.Priority != "" {
		lines = append(lines, "priority: "+t.Priority)
	}
	keys := make([]string, 0, len(t.Custom))
	for k := range t.Custom {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := k
		if f, ok := s.s.CustomFields[k]; ok {
			name = f
		}
		lines = append(lines, fmt.Sprintf("%s: %v", name, t.Custom[k]))
	}
	if t.Requester.Name != "" || t.Requester.Email != "" {
		lines = append(lines, strings.TrimSpace("requester: "+t.Requester.Name+" "+t.Requester.Email))
	}
	return cut(strings.Join(lines, "\n"), maxCustomizedInfo)
}

func description(t core.TicketDraft) string {
	return strings.TrimSpace(t.Title) + "\n\n" + strings.TrimSpace(t.Description) + "\n\n" + ref(t.ExternalID)
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// ValidateMapping checks that every key of mapping.custom names a ticket
// field of the helpdesk (through custom_fields, or by its own name).
func (s *Sink) ValidateMapping(ctx context.Context, m sink.MappingSpec) ([]string, error) {
	if len(m.CustomFields) == 0 {
		return nil, nil
	}
	defs, err := s.fields(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, d := range defs {
		known[d.KeyName] = true
	}
	var problems []string
	for _, k := range m.CustomFields {
		name := k
		if f, ok := s.s.CustomFields[k]; ok {
			name = f
		}
		if !known[name] {
			problems = append(problems, fmt.Sprintf("route %s: mapping.custom.%s: the helpdesk has no ticket field with key_name %q", m.Route, k, name))
		}
	}
	return problems, nil
}

func (s *Sink) fields(ctx context.Context) ([]FieldDef, error) {
	var out []FieldDef
	token := ""
	for range 20 {
		q := url.Values{"page_size": {"100"}}
		if token != "" {
			q.Set("page_token", token)
		}
		var ans struct {
			HasMore       bool       `json:"has_more"`
			NextPageToken string     `json:"next_page_token"`
			Items         []FieldDef `json:"items"`
		}
		if err := s.call(ctx, "list ticket fields", http.MethodGet, "/open-apis/helpdesk/v1/ticket_customized_fields?"+q.Encode(), nil, &ans); err != nil {
			return nil, err
		}
		out = append(out, ans.Items...)
		if !ans.HasMore || ans.NextPageToken == "" {
			break
		}
		token = ans.NextPageToken
	}
	return out, nil
}

// Check fetches a token and the helpdesk's ticket fields: it proves the
// app and the helpdesk credentials, and changes nothing.
func (s *Sink) Check(ctx context.Context) error {
	if _, err := s.tenantToken(ctx, true); err != nil {
		return fmt.Errorf("feishu refused the app credentials (check app_id and app_secret): %w", err)
	}
	if _, err := s.fields(ctx); err != nil {
		return fmt.Errorf("the helpdesk refused helpdesk_id/helpdesk_token or the app lacks helpdesk permissions: %w", err)
	}
	return nil
}
