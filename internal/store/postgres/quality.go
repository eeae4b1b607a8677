package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil || tag.RowsAffected() == 0 {
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
// period, the conversation was asked already. Two asks of one
// conversation racing on two replicas could both pass the quiet check;
// each ticket is still asked once.
func (s *Store) CSATAsk(ctx context.Context, c store.CSAT, quietSince time.Time, jobs store.Jobs) (bool, error) {
	conv, err := jsonArg(c.Conversation, false)
	if err != nil {
		return false, fmt.Errorf("ask csat: %w", err)
	}
	if c.ConvKey == "" {
		c.ConvKey = c.Conversation.Key()
	}
	return s.execJobs(ctx, "ask csat", jobs, `INSERT INTO tb_csat (link_id, route, conv_key, conversation, sink, ticket_key, customer, asked_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE NOT EXISTS (SELECT 1 FROM tb_csat WHERE conv_key = $3 AND asked_at >= $9)
		AND NOT EXISTS (SELECT 1 FROM tb_csat WHERE $7 <> '' AND customer = $7 AND asked_at >= $9)
		ON CONFLICT (link_id) DO NOTHING`,
		c.LinkID, c.Route, c.ConvKey, conv, c.Sink, c.TicketKey, c.Customer, c.AskedAt.UTC(), quietSince.UTC())
}

const csatCols = `link_id, route, conv_key, conversation, sink, ticket_key, customer, asked_at, score, comment, answered_at`

// CSATOpen returns the conversation's latest unanswered survey.
func (s *Store) CSATOpen(ctx context.Context, convKey string, since time.Time) (store.CSAT, error) {
	var (
		c      store.CSAT
		conv   []byte
		answer *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT `+csatCols+` FROM tb_csat
		WHERE conv_key = $1 AND score = 0 AND asked_at >= $2 ORDER BY asked_at DESC LIMIT 1`, convKey, since.UTC()).
		Scan(&c.LinkID, &c.Route, &c.ConvKey, &conv, &c.Sink, &c.TicketKey, &c.Customer, &c.AskedAt, &c.Score, &c.Comment, &answer)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("open csat: %w", err)
	}
	c.AskedAt, c.AnsweredAt = c.AskedAt.UTC(), fromTS(answer)
	return c, fromJSON(conv, &c.Conversation)
}

// CSATAnswer records the first answer of a survey.
func (s *Store) CSATAnswer(ctx context.Context, linkID string, score int, comment string, at time.Time, jobs store.Jobs) (bool, error) {
	if score < 1 || score > 5 {
		return false, fmt.Errorf("answer csat: score %d is not 1 to 5", score)
	}
	return s.execJobs(ctx, "answer csat", jobs, `UPDATE tb_csat SET score = $1, comment = $2, answered_at = $3
		WHERE link_id = $4 AND score = 0`, score, comment, at.UTC(), linkID)
}

// SLAStart creates a ticket's SLA clock once.
func (s *Store) SLAStart(ctx context.Context, c store.SLAClock, jobs store.Jobs) (bool, error) {
	return s.execJobs(ctx, "start sla", jobs, `INSERT INTO tb_sla (link_id, route, priority, started_at, assignee)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (link_id) DO NOTHING`,
		c.LinkID, c.Route, c.Priority, c.StartedAt.UTC(), c.Assignee)
}

// SLAGet returns a clock and its fired stages.
func (s *Store) SLAGet(ctx context.Context, linkID string) (store.SLAClock, error) {
	var (
		c               store.SLAClock
		first, resolved *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT link_id, route, priority, started_at, first_response_at, resolved_at, assignee
		FROM tb_sla WHERE link_id = $1`, linkID).Scan(&c.LinkID, &c.Route, &c.Priority, &c.StartedAt, &first, &resolved, &c.Assignee)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	c.StartedAt, c.FirstResponseAt, c.ResolvedAt = c.StartedAt.UTC(), fromTS(first), fromTS(resolved)
	rows, err := s.pool.Query(ctx, `SELECT stage FROM tb_sla_fired WHERE link_id = $1 ORDER BY fired_at, stage`, linkID)
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	c.Fired, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	return c, nil
}

// SLAUpdate applies a ticket change to its clock.
func (s *Store) SLAUpdate(ctx context.Context, linkID string, u store.SLAUpdate, jobs store.Jobs) (bool, error) {
	return s.execJobs(ctx, "update sla", jobs, `UPDATE tb_sla SET
		first_response_at = COALESCE(first_response_at, $1),
		resolved_at = COALESCE(resolved_at, $2),
		priority = COALESCE(NULLIF($3, ''), priority),
		assignee = COALESCE(NULLIF($4, ''), assignee)
		WHERE link_id = $5 AND (
			(first_response_at IS NULL AND $1::timestamptz IS NOT NULL) OR (resolved_at IS NULL AND $2::timestamptz IS NOT NULL) OR
			($3 <> '' AND $3 <> priority) OR ($4 <> '' AND $4 <> assignee))`,
		ts(u.FirstResponseAt), ts(u.ResolvedAt), u.Priority, u.Assignee, linkID)
}

// SLAFire records a timer stage once.
func (s *Store) SLAFire(ctx context.Context, linkID, stage string, at time.Time, jobs store.Jobs) (bool, error) {
	return s.execJobs(ctx, "fire sla stage", jobs, `INSERT INTO tb_sla_fired (link_id, stage, fired_at)
		VALUES ($1, $2, $3) ON CONFLICT (link_id, stage) DO NOTHING`, linkID, stage, at.UTC())
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
		`UPDATE tb_desk_tickets SET `+column+` = $1, updated_at = $2 WHERE num = $3`, value, now(), num)
	if err == nil && !made {
		err = fmt.Errorf("%s %q: %w", what, key, store.ErrNotFound)
	}
	return err
}
