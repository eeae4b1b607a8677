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
	return s.execJobs(ctx, "start sla", jobs, slaStartSQL, slaStartArgs(c)...)
}

const slaStartSQL = `INSERT INTO tb_sla (link_id, route, priority, started_at, assignee)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT (link_id) DO NOTHING`

func slaStartArgs(c store.SLAClock) []any {
	return []any{c.LinkID, c.Route, c.Priority, nanos(c.StartedAt), c.Assignee}
}

// SLAGet returns a clock, its fired stages and its status changes.
func (s *Store) SLAGet(ctx context.Context, linkID string) (store.SLAClock, error) {
	var (
		c                                    store.SLAClock
		started, first, resolved, priorityAt int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT link_id, route, priority, started_at, first_response_at, resolved_at, assignee,
		priority_at, revision FROM tb_sla WHERE link_id = ?`, linkID).
		Scan(&c.LinkID, &c.Route, &c.Priority, &started, &first, &resolved, &c.Assignee, &priorityAt, &c.Revision)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	c.StartedAt, c.FirstResponseAt, c.ResolvedAt = fromNanos(started), fromNanos(first), fromNanos(resolved)
	c.PriorityAt = fromNanos(priorityAt)
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
	srows, err := s.db.QueryContext(ctx, `SELECT event_key, at, paused, resolved FROM tb_sla_status WHERE link_id = ? ORDER BY at, event_key`, linkID)
	if err != nil {
		return c, fmt.Errorf("get sla statuses: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var (
			st store.SLAStatus
			at int64
		)
		if err := srows.Scan(&st.Key, &at, &st.Paused, &st.Resolved); err != nil {
			return c, fmt.Errorf("get sla statuses: %w", err)
		}
		st.At = fromNanos(at)
		c.Statuses = append(c.Statuses, st)
	}
	if err := srows.Err(); err != nil {
		return c, fmt.Errorf("get sla statuses: %w", err)
	}
	return c, nil
}

// errUnchanged rolls back a guarded change that changed nothing.
var errUnchanged = errors.New("unchanged")

// slaGuarded runs change in a transaction after moving the clock from
// revision rev to the next; change reports whether it changed anything,
// and only then do the revision and jobs commit. A clock at another
// revision is ErrConflict; no clock is (false, nil).
func (s *Store) slaGuarded(ctx context.Context, what, linkID string, rev int64, jobs store.Jobs, change func(tx *sql.Tx) (bool, error)) (bool, error) {
	if err := s.checkJobs(jobs); err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tb_sla SET revision = revision + 1 WHERE link_id = ? AND revision = ?`, linkID, rev)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var cur int64
			err := tx.QueryRowContext(ctx, `SELECT revision FROM tb_sla WHERE link_id = ?`, linkID).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return errUnchanged
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("clock of %s at revision %d, not %d: %w", linkID, cur, rev, store.ErrConflict)
		}
		made, err := change(tx)
		if err != nil {
			return err
		}
		if !made {
			return errUnchanged
		}
		return s.insertJobs(ctx, tx, jobs)
	})
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return true, nil
}

// SLAUpdate applies a ticket change to its clock.
func (s *Store) SLAUpdate(ctx context.Context, linkID string, rev int64, u store.SLAUpdate, jobs store.Jobs) (bool, error) {
	return s.slaGuarded(ctx, "update sla", linkID, rev, jobs, func(tx *sql.Tx) (bool, error) {
		// ?7 applies the priority whatever the clock's priority_at (an
		// update without a time of its own).
		res, err := tx.ExecContext(ctx, `UPDATE tb_sla SET
			first_response_at = CASE WHEN first_response_at = 0 THEN ?1 ELSE first_response_at END,
			resolved_at = CASE WHEN resolved_at = 0 THEN ?2 ELSE resolved_at END,
			priority = CASE WHEN ?3 <> '' AND (?7 OR ?6 >= priority_at) THEN ?3 ELSE priority END,
			priority_at = CASE WHEN ?3 <> '' AND ?6 > priority_at THEN ?6 ELSE priority_at END,
			assignee = COALESCE(NULLIF(?4, ''), assignee)
			WHERE link_id = ?5 AND (
				(first_response_at = 0 AND ?1 <> 0) OR (resolved_at = 0 AND ?2 <> 0) OR
				(?3 <> '' AND ((?3 <> priority AND (?7 OR ?6 >= priority_at)) OR ?6 > priority_at)) OR
				(?4 <> '' AND ?4 <> assignee))`,
			nanos(u.FirstResponseAt), nanos(u.ResolvedAt), u.Priority, u.Assignee, linkID, nanos(u.PriorityAt), u.PriorityAt.IsZero())
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, err
		}
		made := n > 0
		if st := u.Status; st != nil {
			res, err := tx.ExecContext(ctx, `INSERT INTO tb_sla_status (link_id, event_key, at, paused, resolved) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (link_id, event_key) DO NOTHING`, linkID, st.Key, nanos(st.At), st.Paused, st.Resolved)
			if err != nil {
				return false, err
			}
			if n, err := res.RowsAffected(); err != nil {
				return false, err
			} else if n > 0 {
				made = true
			}
		}
		return made, nil
	})
}

// SLAFire records a timer stage once.
func (s *Store) SLAFire(ctx context.Context, linkID string, rev int64, stage string, at time.Time, jobs store.Jobs) (bool, error) {
	return s.slaGuarded(ctx, "fire sla stage", linkID, rev, jobs, func(tx *sql.Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, `INSERT INTO tb_sla_fired (link_id, stage, fired_at)
			VALUES (?, ?, ?) ON CONFLICT (link_id, stage) DO NOTHING`, linkID, stage, nanos(at))
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n > 0, err
	})
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

// DeskSetSatisfaction writes a desk ticket's satisfaction field.
func (s *Store) DeskSetSatisfaction(ctx context.Context, key string, score int, comment string) error {
	if score < 1 || score > 5 {
		return fmt.Errorf("set satisfaction of %q: score %d is not 1 to 5", key, score)
	}
	num, ok := deskNum(key)
	if !ok {
		return fmt.Errorf("set satisfaction of %q: %w", key, store.ErrNotFound)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE tb_desk_tickets SET csat_score = ?, csat_comment = ?,
		updated_at = CASE WHEN csat_score = ? AND csat_comment = ? THEN updated_at ELSE ? END WHERE num = ?`,
		score, comment, score, comment, nanos(now()), num)
	if err != nil {
		return fmt.Errorf("set satisfaction of %q: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("set satisfaction of %q: %w", key, errors.Join(err, store.ErrNotFound))
	}
	return nil
}

// DeskSatisfaction reads a desk ticket's satisfaction field.
func (s *Store) DeskSatisfaction(ctx context.Context, key string) (int, string, error) {
	num, ok := deskNum(key)
	if !ok {
		return 0, "", fmt.Errorf("satisfaction of %q: %w", key, store.ErrNotFound)
	}
	var (
		score   int
		comment string
	)
	err := s.db.QueryRowContext(ctx, `SELECT csat_score, csat_comment FROM tb_desk_tickets WHERE num = ?`, num).Scan(&score, &comment)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("satisfaction of %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return 0, "", fmt.Errorf("satisfaction of %q: %w", key, err)
	}
	return score, comment, nil
}
