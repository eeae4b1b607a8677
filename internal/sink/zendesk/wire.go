package zendesk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Ticket is a ticket as the API returns it (the fields we read).
type Ticket struct {
	ID           int64         `json:"id"`
	URL          string        `json:"url,omitempty"`
	ExternalID   string        `json:"external_id,omitempty"`
	Subject      string        `json:"subject,omitempty"`
	Status       string        `json:"status,omitempty"`
	Priority     string        `json:"priority,omitempty"`
	RequesterID  int64         `json:"requester_id,omitempty"`
	AssigneeID   int64         `json:"assignee_id,omitempty"`
	GroupID      int64         `json:"group_id,omitempty"`
	BrandID      int64         `json:"brand_id,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	CustomFields []CustomField `json:"custom_fields,omitempty"`
	UpdatedAt    string        `json:"updated_at,omitempty"`
}

// CustomField is one {id, value} pair of a ticket.
type CustomField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

// NewTicket is the "ticket" object of a create request.
type NewTicket struct {
	Subject      string        `json:"subject"`
	Comment      NewComment    `json:"comment"`
	Priority     string        `json:"priority,omitempty"`
	Requester    *Requester    `json:"requester,omitempty"`
	ExternalID   string        `json:"external_id"`
	Tags         []string      `json:"tags,omitempty"`
	CustomFields []CustomField `json:"custom_fields,omitempty"`
	GroupID      int64         `json:"group_id,omitempty"`
	BrandID      int64         `json:"brand_id,omitempty"`
}

// Requester is a ticket's requester by name and e-mail; Zendesk finds or
// creates the user.
type Requester struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// NewComment is a comment in a create or update request.
type NewComment struct {
	Body    string   `json:"body"`
	Public  bool     `json:"public"`
	Uploads []string `json:"uploads,omitempty"`
}

// TicketUpdate is the "ticket" object of PUT /tickets/{id}.json.
type TicketUpdate struct {
	Comment  *NewComment `json:"comment,omitempty"`
	Status   string      `json:"status,omitempty"`
	Priority string      `json:"priority,omitempty"`
	GroupID  int64       `json:"group_id,omitempty"`
}

// TicketComment is one comment in GET /tickets/{id}/comments.json.
type TicketComment struct {
	ID        int64     `json:"id"`
	Body      string    `json:"body"`
	PlainBody string    `json:"plain_body,omitempty"`
	Public    bool      `json:"public"`
	AuthorID  int64     `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
}

// CommentPage answers GET /tickets/{id}/comments.json with cursor
// pagination (page[size], page[after]).
type CommentPage struct {
	Comments []TicketComment `json:"comments"`
	Meta     struct {
		HasMore     bool   `json:"has_more"`
		AfterCursor string `json:"after_cursor,omitempty"`
	} `json:"meta"`
}

// TicketEnvelope wraps a ticket in requests and answers.
type TicketEnvelope[T any] struct {
	Ticket T `json:"ticket"`
}

// TicketList answers GET /tickets.json.
type TicketList struct {
	Tickets []Ticket `json:"tickets"`
	Count   int      `json:"count"`
}

// Upload answers POST /uploads.json.
type Upload struct {
	Upload struct {
		Token string `json:"token"`
	} `json:"upload"`
}

// TicketField is one entry of GET /ticket_fields.json.
type TicketField struct {
	ID                 int64  `json:"id"`
	Type               string `json:"type"`
	Title              string `json:"title"`
	Active             bool   `json:"active"`
	Required           bool   `json:"required"`
	RequiredInPortal   bool   `json:"required_in_portal"`
	Removable          bool   `json:"removable"`
	SystemFieldOptions []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"system_field_options,omitempty"`
}

// TicketFields answers GET /ticket_fields.json.
type TicketFields struct {
	TicketFields []TicketField `json:"ticket_fields"`
	NextPage     *string       `json:"next_page"`
}

// User is the user object of /users/me.json.
type User struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// IncrementalPage answers the cursor-based incremental ticket export.
type IncrementalPage struct {
	Tickets     []Ticket `json:"tickets"`
	AfterCursor string   `json:"after_cursor"`
	EndOfStream bool     `json:"end_of_stream"`
}

// Webhook is the body our users paste into the Zendesk trigger that
// calls the webhook (see the package doc). Zendesk renders placeholders as
// text, so ids and booleans are accepted as strings or JSON values.
type Webhook struct {
	Kind     string       `json:"kind"`
	Ticket   HookTicket   `json:"ticket"`
	From     string       `json:"from,omitempty"`
	Comment  *HookComment `json:"comment,omitempty"`
	Assignee *HookUser    `json:"assignee,omitempty"`
	Updater  Flex         `json:"updater_id,omitempty"`
	Time     string       `json:"time,omitempty"`
}

// HookTicket is the ticket part of a webhook.
type HookTicket struct {
	ID         Flex   `json:"id"`
	ExternalID string `json:"external_id,omitempty"`
	Status     string `json:"status,omitempty"`
	Priority   string `json:"priority,omitempty"`
	URL        string `json:"url,omitempty"`
}

// HookComment is the latest comment in a webhook.
type HookComment struct {
	ID         Flex   `json:"id,omitempty"`
	Body       string `json:"body"`
	Public     Flex   `json:"public"`
	AuthorID   Flex   `json:"author_id,omitempty"`
	AuthorName string `json:"author_name,omitempty"`
}

// HookUser is a user in a webhook.
type HookUser struct {
	ID   Flex   `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Flex is a scalar that may arrive as a JSON string, number or boolean
// (placeholders render as text, hand-written bodies may not quote them).
type Flex string

// UnmarshalJSON keeps the value's text; objects and arrays are refused.
func (f *Flex) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = Flex(strings.TrimSpace(s))
		return nil
	}
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return &json.UnmarshalTypeError{Value: "object or array", Type: flexType}
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Flex(string(b))
	return nil
}

// True reports whether the value says yes; anything unclear is no, so an
// internal note never passes for a public comment.
func (f Flex) True() bool {
	v, err := strconv.ParseBool(strings.ToLower(string(f)))
	return err == nil && v
}

// ID returns the value as a positive id, or 0.
func (f Flex) ID() int64 {
	n, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

var flexType = reflect.TypeFor[string]()
