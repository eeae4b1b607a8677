package store

import (
	"context"
	"errors"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// CSAT is one satisfaction survey: at most one per ticket (link).
type CSAT struct {
	LinkID       string
	Route        string
	ConvKey      string
	Conversation core.ConversationRef
	Sink         string
	TicketKey    string
	// Customer is the person asked ("source/sender id"; "" unknown).
	Customer string
	AskedAt  time.Time
	// Score is 1–5 once answered, 0 before.
	Score      int
	Comment    string
	AnsweredAt time.Time
}

// SLAClock is the service-level state of one ticket (link).
type SLAClock struct {
	LinkID          string
	Route           string
	Priority        string
	StartedAt       time.Time
	FirstResponseAt time.Time // zero until an agent's first public reply
	// ResolvedAt is the ticket's first resolution (zero while never
	// resolved); whether it is resolved now, after a reopening, is the
	// latest of Statuses.
	ResolvedAt time.Time
	Assignee   string
	// PriorityAt is the time of the ticket change that set Priority
	// (zero: the priority the ticket started with).
	PriorityAt time.Time
	// Fired lists the timer stages that acted ("resolution/breach").
	Fired []string
	// Statuses are the status changes the clock was told, in order of
	// their own time (not of arrival): the pauses of the resolution
	// clock are computed from them.
	Statuses []SLAStatus
	// Revision counts the changes to the clock. SLAUpdate and SLAFire
	// name the revision their decision read, so two changes computed
	// from the same state cannot both commit.
	Revision int64
}

// SLAStatus is one status change of a ticket on its clock: at At the
// ticket went into a status that pauses the resolution clock or one that
// does not, and Resolved says it was a resolved or closed one (a later
// change to an open status reopens the ticket, and its resolution clock
// runs again). Key is the ticket event's identity; the same key twice
// adds nothing.
type SLAStatus struct {
	Key      string    `json:"key"`
	At       time.Time `json:"at"`
	Paused   bool      `json:"paused"`
	Resolved bool      `json:"resolved,omitempty"`
}

// ErrConflict is returned by a guarded change whose clock changed since
// the revision it names: the caller reads the clock again and decides
// anew.
var ErrConflict = errors.New("changed meanwhile")

// SLAUpdate is what a ticket change tells an SLA clock; zero fields
// change nothing, and the times are only set where unset.
type SLAUpdate struct {
	FirstResponseAt time.Time
	ResolvedAt      time.Time
	Priority        string
	// PriorityAt is the time of the ticket change that set Priority: a
	// change older than the one the clock has does not apply (events
	// can arrive out of order). Zero applies unconditionally.
	PriorityAt time.Time `json:",omitzero"`
	Assignee   string
	// Status is a status change for the pause accounting.
	Status *SLAStatus `json:",omitempty"`
}

// Quality keeps the service-quality flows' state: CSAT surveys and SLA
// clocks. Both stores implement it; like ChatInbox it is not part of
// Store, and the workers find it with a type assertion.
type Quality interface {
	// CSATAsk records the survey of c.LinkID with jobs unless that ticket
	// was asked already, or the conversation or (when known) the customer
	// was asked at or after quietSince; it reports whether it did.
	CSATAsk(ctx context.Context, c CSAT, quietSince time.Time, jobs Jobs) (bool, error)
	// CSATOpen returns the conversation's latest unanswered survey asked
	// at or after since, or ErrNotFound.
	CSATOpen(ctx context.Context, convKey string, since time.Time) (CSAT, error)
	// CSATAnswer records the answer of an unanswered survey with jobs; it
	// reports false when the survey was answered already (or is unknown).
	CSATAnswer(ctx context.Context, linkID string, score int, comment string, at time.Time, jobs Jobs) (bool, error)

	// SLAStart creates the clock of c.LinkID with jobs unless it exists;
	// it reports whether it did.
	SLAStart(ctx context.Context, c SLAClock, jobs Jobs) (bool, error)
	// SLAGet returns a clock with its fired stages, or ErrNotFound.
	SLAGet(ctx context.Context, linkID string) (SLAClock, error)
	// SLAUpdate applies u to the clock at revision rev and, when
	// anything changed, inserts jobs and counts a revision; it reports
	// whether anything changed (false too for a link without a clock).
	// A clock no longer at rev is not changed: ErrConflict.
	SLAUpdate(ctx context.Context, linkID string, rev int64, u SLAUpdate, jobs Jobs) (bool, error)
	// SLAFire records that stage fired, with jobs, unless it fired
	// already; it reports whether it did. Like SLAUpdate it is guarded
	// by rev and counts a revision.
	SLAFire(ctx context.Context, linkID string, rev int64, stage string, at time.Time, jobs Jobs) (bool, error)

	// DeskSetPriority changes a local desk ticket's priority with jobs;
	// DeskAssign its assignee.
	DeskSetPriority(ctx context.Context, key, priority string, jobs Jobs) error
	DeskAssign(ctx context.Context, key, assignee string, jobs Jobs) error
	// DeskSetSatisfaction writes a local desk ticket's satisfaction field
	// (a CSAT score 1–5 and its comment); writing the same again changes
	// nothing. DeskSatisfaction reads it (score 0: not answered).
	DeskSetSatisfaction(ctx context.Context, key string, score int, comment string) error
	DeskSatisfaction(ctx context.Context, key string) (score int, comment string, err error)
}
