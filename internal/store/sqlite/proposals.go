package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

const proposalCols = `id, route, conv_key, conversation, event_id, rule, category, state, expires_at, created_at`

func scanProposal(row interface{ Scan(...any) error }) (store.Proposal, error) {
	var (
		p      store.Proposal
		conv   *string
		ex, cr int64
	)
	err := row.Scan(&p.ID, &p.Route, &p.ConvKey, &conv, &p.EventID, &p.Rule, &p.Category, &p.State, &ex, &cr)
	if err != nil {
		return p, err
	}
	p.ExpiresAt, p.CreatedAt = fromNanos(ex), fromNanos(cr)
	return p, fromJSON(conv, &p.Conversation)
}

// ProposalCreate records p as pending unless the route already has a
// pending proposal for the conversation, which it then returns.
func (s *Store) ProposalCreate(ctx context.Context, p store.Proposal, jobs store.Jobs) (store.Proposal, bool, error) {
	if err := s.checkJobs(jobs); err != nil {
		return store.Proposal{}, false, fmt.Errorf("create proposal: %w", err)
	}
	p = store.PendingProposal(p, now())
	var (
		out  store.Proposal
		made bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := changeTx{s: s, tx: tx}.InsertProposal(ctx, p)
		if err != nil {
			return err
		}
		if ok {
			out, made = p, true
			return s.insertJobs(ctx, tx, jobs)
		}
		out, err = scanProposal(tx.QueryRowContext(ctx, `SELECT `+proposalCols+` FROM tb_proposals
			WHERE route = ? AND conv_key = ? AND state = ?`, p.Route, p.ConvKey, store.ProposalPending))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("proposal id %q already used", p.ID)
		}
		return err
	})
	if err != nil {
		return store.Proposal{}, false, fmt.Errorf("create proposal: %w", err)
	}
	return out, made, nil
}

// ProposalPending returns the pending proposal of a route and conversation.
func (s *Store) ProposalPending(ctx context.Context, route, convKey string) (store.Proposal, error) {
	p, err := scanProposal(s.rdb.QueryRowContext(ctx, `SELECT `+proposalCols+` FROM tb_proposals
		WHERE route = ? AND conv_key = ? AND state = ?`, route, convKey, store.ProposalPending))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Proposal{}, fmt.Errorf("pending proposal: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Proposal{}, fmt.Errorf("pending proposal: %w", err)
	}
	return p, nil
}

// ProposalResolve moves a pending proposal to state and inserts jobs; it
// returns false, inserting nothing, when the proposal was not pending.
func (s *Store) ProposalResolve(ctx context.Context, id, state string, jobs store.Jobs) (bool, error) {
	if err := s.checkJobs(jobs); err != nil {
		return false, fmt.Errorf("resolve proposal: %w", err)
	}
	made, err := s.Apply(ctx, []store.Change{{Resolve: &store.Resolution{ID: id, State: state}, Jobs: jobs}})
	if err != nil {
		return false, err
	}
	return made[0], nil
}
