package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

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
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, route, conv_key, rule, draft, created_at
		FROM tb_dry_runs WHERE ? = 0 OR id < ? ORDER BY id DESC LIMIT ?`, before, before, limit)
	if err != nil {
		return nil, fmt.Errorf("dry runs: %w", err)
	}
	defer rows.Close()
	out := []store.DryRun{}
	for rows.Next() {
		var (
			d     store.DryRun
			id    int64
			draft string
			cr    int64
		)
		if err := rows.Scan(&id, &d.Route, &d.ConvKey, &d.Rule, &draft, &cr); err != nil {
			return nil, fmt.Errorf("dry runs: %w", err)
		}
		d.ID, d.CreatedAt = id, fromNanos(cr)
		draft, err := s.openString(draft, store.ADDryRun(id))
		if err != nil {
			return nil, fmt.Errorf("dry run %d: %w", id, err)
		}
		if err := fromJSON(&draft, &d.Draft); err != nil {
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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		clear(accepted)
		stored := nanos(now())
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
			res, err := tx.ExecContext(ctx, `INSERT INTO tb_ticket_events (sink, event_id, kind, ticket, event, stored_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sink, event_id) DO NOTHING`,
				e.Sink, e.EventID, string(e.Kind), string(ticket), string(whole), stored)
			if err != nil {
				return fmt.Errorf("ticket event %q: %w", e.EventID, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				accepted[i] = true
				fresh = append(fresh, e)
			}
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
	_, err := s.db.ExecContext(ctx, `INSERT INTO tb_posted (source, message_id, created_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, source, messageID, nanos(now()))
	if err != nil {
		return fmt.Errorf("add posted: %w", err)
	}
	return nil
}

// PostedHas reports whether we posted this message.
func (s *Store) PostedHas(ctx context.Context, source, messageID string) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM tb_posted WHERE source = ? AND message_id = ?`,
		source, messageID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("has posted: %w", err)
	}
	return n > 0, nil
}
