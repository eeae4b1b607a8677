package sink

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// The interfaces below are capabilities a connector has when its ticket
// system offers them; the workers and the app check for them.

// ErrTooLarge is returned by Attach when the file is over the system's
// limit; the caller links the file instead and says so on the ticket.
var ErrTooLarge = errors.New("file over the ticket system's size limit")

// Attacher puts a file on a ticket, streaming body (never holding it whole).
type Attacher interface {
	Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error
}

// Transitioner moves a ticket to a chat-facing state (core.StateResolved,
// core.StateClosed …) when the chat side asks, e.g. with a close command.
type Transitioner interface {
	Transition(ctx context.Context, ref core.TicketRef, state string) error
}

// LinkedCreator creates a ticket and records it on its link in one
// commit: the local desk can, as it lives in ticketbridge's own database.
// A retry then needs no look-up, since either both happened or neither
// did. link turns the ticket into the link's record (made is false when a
// ticket with the draft's external id was there already); it runs inside
// the transaction.
type LinkedCreator interface {
	CreateLinked(ctx context.Context, t core.TicketDraft, link func(ref core.TicketRef, made bool) (store.TicketLinking, error)) (core.TicketRef, error)
}

// PrioritySetter changes a ticket's priority (an SLA escalation); the
// priority is the system's own name for it, as a route's mapping uses.
type PrioritySetter interface {
	SetPriority(ctx context.Context, ref core.TicketRef, priority string) error
}

// QueueSetter moves a ticket to another queue of its system (an SLA
// escalation): queue is the system's own id for it (a Zendesk or
// Freshdesk group id). Moving it there again is harmless.
type QueueSetter interface {
	SetQueue(ctx context.Context, ref core.TicketRef, queue string) error
}

// SatisfactionWriter writes a CSAT answer into the ticket's own
// satisfaction field (the local desk's; a configured custom field on Jira
// and ServiceNow). SatisfactionFields says what it can hold: score false
// means no field is configured (the answer goes in an internal note),
// comment false that the comment has no field of its own. Satisfaction
// reads the field back (found false while it is empty), so a retry after
// an unknown outcome looks for its earlier write; writing the same again
// is harmless anyway.
type SatisfactionWriter interface {
	SatisfactionFields() (score, comment bool)
	SetSatisfaction(ctx context.Context, ref core.TicketRef, s core.Satisfaction) error
	Satisfaction(ctx context.Context, ref core.TicketRef) (s core.Satisfaction, found bool, err error)
}

// StatusReader reads a ticket's current status name.
type StatusReader interface {
	Status(ctx context.Context, ref core.TicketRef) (string, error)
}

// MappingSpec is what a route may put into a ticket, for validation
// against the system's metadata before the first ticket.
type MappingSpec struct {
	Route        string
	Priorities   []string // every priority the route can produce
	CustomFields []string // the keys of mapping.custom
	Labels       bool     // the route sets labels/tags
}

// MappingValidator reads the system's metadata (required fields, allowed
// values) and reports what would make creation fail, one plain message a
// problem. It runs at start-up and in `config check`.
type MappingValidator interface {
	ValidateMapping(ctx context.Context, m MappingSpec) ([]string, error)
}

// Poller is for systems (or set-ups) without webhooks: Poll returns the
// ticket events since cursor ("" the first time) and the next cursor,
// which the caller stores. PollInterval 0 means webhooks only.
type Poller interface {
	PollInterval() time.Duration
	Poll(ctx context.Context, cursor string) ([]core.TicketEvent, string, error)
}

// RateLimited tells the caller the sink's request budget per minute; the
// caller spaces requests with a token bucket and coalesces follow-ups.
type RateLimited interface {
	RequestsPerMinute() int
}

// StateMapper knows, better than status names, what a status change means
// for the chat (Jira's status categories and per-project overrides). A
// route's explicit status_map still wins over it.
type StateMapper interface {
	StateOf(ev core.TicketEvent) (state string, ok bool)
}

// Challenger is a sink whose system verifies its webhook URL with a
// challenge the URL must answer (Feishu's url_verification). Ingress asks
// it first: when isChallenge is true, reply is written as the answer and
// nothing is stored; a refusal wraps core.ErrBadSignature or
// core.ErrMalformed like ParseWebhook's.
type Challenger interface {
	Challenge(r *http.Request, body []byte) (reply *core.Reply, isChallenge bool, err error)
}

// Checker answers `ticketbridge doctor` (credentials, project or queue,
// required fields) in plain words.
type Checker interface {
	Check(ctx context.Context) error
}

// As finds capability T on s or on the sink a wrapper (metrics, rate
// limit, pause-and-probe) wraps. The calls of a capability found under
// wrappers go through them too, as Create and Comment do.
func As[T any](s Sink) (T, bool) {
	var gs guards
	for {
		if t, ok := s.(T); ok {
			return guarded(t, gs), true
		}
		if g, ok := s.(guard); ok {
			gs = append(gs, g)
		}
		w, ok := s.(interface{ Unwrap() Sink })
		if !ok {
			var zero T
			return zero, false
		}
		s = w.Unwrap()
	}
}
