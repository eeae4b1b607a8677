// Package core holds the types every other package speaks: normalized chat
// events, ticket references and drafts, ticket-system events, and the error
// classes that decide whether a failed call is retried.
package core

import (
	"context"
	"encoding/json"
	"time"
)

// EventKind names what happened in the chat. The values are persisted.
type EventKind string

const (
	KindMessage           EventKind = "message"
	KindCommand           EventKind = "command"
	KindReaction          EventKind = "reaction"
	KindCallEnded         EventKind = "call_ended"
	KindLiveFeedback      EventKind = "live_feedback"
	KindConversationEnded EventKind = "conversation_ended"
	// KindCallSignal is one notification about an RTC channel (create,
	// destroy, join, leave); the workers fold a channel's signals into
	// call sessions and a finished session into a KindCallEnded event.
	KindCallSignal EventKind = "call_signal"
	// KindTranscript is (part of) a call's transcript, posted to
	// /hooks/im/{source}/transcripts.
	KindTranscript EventKind = "transcript"
	// KindHandover is the platform's own signal that a conversation a bot
	// was handling now wants a person (a WeCom 微信客服 service_state
	// change, a helpdesk stage); processing treats it as a request for a
	// human on routes with a handover section.
	KindHandover EventKind = "handover"
)

// Role is who a sender is from the support team's point of view.
type Role string

const (
	RoleCustomer Role = "customer"
	RoleAgent    Role = "agent"
	RoleBot      Role = "bot"
)

// Button actions carried by a command event answering a confirmation prompt.
const (
	ActionConfirm = "confirm"
	ActionReject  = "reject"
	// ActionHandover is a "talk to a person" button.
	ActionHandover = "handover"
	// ActionRate answers a satisfaction survey; Event.Text carries the
	// score ("1" … "5") and Meta["token"] the survey's token.
	ActionRate = "rate"
)

// ConversationRef points at one conversation (and optionally one thread in
// it) on one configured source.
type ConversationRef struct {
	Source       string `json:"source"`
	Conversation string `json:"conversation"`
	Thread       string `json:"thread,omitempty"`
}

// Key is the stable identity of the conversation across threads' messages:
// a thread is its own conversation when the platform has threads.
func (c ConversationRef) Key() string {
	if c.Thread != "" {
		return c.Source + "/" + c.Conversation + "/" + c.Thread
	}
	return c.Source + "/" + c.Conversation
}

// Sender is the person or bot behind an event.
type Sender struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Role  Role   `json:"role,omitempty"`
}

// Attachment references a file that stays on the platform until fetched.
type Attachment struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Event is one normalized chat occurrence.
type Event struct {
	// Source is the configured source id; EventID is the platform's own id
	// for the occurrence and, with Source, the dedupe key.
	Source       string          `json:"source"`
	EventID      string          `json:"event_id"`
	Kind         EventKind       `json:"kind"`
	Conversation ConversationRef `json:"conversation"`
	Sender       Sender          `json:"sender"`
	Time         time.Time       `json:"time"`
	Text         string          `json:"text,omitempty"`
	// Command is the command name without its slash ("ticket") for command
	// events; Action is a button's action (ActionConfirm, ActionReject).
	Command     string          `json:"command,omitempty"`
	Action      string          `json:"action,omitempty"`
	Attachments []Attachment    `json:"attachments,omitempty"`
	Meta        map[string]any  `json:"meta,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// StoredEvent is an Event with the row id the store gave it; row ids grow
// with arrival, so they order a conversation's messages.
type StoredEvent struct {
	ID int64 `json:"id"`
	Event
	// StoredAt is when ticketbridge received and stored the event: the
	// start of every latency we measure (a platform's own Time may be
	// whole seconds, or skewed).
	StoredAt time.Time `json:"stored_at,omitzero"`
}

// Reply is what ingress answers instead of (or besides) accepting events:
// URL-verification challenges and platforms that want a body back.
type Reply struct {
	Status      int
	ContentType string
	Body        []byte
}

// Inbound is the result of parsing one verified request.
type Inbound struct {
	Events []Event
	Reply  *Reply
	// Stored, when set, runs once Events are durably stored, before the
	// answer: a source that pulled them moves its read cursor there, so a
	// crash before it re-reads them (deduplicated) instead of losing them.
	Stored func(ctx context.Context) error
}

// Prompt asks the conversation a yes/no question with buttons where the
// platform has them; Token ties the answer back to the proposal.
type Prompt struct {
	Token   string `json:"token"`
	Confirm string `json:"confirm"`
	Reject  string `json:"reject"`
}

// Rating is a satisfaction survey's scale: buttons 1 … Scale whose
// presses come back as ActionRate events carrying Token.
type Rating struct {
	Token string `json:"token"`
	Scale int    `json:"scale"`
}

// OutboundMessage is what we post to a conversation.
type OutboundMessage struct {
	Text   string  `json:"text"`
	Prompt *Prompt `json:"prompt,omitempty"`
	// Rating asks for a score with buttons where the platform has them;
	// Text always says how to answer in words too.
	Rating *Rating `json:"rating,omitempty"`
	// Key is our idempotency key for the post (platforms that accept one
	// get it; the generic source sends it as webhook-id).
	Key string `json:"key,omitempty"`
}

// PostedRef identifies a message we posted, so that its echo is ignored.
type PostedRef struct {
	ID string `json:"id"`
}
