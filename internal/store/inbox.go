package store

import (
	"context"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// ChatMessage is a message the bot posted to a conversation of a source
// that has nowhere else to deliver it (the generic source without a
// reply_url): kept so a person can read the bot's side of the story.
type ChatMessage struct {
	ID           int64        `json:"id"`
	Source       string       `json:"source"`
	Conversation string       `json:"conversation"`
	Thread       string       `json:"thread,omitempty"`
	Key          string       `json:"key"`
	Text         string       `json:"text"`
	Prompt       *core.Prompt `json:"prompt,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
}

// ChatInboxQuery selects inbox messages: those with an id above After,
// oldest first, at most Limit of them; empty filters match everything.
type ChatInboxQuery struct {
	Source       string
	Conversation string
	After        int64
	Limit        int
}

// ChatInbox keeps the bot's messages for sources without a reply address.
// Their text is sealed like every other body (ADInbox) when encryption is
// on, and retention deletes them with their source's events.
// Both stores implement it; it is not part of Store so that a store
// without it still works (replies then fail as before).
type ChatInbox interface {
	// ChatInboxAdd stores m unless the conversation already has a message
	// with its Key (a retried post), and returns the stored message either
	// way.
	ChatInboxAdd(ctx context.Context, m ChatMessage) (ChatMessage, error)
	// ChatInboxList returns the messages q selects, oldest first.
	ChatInboxList(ctx context.Context, q ChatInboxQuery) ([]ChatMessage, error)
	// ChatInboxPurge deletes the messages older than the policy keeps
	// their source's events, and returns how many.
	ChatInboxPurge(ctx context.Context, p RetentionPolicy, now time.Time) (int, error)
}
