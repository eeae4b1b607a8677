package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Change is one state change of a conversation together with the jobs it
// causes. Its parts apply in order, each only when the one before took
// effect, and its Jobs are inserted only when the whole change did: an
// accepted confirmation opens its link and queues the creation, or does
// nothing at all.
type Change struct {
	// Resolve moves a pending proposal to a final state; when the
	// proposal is no longer pending the rest of the change is skipped.
	Resolve *Resolution
	// Propose records a pending proposal unless the route already has one
	// for the conversation (then the rest is skipped).
	Propose *Proposal
	// Open opens a link unless the route already has an open one for the
	// conversation (then the jobs are skipped).
	Open *Link
	// Ticket, with Open, makes the new link's ticket on the local desk in
	// the same transaction (the desk lives in this database): no creation
	// job, no second commit.
	Ticket *DeskCreation
	// DryRun records what a dry-run route would have created.
	DryRun *DryRun
	Jobs   Jobs
	// Complete, when set, is the running River job that decided the
	// changes: it is marked completed in the same transaction, whatever
	// the conditions above did. River runs again a job whose process died
	// before it recorded the completion, possibly much later; without
	// this the batch would be decided a second time against a later state
	// (its ticket resolved meanwhile: a second ticket).
	Complete *rivertype.JobRow
}

// Resolution is a proposal's final state.
type Resolution struct {
	ID    string
	State string // accepted, rejected, expired
}

// DeskCreation is a local-desk ticket made together with the link that
// opens it. Link builds the link's record from the ticket (and whether it
// was made now) inside the transaction, as for Desk.DeskCreateLinked.
type DeskCreation struct {
	Draft core.TicketDraft
	Link  func(DeskTicket, bool) (TicketLinking, error)
}

// ChangeTx is what one dialect's open write transaction offers Apply.
type ChangeTx interface {
	ResolveProposal(ctx context.Context, id, state string) (bool, error)
	InsertProposal(ctx context.Context, p Proposal) (bool, error)
	InsertLink(ctx context.Context, l Link) (bool, error)
	// InsertDeskTicket makes a local-desk ticket unless one with the
	// draft's ExternalID exists, which it returns instead (made false).
	InsertDeskTicket(ctx context.Context, d core.TicketDraft) (DeskTicket, bool, error)
	// RecordTicket is LinkSetTicket inside this transaction, except that
	// it returns the jobs to insert: a batch's changes insert theirs in
	// one call at the end.
	RecordTicket(ctx context.Context, l TicketLinking) (Jobs, error)
	InsertDryRun(ctx context.Context, d DryRun) error
	InsertJobs(ctx context.Context, jobs Jobs) error
	// CompleteJob marks a running River job completed (river.JobCompleteTx).
	CompleteJob(ctx context.Context, job *rivertype.JobRow) error
}

// JobArgs stands for any job's arguments where only its row matters
// (river.JobCompleteTx needs a typed job).
type JobArgs struct{}

// Kind is never used: the job exists already.
func (JobArgs) Kind() string { return "" }

// RowJob wraps a job row for river.JobCompleteTx.
func RowJob(row *rivertype.JobRow) *river.Job[JobArgs] { return &river.Job[JobArgs]{JobRow: row} }

// DecideTx is an open ingest transaction: it reads the conversations and
// applies changes.
type DecideTx interface {
	ChangeTx
	StateReader
}

// ApplyDecisions runs decide on an ingest transaction's new events and
// applies the changes and jobs it returns inside that transaction. Both
// stores' IngestDecide call it.
func ApplyDecisions(ctx context.Context, tx DecideTx, fresh []core.StoredEvent, decide Decide) error {
	changes, jobs, err := decide(ctx, tx, fresh)
	if err != nil {
		return fmt.Errorf("decide: %w", err)
	}
	if _, err := ApplyChanges(ctx, tx, changes); err != nil {
		return fmt.Errorf("apply decisions: %w", err)
	}
	return tx.InsertJobs(ctx, jobs)
}

// ApplyChanges applies changes in order inside tx and inserts the jobs of
// those that took effect in one call at the end; made[i] tells whether
// changes[i] did. Both stores' Apply call it inside their transaction.
func ApplyChanges(ctx context.Context, tx ChangeTx, changes []Change) ([]bool, error) {
	made := make([]bool, len(changes))
	var jobs Jobs
	opener, batches := tx.(DeskOpener)
	for i := 0; i < len(changes); {
		if n := deskOpeningRun(changes[i:]); batches && n > 0 {
			opened, err := openWithDeskTickets(ctx, opener, changes[i:i+n])
			if err != nil {
				return nil, fmt.Errorf("changes %d–%d: %w", i, i+n-1, err)
			}
			for k, o := range opened {
				if o.Opened {
					made[i+k] = true
					jobs = append(jobs, changes[i+k].Jobs...)
					jobs = append(jobs, o.Jobs...)
				}
			}
			i += n
			continue
		}
		c := changes[i]
		more, ok, err := applyChange(ctx, tx, c)
		if err != nil {
			return nil, fmt.Errorf("change %d: %w", i, err)
		}
		if ok {
			made[i] = true
			jobs = append(jobs, c.Jobs...)
			jobs = append(jobs, more...)
		}
		i++
	}
	if err := tx.InsertJobs(ctx, jobs); err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.Complete != nil {
			if err := tx.CompleteJob(ctx, c.Complete); err != nil {
				return nil, fmt.Errorf("complete job %d: %w", c.Complete.ID, err)
			}
		}
	}
	return made, nil
}

// applyChange applies c and tells whether it took effect, with the jobs
// its ticket's record asks for.
func applyChange(ctx context.Context, tx ChangeTx, c Change) (Jobs, bool, error) {
	var more Jobs
	if r := c.Resolve; r != nil {
		switch r.State {
		case ProposalAccepted, ProposalRejected, ProposalExpired:
		default:
			return nil, false, fmt.Errorf("resolve proposal: unknown state %q", r.State)
		}
		ok, err := tx.ResolveProposal(ctx, r.ID, r.State)
		if err != nil || !ok {
			return nil, false, err
		}
	}
	if p := c.Propose; p != nil {
		ok, err := tx.InsertProposal(ctx, *p)
		if err != nil || !ok {
			return nil, false, err
		}
	}
	if l := c.Open; l != nil {
		ok, err := tx.InsertLink(ctx, *l)
		if err != nil || !ok {
			return nil, false, err
		}
		if t := c.Ticket; t != nil {
			var err error
			if _, _, more, err = CreateDeskLinked(ctx, tx, t.Draft, t.Link); err != nil {
				return nil, false, fmt.Errorf("create the ticket of link %s: %w", l.ID, err)
			}
		}
	}
	if d := c.DryRun; d != nil {
		if err := tx.InsertDryRun(ctx, *d); err != nil {
			return nil, false, err
		}
	}
	return more, true, nil
}

// DeskOpener is a ChangeTx that opens several links, each with its
// local-desk ticket, in a few round trips for all of them (PostgreSQL
// pipelines the statements): each ticket is made only where its link
// opened, and recorded on it as RecordTicket would.
type DeskOpener interface {
	OpenWithDeskTickets(ctx context.Context, openings []DeskOpening) ([]DeskOpened, error)
}

// DeskOpening is a link to open with its local-desk ticket.
type DeskOpening struct {
	Link   Link
	Ticket DeskCreation
}

// DeskOpened is what became of a DeskOpening: whether the link opened
// (not when the conversation has one open for the route already) and the
// jobs its ticket's record asks for.
type DeskOpened struct {
	Opened bool
	Jobs   Jobs
}

// deskOpeningRun counts the changes at the start of cs that only open a
// link with its desk ticket: those a DeskOpener can apply together, in
// their order, since none depends on another's outcome.
func deskOpeningRun(cs []Change) int {
	n := 0
	for _, c := range cs {
		if c.Open == nil || c.Ticket == nil || c.Resolve != nil || c.Propose != nil || c.DryRun != nil || c.Complete != nil {
			break
		}
		n++
	}
	return n
}

func openWithDeskTickets(ctx context.Context, o DeskOpener, cs []Change) ([]DeskOpened, error) {
	openings := make([]DeskOpening, len(cs))
	for i, c := range cs {
		openings[i] = DeskOpening{Link: *c.Open, Ticket: *c.Ticket}
	}
	opened, err := o.OpenWithDeskTickets(ctx, openings)
	if err == nil && len(opened) != len(cs) {
		err = fmt.Errorf("open links with their tickets: %d answers for %d", len(opened), len(cs))
	}
	return opened, err
}

// CreateDeskLinked makes d's ticket on the local desk in tx and records it
// on its link (link builds the record from the ticket and whether it was
// made now). It returns the ticket, whether it was made and the jobs to
// insert. Both stores' DeskCreateLinked and ApplyChanges use it.
func CreateDeskLinked(ctx context.Context, tx ChangeTx, d core.TicketDraft, link func(DeskTicket, bool) (TicketLinking, error)) (DeskTicket, bool, Jobs, error) {
	t, made, err := tx.InsertDeskTicket(ctx, d)
	if err != nil {
		return DeskTicket{}, false, nil, err
	}
	l, err := link(t, made)
	if err != nil {
		return DeskTicket{}, false, nil, err
	}
	jobs, err := tx.RecordTicket(ctx, l)
	if err != nil {
		return DeskTicket{}, false, nil, err
	}
	return t, made, jobs, nil
}

// PendingProposal fills in what a new proposal's row needs: an id when it
// has none, its conversation key, the pending state and its creation time.
func PendingProposal(p Proposal, now time.Time) Proposal {
	if p.ID == "" {
		p.ID = NewID()
	}
	if p.ConvKey == "" {
		p.ConvKey = p.Conversation.Key()
	}
	p.State = ProposalPending
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.ExpiresAt = p.ExpiresAt.UTC()
	return p
}

// CreatingLink fills in what a new link's row needs, in state "creating".
func CreatingLink(l Link, now time.Time) Link {
	if l.ID == "" {
		l.ID = NewID()
	}
	if l.ConvKey == "" {
		l.ConvKey = l.Conversation.Key()
	}
	l.State = LinkCreating
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
	}
	l.UpdatedAt = l.CreatedAt
	return l
}

// NewID is a random 128-bit id in hex.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
