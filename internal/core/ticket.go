package core

import "time"

// TicketRef identifies one ticket in one sink.
type TicketRef struct {
	Sink   string `json:"sink"`
	Key    string `json:"key"`
	URL    string `json:"url,omitempty"`
	Status string `json:"status,omitempty"`
}

// Requester is the person a ticket is raised for.
type Requester struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// TicketDraft is a ticket ready to be created. ExternalID is ours and lets a
// retried creation find the ticket an earlier attempt made.
type TicketDraft struct {
	ExternalID  string         `json:"external_id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Priority    string         `json:"priority,omitempty"`
	Requester   Requester      `json:"requester"`
	Labels      []string       `json:"labels,omitempty"`
	Custom      map[string]any `json:"custom,omitempty"`
}

// Comment is a comment on a ticket. Public comments are visible to the
// requester and are the only ones that go back to the chat.
type Comment struct {
	Body   string `json:"body"`
	Public bool   `json:"public"`
	Author string `json:"author,omitempty"`
	// Key identifies the effect that writes the comment (an append of a
	// range of chat events). Sinks that can keep it unseen beside the
	// comment do, so that a retry finds the comment (sink.CommentFinder);
	// "" for comments that are not ours.
	Key string `json:"key,omitempty"`
}

// File is an attachment to put on a ticket.
type File struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// URL is a link to the file for sinks that cannot take uploads.
	URL string `json:"url,omitempty"`
	// Key identifies the effect that puts the file on the ticket
	// (tb-attach-<link>-<event>-<attachment>). Sinks that keep a
	// description or a note beside a file put it there, so that a retry
	// finds the file (sink.AttachmentFinder, sink.CommentFinder).
	Key string `json:"key,omitempty"`
}

// TicketEventKind names what happened to a ticket. The values are persisted.
type TicketEventKind string

const (
	TicketStatusChanged TicketEventKind = "status_changed"
	TicketCommentAdded  TicketEventKind = "comment_added"
	TicketAssigned      TicketEventKind = "assigned"
	// TicketPriorityChanged: someone changed the ticket's priority in the
	// system (Priority is the new one, in the route's terms where the
	// sink's priority_map has it).
	TicketPriorityChanged TicketEventKind = "priority_changed"
)

// Chat-facing ticket states a route's status map produces.
const (
	StateOpen              = "open"
	StateInProgress        = "in_progress"
	StateWaitingOnCustomer = "waiting_on_customer"
	StateResolved          = "resolved"
	StateClosed            = "closed"
)

// ChatStates lists the valid chat-facing states.
var ChatStates = []string{StateOpen, StateInProgress, StateWaitingOnCustomer, StateResolved, StateClosed}

// TicketEvent is one normalized ticket-system occurrence.
type TicketEvent struct {
	// EventID is the sink's delivery id (the dedupe key with Sink).
	Sink       string          `json:"sink"`
	EventID    string          `json:"event_id"`
	Kind       TicketEventKind `json:"kind"`
	Ticket     TicketRef       `json:"ticket"`
	ExternalID string          `json:"external_id,omitempty"`
	From       string          `json:"from,omitempty"`
	To         string          `json:"to,omitempty"`
	// ToCategory is the system's own class of the new status where it has
	// one (Jira's statusCategory: new, indeterminate, done).
	ToCategory string   `json:"to_category,omitempty"`
	Comment    *Comment `json:"comment,omitempty"`
	Assignee   string   `json:"assignee,omitempty"`
	// Priority is the new priority of a priority_changed event: our name
	// for it where the sink's priority_map has one, else the system's.
	Priority string    `json:"priority,omitempty"`
	Time     time.Time `json:"time"`
	// Ours is set when the change was made by ticketbridge itself, so it is
	// not echoed back to the chat.
	Ours bool `json:"ours,omitempty"`
}

// Satisfaction is a customer's CSAT answer as a ticket system's own
// satisfaction field keeps it: a score from 1 to 5 and what they added.
type Satisfaction struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}
