package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

var _ store.Quality = (*Store)(nil)

// execJobs runs one conditional statement and, when it changed a row,
// inserts jobs, all in one transaction; it reports whether it did.
func (s *Store) execJobs(ctx context.Context, what string, jobs store.Jobs, query string, args ...any) (bool, error) {
	if err := s.checkJobs(jobs); err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	var made bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		made = true
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return made, nil
}

// CSATAsk records a survey unless the ticket or, within the quiet
// period, the conversation was asked already.
func (s *Store) CSATAsk(ctx context.Context, c store.CSAT, quietSince time.Time, jobs store.Jobs) (bool, error) {
	conv, err := jsonText(c.Conversation, false)
	if err != nil {
		return false, fmt.Errorf("ask csat: %w", err)
	}
	if c.ConvKey == "" {
		c.ConvKey = c.Conversation.Key()
	}
	return s.execJobs(ctx, "ask csat", jobs, `INSERT INTO tb_csat (link_id, route, conv_key, conversation, sink, ticket_key, customer, asked_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM tb_csat WHERE conv_key = ? AND asked_at >= ?)
		AND NOT EXISTS (SELECT 1 FROM tb_csat WHERE ? <> '' AND customer = ? AND asked_at >= ?)
		ON CONFLICT (link_id) DO NOTHING`,
		c.LinkID, c.Route, c.ConvKey, conv, c.Sink, c.TicketKey, c.Customer, nanos(c.AskedAt), c.ConvKey, nanos(quietSince),
		c.Customer, c.Customer, nanos(quietSince))
}

const csatCols = `link_id, route, conv_key, conversation, sink, ticket_key, customer, asked_at, score, comment, answered_at`

// CSATOpen returns the conversation's latest unanswered survey.
func (s *Store) CSATOpen(ctx context.Context, convKey string, since time.Time) (store.CSAT, error) {
	var (
		c             store.CSAT
		conv          *string
		asked, answer int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT `+csatCols+` FROM tb_csat
		WHERE conv_key = ? AND score = 0 AND asked_at >= ? ORDER BY asked_at DESC LIMIT 1`, convKey, nanos(since)).
		Scan(&c.LinkID, &c.Route, &c.ConvKey, &conv, &c.Sink, &c.TicketKey, &c.Customer, &asked, &c.Score, &c.Comment, &answer)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("open csat: %w", err)
	}
	c.AskedAt, c.AnsweredAt = fromNanos(asked), fromNanos(answer)
	return c, fromJSON(conv, &c.Conversation)
}

// CSATAnswer records the first answer of a survey.
func (s *Store) CSATAnswer(ctx context.Context, linkID string, score int, comment string, at time.Time, jobs store.Jobs) (bool, error) {
	if score < 1 || score > 5 {
		return false, fmt.Errorf("answer csat: score %d is not 1 to 5", score)
	}
	return s.execJobs(ctx, "answer csat", jobs, `UPDATE tb_csat SET score = ?, comment = ?, answered_at = ?
		WHERE link_id = ? AND score = 0`, score, comment, nanos(at), linkID)
}

// SLAStart creates a ticket's SLA clock once.
func (s *Store) SLAStart(ctx context.Context, c store.SLAClock, jobs store.Jobs) (bool, error) {
	return s.execJobs(ctx, "start sla", jobs, `INSERT INTO tb_sla (link_id, route, priority, started_at, assignee)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (link_id) DO NOTHING`,
		c.LinkID, c.Route, c.Priority, nanos(c.StartedAt), c.Assignee)
}

// SLAGet returns a clock and its fired stages.
func (s *Store) SLAGet(ctx context.Context, linkID string) (store.SLAClock, error) {
	var (
		c                        store.SLAClock
		started, first, resolved int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT link_id, route, priority, started_at, first_response_at, resolved_at, assignee
		FROM tb_sla WHERE link_id = ?`, linkID).Scan(&c.LinkID, &c.Route, &c.Priority, &started, &first, &resolved, &c.Assignee)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	c.StartedAt, c.FirstResponseAt, c.ResolvedAt = fromNanos(started), fromNanos(first), fromNanos(resolved)
	rows, err := s.db.QueryContext(ctx, `SELECT stage FROM tb_sla_fired WHERE link_id = ? ORDER BY fired_at, stage`, linkID)
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return c, fmt.Errorf("get sla: %w", err)
		}
		c.Fired = append(c.Fired, st)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	return c, nil
}

// SLAUpdate applies a ticket change to its clock.
func (s *Store) SLAUpdate(ctx context.Context, linkID string, u store.SLAUpdate, jobs store.Jobs) (bool, error) {
	return s.execJobs(ctx, "update sla", jobs, `UPDATE tb_sla SET
		first_response_at = CASE WHEN first_response_at = 0 THEN ? ELSE first_response_at END,
		resolved_at = CASE WHEN resolved_at = 0 THEN ? ELSE resolved_at END,
		priority = COALESCE(NULLIF(?, ''), priority),
		assignee = COALESCE(NULLIF(?, ''), assignee)
		WHERE link_id = ? AND (
			(first_response_at = 0 AND ? <> 0) OR (resolved_at = 0 AND ? <> 0) OR
			(? <> '' AND ? <> priority) OR (? <> '' AND ? <> assignee))`,
		nanos(u.FirstResponseAt), nanos(u.ResolvedAt), u.Priority, u.Assignee, linkID,
		nanos(u.FirstResponseAt), nanos(u.ResolvedAt), u.Priority, u.Priority, u.Assignee, u.Assignee)
}

// SLAFire records a timer stage once.
func (s *Store) SLAFire(ctx context.Context, linkID, stage string, at time.Time, jobs store.Jobs) (bool, error) {
	return s.execJobs(ctx, "fire sla stage", jobs, `INSERT INTO tb_sla_fired (link_id, stage, fired_at)
		VALUES (?, ?, ?) ON CONFLICT (link_id, stage) DO NOTHING`, linkID, stage, nanos(at))
}

// DeskSetPriority changes a desk ticket's priority.
func (s *Store) DeskSetPriority(ctx context.Context, key, priority string, jobs store.Jobs) error {
	return s.deskSet(ctx, "set priority of", "priority", key, priority, jobs)
}

// DeskAssign changes a desk ticket's assignee.
func (s *Store) DeskAssign(ctx context.Context, key, assignee string, jobs store.Jobs) error {
	return s.deskSet(ctx, "assign", "assignee", key, assignee, jobs)
}

// deskSet sets one column of a desk ticket (column is one of ours, never
// input) with jobs.
func (s *Store) deskSet(ctx context.Context, what, column, key, value string, jobs store.Jobs) error {
	num, ok := deskNum(key)
	if !ok {
		return fmt.Errorf("%s %q: %w", what, key, store.ErrNotFound)
	}
	made, err := s.execJobs(ctx, what+" "+key, jobs,
		`UPDATE tb_desk_tickets SET `+column+` = ?, updated_at = ? WHERE num = ?`, value, nanos(now()), num)
	if err == nil && !made {
		err = fmt.Errorf("%s %q: %w", what, key, store.ErrNotFound)
	}
	return err
}
