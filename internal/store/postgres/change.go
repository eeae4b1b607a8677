package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Apply commits changes and the jobs of those that took effect in one
// transaction.
func (s *Store) Apply(ctx context.Context, changes []store.Change) ([]bool, error) {
	var made []bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockConversations(ctx, tx, changedConversations(changes)); err != nil {
			return err
		}
		var err error
		made, err = store.ApplyChanges(ctx, changeTx{s: s, tx: tx}, changes)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apply changes: %w", err)
	}
	return made, nil
}

// changedConversations are the conversations whose links or proposals
// changes may open, for the locks IngestDecide also takes.
func changedConversations(changes []store.Change) []string {
	var keys []string
	for _, c := range changes {
		if c.Open != nil {
			keys = append(keys, store.CreatingLink(*c.Open, time.Time{}).ConvKey)
		}
		if c.Propose != nil {
			keys = append(keys, store.PendingProposal(*c.Propose, time.Time{}).ConvKey)
		}
	}
	return keys
}

// changeTx is an open write transaction seen as a store.ChangeTx.
type changeTx struct {
	s  *Store
	tx pgx.Tx
}

func (c changeTx) CompleteJob(ctx context.Context, job *rivertype.JobRow) error {
	_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, c.tx, store.RowJob(job))
	return err
}

func (c changeTx) InsertJobs(ctx context.Context, jobs store.Jobs) error {
	return c.s.insertJobs(ctx, c.tx, jobs)
}

func (c changeTx) ResolveProposal(ctx context.Context, id, state string) (bool, error) {
	// The row lock makes concurrent resolutions wait; the loser then sees
	// the state changed and updates nothing.
	tag, err := c.tx.Exec(ctx, `UPDATE tb_proposals SET state = $1 WHERE id = $2 AND state = $3`,
		state, id, store.ProposalPending)
	if err != nil {
		return false, fmt.Errorf("resolve proposal: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// InsertProposal records p as pending; false when the route already has a
// pending proposal for the conversation.
func (c changeTx) InsertProposal(ctx context.Context, p store.Proposal) (bool, error) {
	p = store.PendingProposal(p, now())
	conv, err := jsonArg(p.Conversation, false)
	if err != nil {
		return false, fmt.Errorf("insert proposal: %w", err)
	}
	tag, err := c.tx.Exec(ctx, `INSERT INTO tb_proposals (`+proposalCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
		p.ID, p.Route, p.ConvKey, conv, p.EventID, p.Rule, p.Category, p.State, ts(p.ExpiresAt), p.CreatedAt)
	if err != nil {
		return false, fmt.Errorf("insert proposal: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// InsertLink opens l in state "creating"; false when the route already
// has an open link for the conversation.
func (c changeTx) InsertLink(ctx context.Context, l store.Link) (bool, error) {
	args, err := linkInsertArgs(l)
	if err != nil {
		return false, err
	}
	tag, err := c.tx.Exec(ctx, linkInsertSQL, args...)
	if err != nil {
		return false, fmt.Errorf("insert link: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// linkInsertSQL inserts a link. Concurrent inserts are settled by the
// partial unique index on open links: the loser waits for the winner's
// commit and inserts nothing.
const linkInsertSQL = `INSERT INTO tb_links (` + linkCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`

// linkInsertArgs are linkInsertSQL's values for l, in state "creating".
func linkInsertArgs(l store.Link) ([]any, error) {
	l = store.CreatingLink(l, now())
	conv, err := jsonArg(l.Conversation, false)
	if err != nil {
		return nil, fmt.Errorf("insert link: %w", err)
	}
	return []any{l.ID, l.Route, l.ConvKey, conv, l.Sink, l.TicketKey, l.TicketURL, l.SinkStatus, l.State,
		l.Cursor, l.CreatedAt, l.UpdatedAt}, nil
}

// openWithTicketSQL opens a link and makes its desk ticket in one
// statement: the ticket's insert reads the link's RETURNING, so it runs
// exactly when the link's insert did. No row back means that the link did
// not open (the conversation has one open) or, which a new link's id
// makes all but impossible, that the external id has a ticket already.
const openWithTicketSQL = `WITH opened AS (` + linkInsertSQL + ` RETURNING id)
	INSERT INTO tb_desk_tickets (external_id, title, description, priority, requester,
		labels, custom, status, created_at, updated_at)
	SELECT $13::text, $14::text, $15::text, $16::text, $17::jsonb, $18::jsonb, $19::jsonb,
		$20::text, $21::timestamptz, $21::timestamptz FROM opened
	ON CONFLICT (external_id) DO NOTHING RETURNING ` + deskCols

// OpenWithDeskTickets opens every link with its desk ticket in two
// pipelined batches however many there are: first the statements that
// open them, then the records of the tickets made (RecordTicket's
// statements for each). The openings are independent (the batch's
// decisions open at most one link per conversation and route), and each
// batch runs its statements in order, as one at a time would.
func (c changeTx) OpenWithDeskTickets(ctx context.Context, openings []store.DeskOpening) ([]store.DeskOpened, error) {
	tickets, err := c.openAll(ctx, openings)
	if err != nil {
		return nil, err
	}
	out := make([]store.DeskOpened, len(openings))
	var (
		b      pgx.Batch
		record []store.TicketLinking
		at     []int
	)
	for i, t := range tickets {
		if t == nil {
			continue
		}
		out[i].Opened = true
		l, err := openings[i].Ticket.Link(t.ticket, t.made)
		if err != nil {
			return nil, fmt.Errorf("create the ticket of link %s: %w", openings[i].Link.ID, err)
		}
		if err := c.s.checkJobs(l.Jobs); err != nil {
			return nil, err
		}
		if err := queueLinkTicket(ctx, &b, l); err != nil {
			return nil, err
		}
		record, at = append(record, l), append(at, i)
	}
	if len(record) == 0 {
		return out, nil
	}
	res := c.tx.SendBatch(ctx, &b)
	for k, l := range record {
		if out[at[k]].Jobs, err = readLinkTicket(res, l); err != nil {
			_ = res.Close()
			return nil, fmt.Errorf("record the ticket of link %s: %w", l.LinkID, err)
		}
	}
	if err := res.Close(); err != nil {
		return nil, fmt.Errorf("record tickets: %w", err)
	}
	return out, nil
}

// openedTicket is the desk ticket of a link that opened.
type openedTicket struct {
	ticket store.DeskTicket
	made   bool
}

// openAll sends every opening's statement in one batch; the answer has
// the ticket of each link that opened and nil for the others.
func (c changeTx) openAll(ctx context.Context, openings []store.DeskOpening) ([]*openedTicket, error) {
	var b pgx.Batch
	for _, o := range openings {
		linkArgs, err := linkInsertArgs(o.Link)
		if err != nil {
			return nil, err
		}
		args, err := c.s.deskInsertArgs(o.Ticket.Draft)
		if err != nil {
			return nil, err
		}
		b.Queue(openWithTicketSQL, append(linkArgs, args...)...)
	}
	res := c.tx.SendBatch(ctx, &b)
	out := make([]*openedTicket, len(openings))
	var lookUp []int // no row back: not opened, or the external id's ticket exists
	for i := range openings {
		t, err := c.s.scanDesk(res.QueryRow())
		switch {
		case err == nil:
			out[i] = &openedTicket{ticket: t, made: true}
		case errors.Is(err, pgx.ErrNoRows):
			lookUp = append(lookUp, i)
		default:
			_ = res.Close()
			return nil, fmt.Errorf("open link %s with its ticket: %w", openings[i].Link.ID, err)
		}
	}
	if err := res.Close(); err != nil {
		return nil, fmt.Errorf("open links with their tickets: %w", err)
	}
	for i, t := range out {
		if t != nil {
			if err := c.s.sealDesk(ctx, c.tx, &t.ticket, openings[i].Ticket.Draft.Description); err != nil {
				return nil, err
			}
		}
	}
	for _, i := range lookUp {
		t, err := c.s.scanDesk(c.tx.QueryRow(ctx, `SELECT `+deskCols+` FROM tb_desk_tickets
			WHERE external_id = $1`, openings[i].Ticket.Draft.ExternalID))
		if errors.Is(err, pgx.ErrNoRows) {
			continue // the link did not open
		}
		if err != nil {
			return nil, fmt.Errorf("open link %s with its ticket: %w", openings[i].Link.ID, err)
		}
		out[i] = &openedTicket{ticket: t}
	}
	return out, nil
}

func (c changeTx) InsertDeskTicket(ctx context.Context, d core.TicketDraft) (store.DeskTicket, bool, error) {
	return c.s.deskInsert(ctx, c.tx, d)
}

func (c changeTx) RecordTicket(ctx context.Context, l store.TicketLinking) (store.Jobs, error) {
	if err := c.s.checkJobs(l.Jobs); err != nil {
		return nil, err
	}
	return c.s.linkTicketJobs(ctx, c.tx, l)
}

func (c changeTx) InsertDryRun(ctx context.Context, d store.DryRun) error {
	s := c.s
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now()
	}
	draft, err := json.Marshal(d.Draft)
	if err != nil {
		return fmt.Errorf("record dry run: %w", err)
	}
	first := string(draft)
	if s.cipher != nil {
		first = `""` // sealed below, once the id that binds it is known
	}
	var id int64
	err = c.tx.QueryRow(ctx, `INSERT INTO tb_dry_runs (route, conv_key, rule, draft, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, d.Route, d.ConvKey, d.Rule, first, d.CreatedAt.UTC()).Scan(&id)
	if err != nil || s.cipher == nil {
		return err
	}
	sealed, err := s.sealDraft(draft, id)
	if err != nil {
		return err
	}
	_, err = c.tx.Exec(ctx, `UPDATE tb_dry_runs SET draft = $1 WHERE id = $2`, sealed, id)
	return err
}

// ConversationsState returns the open links and pending proposals of the
// conversations, in two queries.
func (s *Store) ConversationsState(ctx context.Context, convKeys []string) (map[string]store.ConversationState, error) {
	return s.conversationsState(ctx, s.pool, convKeys)
}

func (s *Store) conversationsState(ctx context.Context, q querier, convKeys []string) (map[string]store.ConversationState, error) {
	out := make(map[string]store.ConversationState, len(convKeys))
	if len(convKeys) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT `+linkSelectCols+` FROM tb_links
		WHERE conv_key = ANY($1) AND state NOT IN ('resolved', 'closed') ORDER BY created_at, id`, convKeys)
	if err != nil {
		return nil, fmt.Errorf("conversations' links: %w", err)
	}
	err = eachRow(rows, scanLink, func(l store.Link) {
		st := out[l.ConvKey]
		st.Links = append(st.Links, l)
		out[l.ConvKey] = st
	})
	if err != nil {
		return nil, fmt.Errorf("conversations' links: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT `+proposalCols+` FROM tb_proposals
		WHERE conv_key = ANY($1) AND state = 'pending'`, convKeys)
	if err != nil {
		return nil, fmt.Errorf("conversations' proposals: %w", err)
	}
	err = eachRow(rows, scanProposal, func(p store.Proposal) {
		st := out[p.ConvKey]
		st.Proposals = append(st.Proposals, p)
		out[p.ConvKey] = st
	})
	if err != nil {
		return nil, fmt.Errorf("conversations' proposals: %w", err)
	}
	return out, nil
}

// eachRow scans every row with scan and hands it to use.
func eachRow[T any](rows pgx.Rows, scan func(pgx.Row) (T, error), use func(T)) error {
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		use(v)
	}
	return rows.Err()
}
