package source

import (
	"context"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// The interfaces below are capabilities a connector has when its platform
// offers them; the workers check for them with a type assertion.

// ThreadFetcher fetches the messages of a thread, oldest first, so that a
// ticket opened from a reply or a reaction carries the whole thread, not
// one line. conv.Thread names the thread (its root message); limit bounds
// the answer (the newest limit messages when there are more).
type ThreadFetcher interface {
	FetchThread(ctx context.Context, conv core.ConversationRef, limit int) ([]core.Event, error)
}

// MessageFetcher fetches one message by its platform id: the message a
// reaction or a message shortcut points at (Event.Meta["target"]).
type MessageFetcher interface {
	FetchMessage(ctx context.Context, conv core.ConversationRef, messageID string) (core.Event, error)
}

// UserResolver looks a user up (display name, e-mail) for the ticket's
// requester. Implementations cache answers; a miss is not an error worth
// failing a ticket for, so callers fall back to what the event carried.
type UserResolver interface {
	LookupUser(ctx context.Context, userID string) (core.Sender, error)
}

// PostChecker tells whether a conversation takes messages at all (an RTC
// call channel does not); notices for one that does not are skipped
// rather than failed.
type PostChecker interface {
	CanPost(conv core.ConversationRef) bool
}

// PostFinder finds a message ticketbridge posted with a given key
// (OutboundMessage.Key, which the connector attaches to the post the way
// its platform allows: Slack message metadata, Mattermost post props),
// posted to the conversation at or after since. A notice job retried
// after an unknown outcome looks for its own earlier post before posting
// again, so a lost answer does not show the customer the message twice.
type PostFinder interface {
	FindPost(ctx context.Context, to core.ConversationRef, key string, since time.Time) (core.PostedRef, bool, error)
}

// IdempotentPoster is a connector whose platform itself drops a repeated
// post with the same key (Feishu's uuid, a Standard Webhooks receiver's
// webhook-id): a retry may simply post again.
type IdempotentPoster interface {
	PostsIdempotently() bool
}

// JSONAcker is a connector whose platform wants a JSON body in the
// answer to every delivery (Agora's NCS: "200 with a JSON body"). Other
// platforms read only the status, and get a bare 200 unless the caller
// asks for JSON.
type JSONAcker interface {
	AcksInJSON() bool
}

// Checker answers `ticketbridge doctor`: a harmless call that proves the
// credentials work and the platform is reachable. Its error says what is
// wrong in plain words ("bot token revoked: invalid_auth").
type Checker interface {
	Check(ctx context.Context) error
}

// Well-known keys of Event.Meta that connectors fill and rules read.
const (
	// MetaTarget is the platform id of the message a reaction or a message
	// shortcut points at.
	MetaTarget = "target"
	// MetaReaction is the reaction's name without colons ("ticket").
	MetaReaction = "reaction"
	// MetaMessageID is the platform's id of the message an event carries.
	MetaMessageID = "message_id"
)
