// Package jobs holds ticketbridge's River workers: processing stored chat
// events through the rules, creating tickets, appending follow-ups,
// applying ticket events and posting to chats, with the retry policy that
// decides what happens when a platform fails.
package jobs

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Job kinds are persisted in River's table: never rename them.
const (
	KindProcess     = "process_events"
	KindCreate      = "create_ticket"
	KindAppend      = "append_comment"
	KindNotify      = "notify_chat"
	KindTicketEvent = "ticket_event"
	KindTransition  = "transition_ticket"
	KindAttach      = "attach_file"
	KindPoll        = "poll_sink"
	KindEscalate    = "escalate_conversation"
	KindLiveBurst   = "live_burst"
)

// QueueIngest is the first processing partition's queue (see lanes.go):
// each partition processes its event batches one at a time, so that one
// conversation's messages are decided in arrival order.
const QueueIngest = "ingest"

// ProcessArgs names the stored events of one ingress batch.
type ProcessArgs struct {
	EventIDs []int64 `json:"event_ids"`
}

func (ProcessArgs) Kind() string { return KindProcess }

func (ProcessArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueIngest} }

// CreateArgs creates the ticket of one link. EventID is the event the
// ticket is about (the complaint), ThroughID the last event its
// description covers (the confirmation, when there was one).
type CreateArgs struct {
	LinkID    string    `json:"link_id"`
	EventID   int64     `json:"event_id"`
	ThroughID int64     `json:"through_id"`
	Rule      string    `json:"rule"`
	Category  string    `json:"category,omitempty"`
	Received  time.Time `json:"received"`
	// Note goes before the mapped description (a live burst's summary).
	Note string `json:"note,omitempty"`
}

func (CreateArgs) Kind() string { return KindCreate }

// Creation is unique per link, which is itself unique per route and open
// conversation: a retried decision never makes a second creation job.
func (CreateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// AppendArgs appends a link's new conversation events to its ticket. Each
// follow-up event gets its own job, but a job takes every event after the
// link's cursor under the link's append lease, so follow-ups that arrive
// while a comment is in flight (or while the sink makes us wait) coalesce
// into one comment and later jobs find nothing left to do.
type AppendArgs struct {
	LinkID  string `json:"link_id"`
	EventID int64  `json:"event_id"`
}

func (AppendArgs) Kind() string { return KindAppend }

func (AppendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// NotifyArgs posts one message to a conversation. Since is when the
// ticket-side change happened, for the sync latency metric.
type NotifyArgs struct {
	// Route names the route whose fallback channels take the message when
	// the conversation cannot.
	Route   string               `json:"route,omitempty"`
	To      core.ConversationRef `json:"to"`
	Message core.OutboundMessage `json:"message"`
	Since   time.Time            `json:"since,omitzero"`
}

func (NotifyArgs) Kind() string { return KindNotify }

// Notifications are unique by their key, so a retried decision does not
// post twice.
func (NotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// TransitionArgs moves a link's ticket to a chat-facing state because the
// chat asked ("/ticket close"); EventID is the asking event.
type TransitionArgs struct {
	LinkID  string `json:"link_id"`
	State   string `json:"state"`
	EventID int64  `json:"event_id"`
}

func (TransitionArgs) Kind() string { return KindTransition }

func (TransitionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// TicketEventArgs applies one ticket-system event.
type TicketEventArgs struct {
	Event core.TicketEvent `json:"event"`
}

func (TicketEventArgs) Kind() string { return KindTicketEvent }

var allStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// Insert wraps args as an InsertManyParams with their own options.
func Insert(args river.JobArgs) river.InsertManyParams {
	p := river.InsertManyParams{Args: args}
	if o, ok := args.(river.JobArgsWithInsertOpts); ok {
		opts := o.InsertOpts()
		p.InsertOpts = &opts
	}
	return p
}
