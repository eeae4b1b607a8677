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
	return s.execJobs(ctx, "start sla", jobs, slaStartSQL, slaStartArgs(c)...)
}

const slaStartSQL = `INSERT INTO tb_sla (link_id, route, priority, started_at, assignee)
	VALUES ($1, $2, $3, $4, $5) ON CONFLICT (link_id) DO NOTHING`

func slaStartArgs(c store.SLAClock) []any {
	return []any{c.LinkID, c.Route, c.Priority, c.StartedAt.UTC(), c.Assignee}
}

// SLAGet returns a clock, its fired stages and its status changes.
func (s *Store) SLAGet(ctx context.Context, linkID string) (store.SLAClock, error) {
	var (
		c                           store.SLAClock
		first, resolved, priorityAt *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT link_id, route, priority, started_at, first_response_at, resolved_at, assignee,
		priority_at, revision FROM tb_sla WHERE link_id = $1`, linkID).
		Scan(&c.LinkID, &c.Route, &c.Priority, &c.StartedAt, &first, &resolved, &c.Assignee, &priorityAt, &c.Revision)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	c.StartedAt, c.FirstResponseAt, c.ResolvedAt = c.StartedAt.UTC(), fromTS(first), fromTS(resolved)
	c.PriorityAt = fromTS(priorityAt)
	rows, err := s.pool.Query(ctx, `SELECT stage FROM tb_sla_fired WHERE link_id = $1 ORDER BY fired_at, stage`, linkID)
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	c.Fired, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return c, fmt.Errorf("get sla: %w", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT event_key, at, paused, resolved FROM tb_sla_status WHERE link_id = $1 ORDER BY at, event_key`, linkID)
	if err != nil {
		return c, fmt.Errorf("get sla statuses: %w", err)
	}
	c.Statuses, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SLAStatus, error) {
		var st store.SLAStatus
		err := r.Scan(&st.Key, &st.At, &st.Paused, &st.Resolved)
		st.At = st.At.UTC()
		return st, err
	})
	if err != nil {
		return c, fmt.Errorf("get sla statuses: %w", err)
	}
	if len(c.Statuses) == 0 {
		c.Statuses = nil
	}
	return c, nil
}

// errUnchanged rolls back a guarded change that changed nothing.
var errUnchanged = errors.New("unchanged")

// slaGuarded runs change in a transaction after moving the clock from
// revision rev to the next; change reports whether it changed anything,
// and only then do the revision and jobs commit. A clock at another
// revision is ErrConflict; no clock is (false, nil). The first UPDATE
// locks the row, so a second change waits for the first and then finds
// the revision moved.
func (s *Store) slaGuarded(ctx context.Context, what, linkID string, rev int64, jobs store.Jobs, change func(tx pgx.Tx) (bool, error)) (bool, error) {
	if err := s.checkJobs(jobs); err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tb_sla SET revision = revision + 1 WHERE link_id = $1 AND revision = $2`, linkID, rev)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var cur int64
			err := tx.QueryRow(ctx, `SELECT revision FROM tb_sla WHERE link_id = $1`, linkID).Scan(&cur)
			if errors.Is(err, pgx.ErrNoRows) {
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
	return s.slaGuarded(ctx, "update sla", linkID, rev, jobs, func(tx pgx.Tx) (bool, error) {
		// $6 NULL (an update without a time of its own) applies the
		// priority whatever the clock's priority_at.
		tag, err := tx.Exec(ctx, `UPDATE tb_sla SET
			first_response_at = COALESCE(first_response_at, $1),
			resolved_at = COALESCE(resolved_at, $2),
			priority = CASE WHEN $3 <> '' AND ($6::timestamptz IS NULL OR priority_at IS NULL OR $6 >= priority_at) THEN $3 ELSE priority END,
			priority_at = CASE WHEN $3 <> '' AND $6::timestamptz IS NOT NULL AND (priority_at IS NULL OR $6 > priority_at) THEN $6 ELSE priority_at END,
			assignee = COALESCE(NULLIF($4, ''), assignee)
			WHERE link_id = $5 AND (
				(first_response_at IS NULL AND $1::timestamptz IS NOT NULL) OR (resolved_at IS NULL AND $2::timestamptz IS NOT NULL) OR
				($3 <> '' AND (($3 <> priority AND ($6::timestamptz IS NULL OR priority_at IS NULL OR $6 >= priority_at)) OR
					($6::timestamptz IS NOT NULL AND (priority_at IS NULL OR $6 > priority_at)))) OR
				($4 <> '' AND $4 <> assignee))`,
			ts(u.FirstResponseAt), ts(u.ResolvedAt), u.Priority, u.Assignee, linkID, ts(u.PriorityAt))
		if err != nil {
			return false, err
		}
		made := tag.RowsAffected() > 0
		if st := u.Status; st != nil {
			tag, err := tx.Exec(ctx, `INSERT INTO tb_sla_status (link_id, event_key, at, paused, resolved) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (link_id, event_key) DO NOTHING`, linkID, st.Key, st.At.UTC(), st.Paused, st.Resolved)
			if err != nil {
				return false, err
			}
			made = made || tag.RowsAffected() > 0
		}
		return made, nil
	})
}

// SLAFire records a timer stage once.
func (s *Store) SLAFire(ctx context.Context, linkID string, rev int64, stage string, at time.Time, jobs store.Jobs) (bool, error) {
	return s.slaGuarded(ctx, "fire sla stage", linkID, rev, jobs, func(tx pgx.Tx) (bool, error) {
		tag, err := tx.Exec(ctx, `INSERT INTO tb_sla_fired (link_id, stage, fired_at)
			VALUES ($1, $2, $3) ON CONFLICT (link_id, stage) DO NOTHING`, linkID, stage, at.UTC())
		if err != nil {
			return false, err
		}
		return tag.RowsAffected() > 0, nil
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
		`UPDATE tb_desk_tickets SET `+column+` = $1, updated_at = $2 WHERE num = $3`, value, now(), num)
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
	tag, err := s.pool.Exec(ctx, `UPDATE tb_desk_tickets SET csat_score = $1, csat_comment = $2,
		updated_at = CASE WHEN csat_score = $1 AND csat_comment = $2 THEN updated_at ELSE $3 END WHERE num = $4`,
		score, comment, now(), num)
	if err != nil {
		return fmt.Errorf("set satisfaction of %q: %w", key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set satisfaction of %q: %w", key, store.ErrNotFound)
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
	err := s.pool.QueryRow(ctx, `SELECT csat_score, csat_comment FROM tb_desk_tickets WHERE num = $1`, num).Scan(&score, &comment)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", fmt.Errorf("satisfaction of %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return 0, "", fmt.Errorf("satisfaction of %q: %w", key, err)
	}
	return score, comment, nil
}
