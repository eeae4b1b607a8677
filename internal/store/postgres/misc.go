package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// DryRunRecord keeps what a dry-run route would have created.
func (s *Store) DryRunRecord(ctx context.Context, d store.DryRun) error {
	_, err := s.Apply(ctx, []store.Change{{DryRun: &d}})
	return err
}

// DryRuns returns the newest dry runs first; limit <= 0 means all.
func (s *Store) DryRuns(ctx context.Context, limit int) ([]store.DryRun, error) {
	return s.DryRunPage(ctx, 0, limit)
}

// DryRunPage returns dry runs older than the one with id before (0: from
// the newest), newest first; limit <= 0 means all.
func (s *Store) DryRunPage(ctx context.Context, before int64, limit int) ([]store.DryRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, route, conv_key, rule, draft, created_at
		FROM tb_dry_runs WHERE $2::bigint = 0 OR id < $2 ORDER BY id DESC LIMIT NULLIF($1::bigint, 0)`, max(limit, 0), before)
	if err != nil {
		return nil, fmt.Errorf("dry runs: %w", err)
	}
	defer rows.Close()
	out := []store.DryRun{}
	for rows.Next() {
		var (
			d     store.DryRun
			id    int64
			draft []byte
		)
		if err := rows.Scan(&id, &d.Route, &d.ConvKey, &d.Rule, &draft, &d.CreatedAt); err != nil {
			return nil, fmt.Errorf("dry runs: %w", err)
		}
		d.ID, d.CreatedAt = id, d.CreatedAt.UTC()
		draft, err := s.openDraft(draft, id)
		if err != nil {
			return nil, fmt.Errorf("dry run %d: %w", id, err)
		}
		if err := fromJSON(draft, &d.Draft); err != nil {
			return nil, fmt.Errorf("dry runs: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dry runs: %w", err)
	}
	return out, nil
}

// TicketEventsIngest stores the new ticket events (by Sink+EventID) and
// what decide makes of them in one transaction. decide must not use the
// store but through the transaction it is given.
func (s *Store) TicketEventsIngest(ctx context.Context, events []core.TicketEvent, decide store.DecideTickets) ([]bool, error) {
	accepted := make([]bool, len(events))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		clear(accepted)
		stored := now()
		var fresh []core.TicketEvent
		for i, e := range events {
			ticket, err := json.Marshal(e.Ticket)
			if err != nil {
				return err
			}
			whole, err := json.Marshal(e)
			if err != nil {
				return err
			}
			var id int64
			err = tx.QueryRow(ctx, `INSERT INTO tb_ticket_events (sink, event_id, kind, ticket, event, stored_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sink, event_id) DO NOTHING RETURNING id`,
				e.Sink, e.EventID, string(e.Kind), string(ticket), string(whole), stored).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("ticket event %q: %w", e.EventID, err)
			}
			accepted[i] = true
			fresh = append(fresh, e)
		}
		if len(fresh) == 0 || decide == nil {
			return nil
		}
		jobs, err := decide(ctx, ticketTx{s: s, tx: tx}, fresh)
		if err != nil {
			return fmt.Errorf("decide ticket events: %w", err)
		}
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return nil, fmt.Errorf("ingest ticket events: %w", err)
	}
	return accepted, nil
}

// PostedAdd remembers a message we posted; adding it twice is harmless.
func (s *Store) PostedAdd(ctx context.Context, source, messageID string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tb_posted (source, message_id, created_at)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, source, messageID, now())
	if err != nil {
		return fmt.Errorf("add posted: %w", err)
	}
	return nil
}

// PostedHas reports whether we posted this message.
func (s *Store) PostedHas(ctx context.Context, source, messageID string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tb_posted WHERE source = $1 AND message_id = $2)`,
		source, messageID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("has posted: %w", err)
	}
	return ok, nil
}
