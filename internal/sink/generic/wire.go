package generic

import "github.com/ticketbridge/ticketbridge/internal/core"

// Webhook event types.
const (
	TypeStatusChanged = "ticket.status_changed"
	TypeCommentAdded  = "ticket.comment_added"
	TypeAssigned      = "ticket.assigned"
)

// OriginUs marks a webhook about a change ticketbridge made.
const OriginUs = "ticketbridge"

// Ticket is a ticket as the service reports it.
type Ticket struct {
	Key        string `json:"key"`
	URL        string `json:"url,omitempty"`
	Status     string `json:"status,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// TicketList answers a lookup by external id.
type TicketList struct {
	Tickets []Ticket `json:"tickets"`
}

// CommentBody is the body of a comment request and of a webhook's comment.
type CommentBody struct {
	Body   string `json:"body"`
	Public bool   `json:"public"`
	Author string `json:"author,omitempty"`
}

// ErrorBody is what the service answers with a 4xx or 5xx.
type ErrorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Webhook is a ticket event as the service sends it.
type Webhook struct {
	Type     string       `json:"type"`
	Ticket   Ticket       `json:"ticket"`
	From     string       `json:"from,omitempty"`
	To       string       `json:"to,omitempty"`
	Comment  *CommentBody `json:"comment,omitempty"`
	Assignee string       `json:"assignee,omitempty"`
	Time     string       `json:"time,omitempty"`
	Origin   string       `json:"origin,omitempty"`
}

var kinds = map[string]core.TicketEventKind{
	TypeStatusChanged: core.TicketStatusChanged,
	TypeCommentAdded:  core.TicketCommentAdded,
	TypeAssigned:      core.TicketAssigned,
}
