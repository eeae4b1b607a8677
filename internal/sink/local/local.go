// Package local is the built-in ticket desk: tickets kept in ticketbridge's
// own database, worked through the admin API and `ticketbridge desk`. It
// emits the same TicketEvents an external system's webhook would, so the
// whole two-way path runs with nothing external.
package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Statuses a desk ticket can have, in the usual order of a ticket's life.
var Statuses = []string{"new", "open", "pending", "solved", "closed"}

// ErrInvalid marks a request the desk refuses as it stands (an empty
// comment, an unknown status).
var ErrInvalid = errors.New("invalid desk request")

// Emit returns the jobs that deliver a ticket event, committed with the
// desk change that caused it.
type Emit func(ev core.TicketEvent) store.Jobs

// Desk is the local sink.
type Desk struct {
	id    string
	store store.Desk
	emit  Emit
	now   func() time.Time
	// base is the server's public URL: the link in the chat's "ticket
	// opened" notice must work from inside Slack, so it is absolute.
	base string
}

// New returns the desk configured as sink id.
func New(id string, s store.Desk, emit Emit, now func() time.Time) *Desk {
	return &Desk{id: id, store: s, emit: emit, now: now}
}

// WithPublicURL returns the desk with its tickets' links made absolute
// on base (server.public_url).
func (d *Desk) WithPublicURL(base string) *Desk {
	c := *d
	c.base = strings.TrimRight(base, "/")
	return &c
}

func (d *Desk) ID() string { return d.id }

// Unchecked tells doctor there is nothing remote to check.
func (d *Desk) Unchecked() string {
	return "the local desk lives in ticketbridge's own database"
}

// ref has no URL: a desk ticket has no page until the web console serves
// one, and a chat message must not carry a link that answers 404.
func (d *Desk) ref(t store.DeskTicket) core.TicketRef {
	return core.TicketRef{Sink: d.id, Key: t.Key, URL: d.base + "/console/desk/" + t.Key, Status: t.Status}
}

// Create makes the ticket unless one with the same external id exists.
func (d *Desk) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	dt, _, err := d.store.DeskCreate(ctx, t)
	if err != nil {
		return core.TicketRef{}, fmt.Errorf("create desk ticket: %w", err)
	}
	return d.ref(dt), nil
}

// CreateLinked makes the ticket and records it on its link in one
// transaction (sink.LinkedCreator).
func (d *Desk) CreateLinked(ctx context.Context, t core.TicketDraft, link func(ref core.TicketRef, made bool) (store.TicketLinking, error)) (core.TicketRef, error) {
	dt, _, err := d.store.DeskCreateLinked(ctx, t, func(dt store.DeskTicket, made bool) (store.TicketLinking, error) {
		return link(d.ref(dt), made)
	})
	if err != nil {
		return core.TicketRef{}, fmt.Errorf("create desk ticket: %w", err)
	}
	return d.ref(dt), nil
}

// CreateInTx makes the ticket inside the transaction that opens its link
// (the ingest's, for a ticket decided there): the desk is in that
// database. Nothing needs doing after the commit.
func (d *Desk) CreateInTx(t core.TicketDraft, link func(ref core.TicketRef, made bool) (store.TicketLinking, error)) (store.DeskCreation, func()) {
	return store.DeskCreation{Draft: t, Link: func(dt store.DeskTicket, made bool) (store.TicketLinking, error) {
		return link(d.ref(dt), made)
	}}, nil
}

func (d *Desk) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	dt, err := d.store.DeskFindByExternalID(ctx, externalID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return core.TicketRef{}, false, nil
		}
		return core.TicketRef{}, false, fmt.Errorf("find desk ticket: %w", err)
	}
	return d.ref(dt), true, nil
}

// Comment adds a comment written by ticketbridge (an appended chat
// message). Its event is marked ours, so it never goes back to the chat.
func (d *Desk) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	_, err := d.comment(ctx, ref.Key, store.DeskComment{Author: c.Author, Body: c.Body, Public: c.Public, Ours: true, Key: c.Key})
	return err
}

// FindComment finds our comment whose key starts with prefix.
func (d *Desk) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	cs, err := d.store.DeskComments(ctx, ref.Key)
	if err != nil {
		return "", false, fmt.Errorf("find comment on %s: %w", ref.Key, err)
	}
	for _, c := range cs {
		if c.Ours && c.Key != "" && strings.HasPrefix(c.Key, prefix) {
			return c.Key, true, nil
		}
	}
	return "", false, nil
}

// AgentComment adds a comment from a person working the desk.
func (d *Desk) AgentComment(ctx context.Context, key, author, body string, public bool) (store.DeskComment, error) {
	if body == "" {
		return store.DeskComment{}, fmt.Errorf("%w: comment body is empty", ErrInvalid)
	}
	return d.comment(ctx, key, store.DeskComment{Author: author, Body: body, Public: public})
}

func (d *Desk) comment(ctx context.Context, key string, c store.DeskComment) (store.DeskComment, error) {
	c.CreatedAt = d.now()
	ev := core.TicketEvent{
		Sink: d.id, EventID: newEventID(), Kind: core.TicketCommentAdded,
		Ticket:  core.TicketRef{Sink: d.id, Key: key},
		Comment: &core.Comment{Body: c.Body, Public: c.Public, Author: c.Author},
		Time:    c.CreatedAt, Ours: c.Ours,
	}
	// The store's error already says "comment on KEY".
	return d.store.DeskComment(ctx, key, c, d.emit(ev))
}

// SetStatus changes a ticket's status, as an agent, and announces it.
func (d *Desk) SetStatus(ctx context.Context, key, status string) (string, error) {
	return d.setStatus(ctx, key, status, false)
}

// Transition resolves or closes a ticket when the chat asks; the change
// is announced as ours, so it is not echoed back.
func (d *Desk) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	status := map[string]string{core.StateResolved: "solved", core.StateClosed: "closed", core.StateOpen: "open"}[state]
	if status == "" {
		return &core.CallError{Op: "transition " + ref.Key, Message: "the local desk has no status for " + state, Permanent: true}
	}
	_, err := d.setStatus(ctx, ref.Key, status, true)
	return err
}

func (d *Desk) setStatus(ctx context.Context, key, status string, ours bool) (string, error) {
	if !slices.Contains(Statuses, status) {
		return "", fmt.Errorf("%w: unknown status %q (one of %v)", ErrInvalid, status, Statuses)
	}
	cur, err := d.store.DeskGet(ctx, key)
	if err != nil {
		return "", fmt.Errorf("load %s: %w", key, err)
	}
	if cur.Status == status {
		return cur.Status, nil
	}
	ev := core.TicketEvent{
		Sink: d.id, EventID: newEventID(), Kind: core.TicketStatusChanged,
		Ticket:     core.TicketRef{Sink: d.id, Key: key, Status: status},
		ExternalID: cur.ExternalID, From: cur.Status, To: status, Time: d.now(), Ours: ours,
	}
	prev, err := d.store.DeskSetStatus(ctx, key, status, d.emit(ev))
	if err != nil {
		return "", fmt.Errorf("set status of %s: %w", key, err)
	}
	return prev, nil
}

// Assign gives a ticket to an agent and announces it (a handed-over
// customer is told who picked it up): the assignee and the announcement
// commit together.
func (d *Desk) Assign(ctx context.Context, key, agent string) error {
	agent = strings.TrimSpace(agent)
	if agent == "" {
		return fmt.Errorf("%w: empty assignee", ErrInvalid)
	}
	fs, ok := d.store.(FieldStore)
	if !ok {
		return fmt.Errorf("assign %s: the desk's store cannot assign", key)
	}
	cur, err := d.store.DeskGet(ctx, key)
	if err != nil {
		return fmt.Errorf("load %s: %w", key, err)
	}
	ev := core.TicketEvent{
		Sink: d.id, EventID: newEventID(), Kind: core.TicketAssigned,
		Ticket: core.TicketRef{Sink: d.id, Key: key, Status: cur.Status}, ExternalID: cur.ExternalID,
		Assignee: agent, Time: d.now(),
	}
	return fs.DeskAssign(ctx, key, agent, d.emit(ev))
}

// ChangePriority changes a ticket's priority as an agent and announces
// it: the ticket's SLA deadlines follow (an sla_mark with the new
// priority). The change and its event commit together; the same
// priority again changes nothing and announces nothing.
func (d *Desk) ChangePriority(ctx context.Context, key, priority string) (string, error) {
	priority = strings.TrimSpace(priority)
	if priority == "" {
		return "", fmt.Errorf("%w: empty priority", ErrInvalid)
	}
	fs, ok := d.store.(FieldStore)
	if !ok {
		return "", fmt.Errorf("set priority of %s: the desk's store cannot change priorities", key)
	}
	cur, err := d.store.DeskGet(ctx, key)
	if err != nil {
		return "", fmt.Errorf("load %s: %w", key, err)
	}
	if cur.Priority == priority {
		return cur.Priority, nil
	}
	ev := core.TicketEvent{
		Sink: d.id, EventID: newEventID(), Kind: core.TicketPriorityChanged,
		Ticket: core.TicketRef{Sink: d.id, Key: key, Status: cur.Status}, ExternalID: cur.ExternalID,
		Priority: priority, Time: d.now(),
	}
	return cur.Priority, fs.DeskSetPriority(ctx, key, priority, d.emit(ev))
}

// FieldStore is the part of the store that changes a desk ticket's
// priority and assignee with jobs, and its satisfaction field
// (store.Quality).
type FieldStore interface {
	DeskSetPriority(ctx context.Context, key, priority string, jobs store.Jobs) error
	DeskAssign(ctx context.Context, key, assignee string, jobs store.Jobs) error
	DeskSetSatisfaction(ctx context.Context, key string, score int, comment string) error
	DeskSatisfaction(ctx context.Context, key string) (int, string, error)
}

// SatisfactionFields: the desk keeps the score and the comment.
func (d *Desk) SatisfactionFields() (score, comment bool) {
	_, ok := d.store.(FieldStore)
	return ok, ok
}

// SetSatisfaction writes a CSAT answer into the ticket's satisfaction
// field.
func (d *Desk) SetSatisfaction(ctx context.Context, ref core.TicketRef, s core.Satisfaction) error {
	fs, ok := d.store.(FieldStore)
	if !ok {
		return &core.CallError{Op: "set satisfaction of " + ref.Key, Message: "the desk's store has no satisfaction field", Permanent: true}
	}
	return fs.DeskSetSatisfaction(ctx, ref.Key, s.Score, s.Comment)
}

// Satisfaction reads the ticket's satisfaction field.
func (d *Desk) Satisfaction(ctx context.Context, ref core.TicketRef) (core.Satisfaction, bool, error) {
	fs, ok := d.store.(FieldStore)
	if !ok {
		return core.Satisfaction{}, false, nil
	}
	score, comment, err := fs.DeskSatisfaction(ctx, ref.Key)
	if err != nil {
		return core.Satisfaction{}, false, err
	}
	return core.Satisfaction{Score: score, Comment: comment}, score > 0, nil
}

// SetPriority changes a ticket's priority (an SLA escalation). Setting
// the same priority again changes nothing, so a retry is harmless. It
// announces nothing: the escalation marks the clock itself.
func (d *Desk) SetPriority(ctx context.Context, ref core.TicketRef, priority string) error {
	fs, ok := d.store.(FieldStore)
	if !ok {
		return &core.CallError{Op: "set priority of " + ref.Key, Message: "the desk's store cannot change priorities", Permanent: true}
	}
	return fs.DeskSetPriority(ctx, ref.Key, priority, nil)
}

// ParseWebhook refuses: the desk tells us of its changes directly.
func (d *Desk) ParseWebhook(*http.Request, []byte) ([]core.TicketEvent, error) {
	return nil, fmt.Errorf("%w: the local desk takes no webhooks", core.ErrMalformed)
}

func newEventID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "desk_" + hex.EncodeToString(b)
}
