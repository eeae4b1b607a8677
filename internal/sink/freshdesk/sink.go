package freshdesk

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Conversation is a note or reply as GET /tickets/{id}/conversations
// lists it; body is HTML, body_text its plain text.
type Conversation struct {
	ID       int64  `json:"id"`
	Body     string `json:"body"`
	BodyText string `json:"body_text"`
	Private  bool   `json:"private"`
	Incoming bool   `json:"incoming"`
	TicketID int64  `json:"ticket_id"`
	// Attachments are the files on the note (name and size).
	Attachments []ConversationFile `json:"attachments,omitempty"`
}

// ConversationFile is a file on a note.
type ConversationFile struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// Ticket is the part of a ticket the sink reads.
type Ticket struct {
	ID        int64    `json:"id"`
	Subject   string   `json:"subject"`
	Status    int      `json:"status"`
	Priority  int      `json:"priority"`
	Tags      []string `json:"tags"`
	GroupID   int64    `json:"group_id"`
	CreatedAt string   `json:"created_at"`
}

// sourceChat is Freshdesk's ticket source number for chat.
const sourceChat = 7

const maxSubject = 255

// Create opens a ticket for the requester (or fallback_email), status
// open, tagged with the external id.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create ticket"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	email := s.requester(t)
	if email == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "the requester has no e-mail and fallback_email is not set"}
	}
	body := map[string]any{
		"subject": sinkhttp.Title(t, maxSubject), "description": descriptionHTML(t), "email": email,
		"status": StatusOpen, "priority": priority(t.Priority), "source": sourceChat, "tags": s.tags(t),
	}
	if t.Requester.Name != "" {
		body["name"] = t.Requester.Name
	}
	if s.s.GroupID != 0 {
		body["group_id"] = s.s.GroupID
	}
	if cf := s.customFields(t); len(cf) > 0 {
		body["custom_fields"] = cf
	}
	var got Ticket
	if err := s.c.JSON(ctx, op, "POST", "/tickets", body, &got); err != nil {
		return core.TicketRef{}, err
	}
	if got.ID == 0 {
		return core.TicketRef{}, &core.CallError{Op: op, Status: 201, Message: "answer has no ticket id"}
	}
	return s.ref(got), nil
}

func (s *Sink) ref(tk Ticket) core.TicketRef {
	return core.TicketRef{Sink: s.id, Key: strconv.FormatInt(tk.ID, 10), URL: s.TicketURL(tk.ID), Status: StatusName(tk.Status)}
}

func (s *Sink) requester(t core.TicketDraft) string {
	if e := strings.TrimSpace(t.Requester.Email); e != "" {
		return e
	}
	return s.s.FallbackEmail
}

// descriptionHTML: Freshdesk's description is HTML.
func descriptionHTML(t core.TicketDraft) string {
	d := strings.TrimSpace(t.Description)
	if d == "" {
		d = sinkhttp.Title(t, maxSubject)
	}
	return "<div>" + strings.ReplaceAll(html.EscapeString(d), "\n", "<br>") + "</div>"
}

// priority maps ours to Freshdesk's 1 low … 4 urgent (default 2).
func priority(p string) int {
	if n, ok := map[string]int{"low": 1, "normal": 2, "high": 3, "urgent": 4}[strings.ToLower(p)]; ok {
		return n
	}
	return 2
}

func (s *Sink) tags(t core.TicketDraft) []string {
	out := []string{}
	for _, l := range append(append(slices.Clone(s.s.Tags), t.Labels...), t.ExternalID) {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func (s *Sink) customFields(t core.TicketDraft) map[string]any {
	out := map[string]any{}
	for k, v := range t.Custom {
		if name, ok := s.s.CustomFields[k]; ok {
			out[name] = v
		} else {
			s.log.Warn("freshdesk: custom key has no field", "sink", s.id, "key", k)
		}
	}
	return out
}

// FindByExternalID lists the tickets updated in the last day, newest
// first (the list carries tags), and adopts one tagged with the external
// id. A lost answer is retried within minutes, so the ticket is among
// them. Search is not used: its index lags behind creation.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	q := url.Values{"order_by": {"created_at"}, "order_type": {"desc"}, "per_page": {"50"}}
	q.Set("updated_since", s.now().Add(-24*60*60*1e9).UTC().Format("2006-01-02T15:04:05Z"))
	var list []Ticket
	if err := s.c.JSON(ctx, "list tickets", "GET", "/tickets?"+q.Encode(), nil, &list); err != nil {
		return core.TicketRef{}, false, err
	}
	for _, tk := range list {
		if slices.Contains(tk.Tags, externalID) {
			return s.ref(tk), true, nil
		}
	}
	return core.TicketRef{}, false, nil
}

// Comment adds a note: private when internal; public ones are public
// notes, or replies (e-mailed to the requester) with public_comments:
// reply.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add note"
	id, err := ticketID(op, ref)
	if err != nil {
		return err
	}
	if strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "comment is empty"}
	}
	text := "<div>" + strings.ReplaceAll(html.EscapeString(sinkhttp.Marked(c.Body, c.Key, sinkhttp.Visible)), "\n", "<br>") + "</div>"
	if c.Public && s.s.PublicComments == "reply" {
		return s.c.JSON(ctx, "add reply", "POST", "/tickets/"+id+"/reply", map[string]any{"body": text}, nil)
	}
	return s.c.JSON(ctx, op, "POST", "/tickets/"+id+"/notes", map[string]any{"body": text, "private": !c.Public}, nil)
}

// conversationPage is the page size FindComment asks for (Freshdesk's
// most); maxConversationPages bounds how many pages it reads.
const (
	conversationPage     = 100
	maxConversationPages = 500
)

// FindComment reads the ticket's conversations (notes and replies) and
// looks, newest first, for one whose marker (the "ref:" line Comment and
// Attach add) starts with prefix. Freshdesk lists conversations oldest
// first with no other order, so the pages are read to the end, keeping
// only the texts that hold prefix. A ticket with more conversations than
// it reads is an error, not "not found": a retry must not post again
// without having looked.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	const op = "find note"
	id, err := ticketID(op, ref)
	if err != nil {
		return "", false, err
	}
	var texts []string
	for page := 1; ; page++ {
		if page > maxConversationPages {
			return "", false, &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf(
				"ticket %s has more than %d conversations; the earlier note cannot be looked for", id, maxConversationPages*conversationPage)}
		}
		var cs []Conversation
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(conversationPage)}}
		if err := s.c.JSON(ctx, op, "GET", "/tickets/"+id+"/conversations?"+q.Encode(), nil, &cs); err != nil {
			return "", false, err
		}
		for _, c := range cs {
			if strings.Contains(c.BodyText, prefix) {
				texts = append(texts, c.BodyText)
			}
		}
		if len(cs) < conversationPage {
			break
		}
	}
	slices.Reverse(texts)
	key, found := sinkhttp.FindMarked(texts, prefix)
	return key, found, nil
}

func ticketID(op string, ref core.TicketRef) (string, error) {
	if n, err := strconv.ParseInt(ref.Key, 10, 64); err != nil || n <= 0 {
		return "", &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("ticket key %q is not a ticket id", ref.Key)}
	}
	return ref.Key, nil
}

// Status reads the ticket's status name.
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	id, err := ticketID("read ticket", ref)
	if err != nil {
		return "", err
	}
	var tk Ticket
	if err := s.c.JSON(ctx, "read ticket", "GET", "/tickets/"+id, nil, &tk); err != nil {
		return "", err
	}
	return StatusName(tk.Status), nil
}

// SetQueue moves a ticket to another group (an SLA escalation's queue,
// a group id) and checks the answer; moving it there again is harmless.
func (s *Sink) SetQueue(ctx context.Context, ref core.TicketRef, queue string) error {
	const op = "set group"
	id, err := ticketID(op, ref)
	if err != nil {
		return err
	}
	group, err := strconv.ParseInt(strings.TrimSpace(queue), 10, 64)
	if err != nil || group <= 0 {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("queue %q is not a Freshdesk group id", queue)}
	}
	var tk Ticket
	if err := s.c.JSON(ctx, op, "PUT", "/tickets/"+id, map[string]any{"group_id": group}, &tk); err != nil {
		return err
	}
	if tk.GroupID != group {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("ticket %s stayed in group %d", id, tk.GroupID)}
	}
	return nil
}

// Transition sets the status for a chat state (in_progress is open:
// Freshdesk has no such status) and checks the answer.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "change status"
	id, err := ticketID(op, ref)
	if err != nil {
		return err
	}
	want, ok := map[string]int{core.StateOpen: StatusOpen, core.StateInProgress: StatusOpen,
		core.StateWaitingOnCustomer: StatusPending, core.StateResolved: StatusResolved, core.StateClosed: StatusClosed}[state]
	if !ok {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("unknown chat state %q", state)}
	}
	var tk Ticket
	if err := s.c.JSON(ctx, op, "PUT", "/tickets/"+id, map[string]any{"status": want}, &tk); err != nil {
		return err
	}
	if tk.Status != want {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("ticket %s stayed %s", id, StatusName(tk.Status))}
	}
	return nil
}
