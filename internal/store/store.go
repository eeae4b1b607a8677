// Package store is ticketbridge's persistence: events, conversation links,
// proposals, the local ticket desk, and the River job queue that shares the
// database so that a row and the job acting on it commit together.
// store/sqlite and store/postgres implement it; store/storetest is the one
// conformance suite both pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Jobs are River jobs to insert in the same transaction as a write.
type Jobs = []river.InsertManyParams

// Store is the persistence interface. Every method that takes Jobs inserts
// them in the same transaction as its own rows.
type Store interface {
	// Migrate creates or upgrades the schema, River's tables included.
	Migrate(ctx context.Context) error
	Ping(ctx context.Context) error
	Close() error
	// Queue builds the River client on this database. It is called once;
	// the store keeps it to insert Jobs inside its own transactions.
	Queue(cfg *river.Config) (Queue, error)

	// IngestBatch stores the events that are new (by Source+EventID) and,
	// when any are, the jobs jobsFor returns for their new row ids, in one
	// transaction; index[i] is the position in events of row ids[i].
	// accepted[i] tells whether events[i] was new.
	IngestBatch(ctx context.Context, events []core.Event, jobsFor func(ids []int64, index []int) Jobs) (accepted []bool, err error)
	// IngestDecide is IngestBatch that decides in the same transaction:
	// decide gets the new rows (in arrival order) and the conversations
	// as the transaction sees them, and returns changes, applied as Apply
	// applies them, and other jobs. On PostgreSQL the transaction holds a
	// lock per conversation of the new rows (as Apply does for its
	// changes), so that two replicas never decide one conversation from
	// the same stale view.
	IngestDecide(ctx context.Context, events []core.Event, decide Decide) (accepted []bool, err error)
	// EventsByID returns the events with these row ids, ordered by id.
	EventsByID(ctx context.Context, ids []int64) ([]core.StoredEvent, error)
	// ConversationEvents returns events of the conversation (by
	// ConversationRef.Key) with afterID < id <= throughID, oldest first,
	// at most limit (the newest ones when there are more). throughID 0
	// means no upper bound.
	ConversationEvents(ctx context.Context, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error)
	// ConversationEventsAfter returns at most limit events of the
	// conversation with id > afterID, oldest first.
	ConversationEventsAfter(ctx context.Context, convKey string, afterID int64, limit int) ([]core.StoredEvent, error)

	// LinkOpen inserts l in state "creating" with jobs unless the route
	// already has an open link for the conversation; it returns the open
	// link and whether it made it.
	LinkOpen(ctx context.Context, l Link, jobs Jobs) (Link, bool, error)
	LinkGet(ctx context.Context, id string) (Link, error)
	// LinksForConversation returns the open links of a conversation.
	LinksForConversation(ctx context.Context, convKey string) ([]Link, error)
	LinkByTicket(ctx context.Context, sink, ticketKey string) (Link, error)
	// LinkSetTicket records a created ticket on its link (TicketLinking
	// says what commits with it).
	LinkSetTicket(ctx context.Context, l TicketLinking) error
	// LinkAppendBegin records, before a comment goes out, the last event
	// it carries; LinkAdvance clears it.
	LinkAppendBegin(ctx context.Context, id string, through int64) error
	// LinkAdvance moves the appended-through cursor forward (never back).
	LinkAdvance(ctx context.Context, id string, cursor int64) error
	// LinkLease takes the link's append lease until the given time unless
	// another holder's lease has not expired; LinkRelease gives it back.
	// It keeps two append jobs from commenting the same events.
	LinkLease(ctx context.Context, id string, until time.Time) (bool, error)
	LinkRelease(ctx context.Context, id string) error
	// LinkSetStatus records the chat-facing state; resolved and closed
	// links stop being open.
	LinkSetStatus(ctx context.Context, id, sinkStatus, state string, jobs Jobs) error

	// ProposalCreate records a pending proposal unless the route already
	// has one pending for the conversation; it returns the pending one.
	ProposalCreate(ctx context.Context, p Proposal, jobs Jobs) (Proposal, bool, error)
	// ProposalPending returns the pending proposal of a route and
	// conversation, or ErrNotFound.
	ProposalPending(ctx context.Context, route, convKey string) (Proposal, error)
	// ProposalResolve sets a pending proposal's state (accepted, rejected,
	// expired); it returns false when it was no longer pending.
	ProposalResolve(ctx context.Context, id, state string, jobs Jobs) (bool, error)

	// Apply commits a batch of state changes, and the jobs of those that
	// took effect, in one transaction; made[i] tells whether changes[i]
	// did (see Change).
	Apply(ctx context.Context, changes []Change) (made []bool, err error)
	// QueueLag is the age of the oldest job waiting (available) in the
	// named River queues, 0 when none waits.
	QueueLag(ctx context.Context, queues []string) (time.Duration, error)
	// ConversationsState returns, for each conversation key, its open
	// links and its pending proposals, in two queries for the whole set.
	ConversationsState(ctx context.Context, convKeys []string) (map[string]ConversationState, error)

	// DryRunRecord keeps what a dry-run route would have created.
	DryRunRecord(ctx context.Context, d DryRun) error
	DryRuns(ctx context.Context, limit int) ([]DryRun, error)

	// TicketEventsIngest stores the ticket events that are new (by
	// Sink+EventID) and the jobs for them, in one transaction.
	TicketEventsIngest(ctx context.Context, events []core.TicketEvent, decide DecideTickets) (accepted []bool, err error)

	// PostedAdd remembers a message we posted; PostedHas finds it, so the
	// platform's echo of it is ignored.
	PostedAdd(ctx context.Context, source, messageID string) error
	PostedHas(ctx context.Context, source, messageID string) (bool, error)

	// CursorGet returns a named cursor ("" when never set); CursorSet
	// stores it. Pollers keep their place with them.
	CursorGet(ctx context.Context, name string) (string, error)
	CursorSet(ctx context.Context, name, value string) error

	Desk
	Bodies
	Retention
	Audit
}

// TicketLinking is a created ticket's record on its link: the ticket, the
// last event its description covered, the jobs the ticket causes, and the
// audit entry, committed together. IfFollowUps are inserted too, but only
// when the conversation already has events after the link's cursor (on
// PostgreSQL under the conversation's lock, which IngestDecide also
// takes: an event stored later sees the ticket and queues its own append).
type TicketLinking struct {
	LinkID      string
	Ref         core.TicketRef
	Cursor      int64
	Jobs        Jobs
	IfFollowUps Jobs
	Audit       *AuditEntry
	// SLA is the clock the ticket starts when its route has an SLA,
	// created once (an existing clock is kept). It commits with the
	// ticket, so a ticket change can never be told before the clock
	// exists.
	SLA *SLAClock
}

// LinkFinder finds the link a ticket event is about.
type LinkFinder interface {
	LinkGet(ctx context.Context, id string) (Link, error)
	LinkByTicket(ctx context.Context, sink, ticketKey string) (Link, error)
}

// TicketTx is an open ticket-event ingest transaction: it finds links
// and records their status (as LinkSetStatus, the jobs aside) through it.
type TicketTx interface {
	LinkFinder
	SetLinkStatus(ctx context.Context, id, sinkStatus, state string) error
}

// DecideTickets decides newly stored ticket events inside the transaction
// that stores them and returns the jobs to insert with them.
type DecideTickets func(ctx context.Context, tx TicketTx, fresh []core.TicketEvent) (Jobs, error)

// Desk is the built-in local ticket desk's storage.
type Desk interface {
	// DeskCreate makes a ticket unless one with the draft's ExternalID
	// exists; it returns the ticket and whether it made it.
	DeskCreate(ctx context.Context, d core.TicketDraft) (DeskTicket, bool, error)
	// DeskCreateLinked is DeskCreate and LinkSetTicket in one
	// transaction: the desk lives in the link's database, so a ticket and
	// its link's record commit together, saving a commit and a look-up on
	// retries. link builds the record from the ticket (and whether it was
	// made now) inside the transaction: it must not call the network.
	DeskCreateLinked(ctx context.Context, d core.TicketDraft, link func(DeskTicket, bool) (TicketLinking, error)) (DeskTicket, bool, error)
	DeskFindByExternalID(ctx context.Context, externalID string) (DeskTicket, error)
	DeskGet(ctx context.Context, key string) (DeskTicket, error)
	DeskList(ctx context.Context, status string, limit int) ([]DeskTicket, error)
	// DeskComment adds a comment, with the jobs that announce it.
	DeskComment(ctx context.Context, key string, c DeskComment, jobs Jobs) (DeskComment, error)
	DeskComments(ctx context.Context, key string) ([]DeskComment, error)
	// DeskSetStatus changes the status and returns the previous one.
	DeskSetStatus(ctx context.Context, key, status string, jobs Jobs) (string, error)
}

// Decide turns an ingest transaction's new events into changes and jobs.
// It runs inside the transaction: it must not call the network or block.
type Decide func(ctx context.Context, r StateReader, fresh []core.StoredEvent) ([]Change, Jobs, error)

// StateReader reads conversations through an open transaction.
type StateReader interface {
	ConversationsState(ctx context.Context, convKeys []string) (map[string]ConversationState, error)
	ConversationEvents(ctx context.Context, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error)
}

// RecentRequest asks for a conversation's last Limit events up to and
// including ThroughID (all of them when Limit is 0), the context a ticket
// is drafted with.
type RecentRequest struct {
	ConvKey   string
	ThroughID int64
	Limit     int
}

// RecentReader is a StateReader that answers several RecentRequests in
// one round trip (PostgreSQL's ingest transaction); the answers are in
// the requests' order, each oldest first, as ConversationEvents gives
// them.
type RecentReader interface {
	RecentEvents(ctx context.Context, reqs []RecentRequest) ([][]core.StoredEvent, error)
}

// ConversationState is what processing needs to know of a conversation.
type ConversationState struct {
	Links     []Link     // open links, oldest first
	Proposals []Proposal // pending proposals
}

// Link ties a conversation to a ticket for one route.
type Link struct {
	ID           string // random, also the ticket's external id suffix
	Route        string
	ConvKey      string
	Conversation core.ConversationRef
	Sink         string
	TicketKey    string // "" while creating
	TicketURL    string
	SinkStatus   string
	State        string // creating, open, in_progress, ... closed
	Cursor       int64  // last event id the ticket has
	// LeaseUntil is when the append lease lapses; zero when released. A
	// lapsed lease that was never released means an append died midway.
	LeaseUntil time.Time
	// AppendThrough is the last event of an append whose outcome is not
	// recorded yet (0: none): a retry sends exactly (Cursor, AppendThrough].
	AppendThrough int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Link states beyond the chat-facing ones.
const LinkCreating = "creating"

// Open reports whether the link still takes follow-ups.
func (l Link) Open() bool {
	return l.State != core.StateResolved && l.State != core.StateClosed
}

// Proposal is a ticket the bot offered and waits for the customer to confirm.
type Proposal struct {
	ID           string
	Route        string
	ConvKey      string
	Conversation core.ConversationRef
	EventID      int64 // the event that triggered it
	Rule         string
	Category     string
	State        string // pending, accepted, rejected, expired
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

// Proposal states.
const (
	ProposalPending  = "pending"
	ProposalAccepted = "accepted"
	ProposalRejected = "rejected"
	ProposalExpired  = "expired"
)

// DryRun is a ticket a dry-run route would have created.
type DryRun struct {
	ID        int64            `json:"id"`
	Route     string           `json:"route"`
	ConvKey   string           `json:"conversation_key"`
	Rule      string           `json:"rule"`
	Draft     core.TicketDraft `json:"draft"`
	CreatedAt time.Time        `json:"created_at"`
}

// DeskTicket is a ticket on the local desk. Key is "LOCAL-<n>".
type DeskTicket struct {
	Key         string         `json:"key"`
	ExternalID  string         `json:"external_id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Priority    string         `json:"priority"`
	Requester   core.Requester `json:"requester"`
	Labels      []string       `json:"labels"`
	Custom      map[string]any `json:"custom"`
	Status      string         `json:"status"` // new, open, pending, solved, closed
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// DeskComment is a comment on a local desk ticket. Ours marks comments
// ticketbridge wrote (appended chat messages), which are never echoed.
type DeskComment struct {
	ID int64 `json:"id"`
	// Key is the key of the effect that wrote it (see core.Comment.Key).
	Key       string    `json:"key,omitempty"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	Public    bool      `json:"public"`
	Ours      bool      `json:"ours"`
	CreatedAt time.Time `json:"created_at"`
}

// Queue is the part of River's client ticketbridge uses; both
// *river.Client[*sql.Tx] and *river.Client[pgx.Tx] satisfy it.
type Queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	QueuePause(ctx context.Context, name string, opts *river.QueuePauseOpts) error
	QueueResume(ctx context.Context, name string, opts *river.QueuePauseOpts) error
}
