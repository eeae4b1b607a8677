package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const linkCols = `id, route, conv_key, conversation, sink, ticket_key, ticket_url,
	sink_status, state, cursor, created_at, updated_at`

// linkSelectCols are linkCols and the append lease (0: free).
const linkSelectCols = linkCols + `, lease_until, append_through`

func scanLink(row interface{ Scan(...any) error }) (store.Link, error) {
	var (
		l             store.Link
		conv          *string
		cr, up, lease int64
	)
	err := row.Scan(&l.ID, &l.Route, &l.ConvKey, &conv, &l.Sink, &l.TicketKey, &l.TicketURL,
		&l.SinkStatus, &l.State, &l.Cursor, &cr, &up, &lease, &l.AppendThrough)
	if err != nil {
		return l, err
	}
	l.CreatedAt, l.UpdatedAt = fromNanos(cr), fromNanos(up)
	if lease != 0 {
		l.LeaseUntil = fromNanos(lease)
	}
	return l, fromJSON(conv, &l.Conversation)
}

// LinkOpen inserts l in state "creating" unless the route already has an
// open link for the conversation. An empty l.ID gets a random one; an empty
// l.ConvKey is taken from l.Conversation.
func (s *Store) LinkOpen(ctx context.Context, l store.Link, jobs store.Jobs) (store.Link, bool, error) {
	if err := s.checkJobs(jobs); err != nil {
		return store.Link{}, false, fmt.Errorf("open link: %w", err)
	}
	l = store.CreatingLink(l, now())
	var (
		out  store.Link
		made bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := changeTx{s: s, tx: tx}.InsertLink(ctx, l)
		if err != nil {
			return err
		}
		if ok {
			out, made = l, true
			return s.insertJobs(ctx, tx, jobs)
		}
		out, err = scanLink(tx.QueryRowContext(ctx, `SELECT `+linkSelectCols+` FROM tb_links
			WHERE route = ? AND conv_key = ? AND state NOT IN (?, ?)`,
			l.Route, l.ConvKey, core.StateResolved, core.StateClosed))
		if errors.Is(err, sql.ErrNoRows) {
			// The conflict was on the id, not on an open link.
			return fmt.Errorf("link id %q already used", l.ID)
		}
		return err
	})
	if err != nil {
		return store.Link{}, false, fmt.Errorf("open link: %w", err)
	}
	return out, made, nil
}

func (s *Store) linkWhere(ctx context.Context, what, where string, args ...any) (store.Link, error) {
	return linkWhereIn(ctx, s.rdb, what, where, args...)
}

// linkWhereIn is linkWhere through q (the readers or a transaction).
func linkWhereIn(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, what, where string, args ...any) (store.Link, error) {
	l, err := scanLink(q.QueryRowContext(ctx, `SELECT `+linkSelectCols+` FROM tb_links WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Link{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.Link{}, fmt.Errorf("%s: %w", what, err)
	}
	return l, nil
}

// LinkGet returns the link with this id.
func (s *Store) LinkGet(ctx context.Context, id string) (store.Link, error) {
	return s.linkWhere(ctx, "get link", linkByID, id)
}

// LinkByTicket returns the link of a ticket, the open one when there are
// several.
func (s *Store) LinkByTicket(ctx context.Context, sink, ticketKey string) (store.Link, error) {
	return s.linkWhere(ctx, "link by ticket", linkByTicket, sink, ticketKey, core.StateResolved, core.StateClosed)
}

const (
	linkByID     = `id = ?`
	linkByTicket = `sink = ? AND ticket_key = ? ORDER BY state IN (?, ?), created_at DESC LIMIT 1`
)

// ticketTx is a ticket-event ingest transaction seen as a store.TicketTx.
type ticketTx struct {
	s  *Store
	tx *sql.Tx
}

func (t ticketTx) LinkGet(ctx context.Context, id string) (store.Link, error) {
	return linkWhereIn(ctx, t.tx, "get link", linkByID, id)
}

func (t ticketTx) LinkByTicket(ctx context.Context, sink, ticketKey string) (store.Link, error) {
	return linkWhereIn(ctx, t.tx, "link by ticket", linkByTicket, sink, ticketKey, core.StateResolved, core.StateClosed)
}

func (t ticketTx) SetLinkStatus(ctx context.Context, id, sinkStatus, state string) error {
	if !slices.Contains(core.ChatStates, state) {
		return fmt.Errorf("set link status: unknown state %q", state)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE tb_links SET sink_status = ?, state = ?, updated_at = ? WHERE id = ?`,
		sinkStatus, state, nanos(now()), id)
	if err != nil {
		return fmt.Errorf("set link status: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set link status: %w", err)
	} else if n == 0 {
		return fmt.Errorf("set link status: %w", store.ErrNotFound)
	}
	return nil
}

// LinksForConversation returns the open links of a conversation, oldest
// first.
func (s *Store) LinksForConversation(ctx context.Context, convKey string) ([]store.Link, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+linkSelectCols+` FROM tb_links
		WHERE conv_key = ? AND state NOT IN (?, ?) ORDER BY created_at, id`,
		convKey, core.StateResolved, core.StateClosed)
	if err != nil {
		return nil, fmt.Errorf("links for conversation: %w", err)
	}
	defer rows.Close()
	var out []store.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("links for conversation: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("links for conversation: %w", err)
	}
	return out, nil
}

// updateLink runs one UPDATE of a link by id plus jobs; no row is
// ErrNotFound.
func (s *Store) updateLink(ctx context.Context, what string, jobs store.Jobs, set string, args ...any) error {
	return s.updateLinkThen(ctx, what, jobs, nil, set, args...)
}

// updateLinkThen is updateLink that also runs then (when not nil) inside
// the transaction, after the update; the last of args is the link id.
func (s *Store) updateLinkThen(ctx context.Context, what string, jobs store.Jobs, then func(*sql.Tx) error, set string, args ...any) error {
	if err := s.checkJobs(jobs); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tb_links SET `+set+` WHERE id = ?`, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		if err := s.insertJobs(ctx, tx, jobs); err != nil {
			return err
		}
		if then != nil {
			return then(tx)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// LinkSetTicket records the created ticket; a link still "creating" becomes
// "open".
func (s *Store) LinkSetTicket(ctx context.Context, l store.TicketLinking) error {
	if err := s.checkJobs(l.Jobs); err != nil {
		return fmt.Errorf("set link ticket: %w", err)
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.linkSetTicket(ctx, tx, l) }); err != nil {
		return fmt.Errorf("set link ticket: %w", err)
	}
	return nil
}

func (s *Store) linkSetTicket(ctx context.Context, tx *sql.Tx, l store.TicketLinking) error {
	jobs, err := s.linkTicketJobs(ctx, tx, l)
	if err != nil {
		return err
	}
	return s.insertJobs(ctx, tx, jobs)
}

// linkTicketJobs records l's ticket on its link and returns l's jobs to
// insert, with the follow-ups' append when anything was said after the
// cursor; whoever applies a batch of changes inserts them all at once.
func (s *Store) linkTicketJobs(ctx context.Context, tx *sql.Tx, l store.TicketLinking) (store.Jobs, error) {
	res, err := tx.ExecContext(ctx, `UPDATE tb_links SET sink = COALESCE(NULLIF(?, ''), sink), ticket_key = ?,
		ticket_url = ?, sink_status = ?, cursor = max(cursor, ?), updated_at = ?,
		state = CASE state WHEN ? THEN ? ELSE state END WHERE id = ?`,
		l.Ref.Sink, l.Ref.Key, l.Ref.URL, l.Ref.Status, l.Cursor, nanos(now()), store.LinkCreating, core.StateOpen, l.LinkID)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, store.ErrNotFound
	}
	if l.Audit != nil {
		if err := s.auditInsert(ctx, tx, *l.Audit); err != nil {
			return nil, err
		}
	}
	if l.SLA != nil {
		if _, err := tx.ExecContext(ctx, slaStartSQL, slaStartArgs(*l.SLA)...); err != nil {
			return nil, fmt.Errorf("start sla: %w", err)
		}
	}
	if len(l.IfFollowUps) == 0 {
		return l.Jobs, nil
	}
	var n int
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM tb_links l
		WHERE l.id = ? AND EXISTS (SELECT 1 FROM tb_events e WHERE e.conv_key = l.conv_key AND e.id > l.cursor)`, l.LinkID).Scan(&n)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return l.Jobs, nil
	}
	return slices.Concat(l.Jobs, l.IfFollowUps), nil
}

// LinkAdvance moves the cursor forward; a smaller cursor changes nothing.
func (s *Store) LinkAdvance(ctx context.Context, id string, cursor int64) error {
	return s.updateLink(ctx, "advance link", nil, `cursor = max(cursor, ?), append_through = 0, updated_at = ?`,
		cursor, nanos(now()), id)
}

// LinkAppendBegin records the last event an append is about to send.
func (s *Store) LinkAppendBegin(ctx context.Context, id string, through int64) error {
	return s.updateLink(ctx, "begin append", nil, `append_through = ?`, through, id)
}

// LinkSetStatus records the sink's status and the chat-facing state.
func (s *Store) LinkSetStatus(ctx context.Context, id, sinkStatus, state string, jobs store.Jobs) error {
	if !slices.Contains(core.ChatStates, state) {
		return fmt.Errorf("set link status: unknown state %q", state)
	}
	return s.updateLink(ctx, "set link status", jobs, `sink_status = ?, state = ?, updated_at = ?`,
		sinkStatus, state, nanos(now()), id)
}

// LinkLease takes the link's append lease until the given time, unless
// another holder's lease is still running.
func (s *Store) LinkLease(ctx context.Context, id string, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE tb_links SET lease_until = ? WHERE id = ? AND lease_until < ?`,
		nanos(until), id, nanos(now()))
	if err != nil {
		return false, fmt.Errorf("lease link: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LinkRelease gives the append lease back.
func (s *Store) LinkRelease(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE tb_links SET lease_until = 0 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("release link: %w", err)
	}
	return nil
}
