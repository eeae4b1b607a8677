package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const linkCols = `id, route, conv_key, conversation, sink, ticket_key, ticket_url,
	sink_status, state, cursor, created_at, updated_at`

// linkSelectCols are linkCols and the append lease ('-infinity', free,
// reads as NULL).
const linkSelectCols = linkCols + `, CASE WHEN lease_until = '-infinity' THEN NULL ELSE lease_until END, append_through`

func scanLink(row pgx.Row) (store.Link, error) {
	var (
		l     store.Link
		conv  []byte
		lease *time.Time
	)
	err := row.Scan(&l.ID, &l.Route, &l.ConvKey, &conv, &l.Sink, &l.TicketKey, &l.TicketURL,
		&l.SinkStatus, &l.State, &l.Cursor, &l.CreatedAt, &l.UpdatedAt, &lease, &l.AppendThrough)
	if err != nil {
		return l, err
	}
	l.CreatedAt, l.UpdatedAt, l.LeaseUntil = l.CreatedAt.UTC(), l.UpdatedAt.UTC(), fromTS(lease)
	return l, fromJSON(conv, &l.Conversation)
}

// LinkOpen inserts l in state "creating" unless the route already has an
// open link for the conversation. An empty l.ID gets a random one; an empty
// l.ConvKey is taken from l.Conversation. Concurrent calls are settled by
// the partial unique index on open links: the losers wait for the winner's
// commit and then read its link.
func (s *Store) LinkOpen(ctx context.Context, l store.Link, jobs store.Jobs) (store.Link, bool, error) {
	if err := s.checkJobs(jobs); err != nil {
		return store.Link{}, false, fmt.Errorf("open link: %w", err)
	}
	l = store.CreatingLink(l, now())
	var (
		out  store.Link
		made bool
	)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		ok, err := changeTx{s: s, tx: tx}.InsertLink(ctx, l)
		if err != nil {
			return err
		}
		if ok {
			out, made = l, true
			return s.insertJobs(ctx, tx, jobs)
		}
		out, err = scanLink(tx.QueryRow(ctx, `SELECT `+linkSelectCols+` FROM tb_links
			WHERE route = $1 AND conv_key = $2 AND state NOT IN ($3, $4)`,
			l.Route, l.ConvKey, core.StateResolved, core.StateClosed))
		if errors.Is(err, pgx.ErrNoRows) {
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
	return linkWhereIn(ctx, s.pool, what, where, args...)
}

// linkWhereIn is linkWhere through q (the pool or a transaction).
func linkWhereIn(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, what, where string, args ...any) (store.Link, error) {
	l, err := scanLink(q.QueryRow(ctx, `SELECT `+linkSelectCols+` FROM tb_links WHERE `+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
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
	linkByID     = `id = $1`
	linkByTicket = `sink = $1 AND ticket_key = $2 ORDER BY state IN ($3, $4), created_at DESC LIMIT 1`
)

// ticketTx is a ticket-event ingest transaction seen as a store.TicketTx.
type ticketTx struct {
	s  *Store
	tx pgx.Tx
}

// A ticket event locks the link it reads until its transaction ends: two
// replicas deciding events of one ticket at once take turns, and the
// second reads the status the first recorded.

func (t ticketTx) LinkGet(ctx context.Context, id string) (store.Link, error) {
	return linkWhereIn(ctx, t.tx, "get link", linkByID+` FOR UPDATE`, id)
}

func (t ticketTx) LinkByTicket(ctx context.Context, sink, ticketKey string) (store.Link, error) {
	return linkWhereIn(ctx, t.tx, "link by ticket", linkByTicket+` FOR UPDATE`, sink, ticketKey, core.StateResolved, core.StateClosed)
}

func (t ticketTx) SetLinkStatus(ctx context.Context, id, sinkStatus, state string) error {
	if !slices.Contains(core.ChatStates, state) {
		return fmt.Errorf("set link status: unknown state %q", state)
	}
	tag, err := t.tx.Exec(ctx, `UPDATE tb_links SET sink_status = $2, state = $3, updated_at = $4 WHERE id = $1`,
		id, sinkStatus, state, now())
	if err != nil {
		return fmt.Errorf("set link status: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set link status: %w", store.ErrNotFound)
	}
	return nil
}

// LinksForConversation returns the open links of a conversation, oldest
// first.
func (s *Store) LinksForConversation(ctx context.Context, convKey string) ([]store.Link, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+linkSelectCols+` FROM tb_links
		WHERE conv_key = $1 AND state NOT IN ($2, $3) ORDER BY created_at, id`,
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

// updateLink runs one UPDATE of a link by id (the first argument) plus
// jobs; no row is ErrNotFound.
func (s *Store) updateLink(ctx context.Context, what string, jobs store.Jobs, set string, args ...any) error {
	return s.updateLinkThen(ctx, what, jobs, nil, set, args...)
}

// updateLinkThen is updateLink that also runs then (when not nil) inside
// the transaction, after the update; args[0] is the link id.
func (s *Store) updateLinkThen(ctx context.Context, what string, jobs store.Jobs, then func(pgx.Tx) error, set string, args ...any) error {
	if err := s.checkJobs(jobs); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tb_links SET `+set+` WHERE id = $1`, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
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
	if err := s.inTx(ctx, func(tx pgx.Tx) error { return s.linkSetTicket(ctx, tx, l) }); err != nil {
		return fmt.Errorf("set link ticket: %w", err)
	}
	return nil
}

func (s *Store) linkSetTicket(ctx context.Context, tx pgx.Tx, l store.TicketLinking) error {
	jobs, err := s.linkTicketJobs(ctx, tx, l)
	if err != nil {
		return err
	}
	return s.insertJobs(ctx, tx, jobs)
}

// linkTicketJobs records l's ticket on its link and returns l's jobs to
// insert, with the follow-ups' append when anything was said after the
// cursor; whoever applies a batch of changes inserts them all at once.
func (s *Store) linkTicketJobs(ctx context.Context, tx pgx.Tx, l store.TicketLinking) (store.Jobs, error) {
	var b pgx.Batch
	if err := queueLinkTicket(ctx, &b, l); err != nil {
		return nil, err
	}
	res := tx.SendBatch(ctx, &b)
	jobs, err := readLinkTicket(res, l)
	if cerr := res.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return jobs, err
}

// queueLinkTicket queues the statements that record l's ticket, for one
// round trip: they run in order, each with its own snapshot, so the look
// for follow-ups still starts only once the conversation's lock is held.
// They run even when the link is missing; ErrNotFound then fails the
// caller's transaction, audit row and all.
func queueLinkTicket(ctx context.Context, b *pgx.Batch, l store.TicketLinking) error {
	b.Queue(`UPDATE tb_links SET sink = COALESCE(NULLIF($2, ''), sink),
		ticket_key = $3, ticket_url = $4, sink_status = $5, cursor = GREATEST(cursor, $6),
		updated_at = $7, state = CASE state WHEN $8 THEN $9 ELSE state END WHERE id = $1`,
		l.LinkID, l.Ref.Sink, l.Ref.Key, l.Ref.URL, l.Ref.Status, l.Cursor, now(), store.LinkCreating, core.StateOpen)
	if l.Audit != nil {
		if err := auditInsert(ctx, queued{b}, *l.Audit); err != nil {
			return err
		}
	}
	if l.SLA != nil {
		b.Queue(slaStartSQL, slaStartArgs(*l.SLA)...)
	}
	if len(l.IfFollowUps) > 0 {
		// An event stored before this lock is seen below; one stored
		// after it sees the ticket key and queues its own append.
		b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended(conv_key, 7411)) FROM tb_links WHERE id = $1`, l.LinkID)
		b.Queue(`SELECT EXISTS (SELECT 1 FROM tb_events e, tb_links l
			WHERE l.id = $1 AND e.conv_key = l.conv_key AND e.id > l.cursor)`, l.LinkID)
	}
	return nil
}

// readLinkTicket reads the results of queueLinkTicket's statements for l
// and returns l's jobs, with the follow-ups' append when anything was
// said after its cursor.
func readLinkTicket(res pgx.BatchResults, l store.TicketLinking) (store.Jobs, error) {
	tag, err := res.Exec()
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return nil, store.ErrNotFound
	}
	if l.Audit != nil {
		if _, err := res.Exec(); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
	if l.SLA != nil {
		if _, err := res.Exec(); err != nil {
			return nil, fmt.Errorf("start sla: %w", err)
		}
	}
	if len(l.IfFollowUps) == 0 {
		return l.Jobs, nil
	}
	if _, err := res.Exec(); err != nil {
		return nil, fmt.Errorf("lock conversation: %w", err)
	}
	var more bool
	if err := res.QueryRow().Scan(&more); err != nil {
		return nil, err
	}
	if !more {
		return l.Jobs, nil
	}
	return slices.Concat(l.Jobs, l.IfFollowUps), nil
}

// queued is a batch seen as something to Exec on: each statement is
// queued, and its outcome read with the batch's results.
type queued struct{ b *pgx.Batch }

func (q queued) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.b.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

// LinkAdvance moves the cursor forward; a smaller cursor changes nothing.
func (s *Store) LinkAdvance(ctx context.Context, id string, cursor int64) error {
	return s.updateLink(ctx, "advance link", nil, `cursor = GREATEST(cursor, $2), append_through = 0, updated_at = $3`,
		id, cursor, now())
}

// LinkAppendBegin records the last event an append is about to send.
func (s *Store) LinkAppendBegin(ctx context.Context, id string, through int64) error {
	return s.updateLink(ctx, "begin append", nil, `append_through = $2`, id, through)
}

// LinkSetStatus records the sink's status and the chat-facing state.
func (s *Store) LinkSetStatus(ctx context.Context, id, sinkStatus, state string, jobs store.Jobs) error {
	if !slices.Contains(core.ChatStates, state) {
		return fmt.Errorf("set link status: unknown state %q", state)
	}
	return s.updateLink(ctx, "set link status", jobs, `sink_status = $2, state = $3, updated_at = $4`,
		id, sinkStatus, state, now())
}

// LinkLease takes the link's append lease until the given time, unless
// another holder's lease is still running.
func (s *Store) LinkLease(ctx context.Context, id string, until time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE tb_links SET lease_until = $2 WHERE id = $1 AND lease_until < $3`,
		id, until.UTC(), now())
	if err != nil {
		return false, fmt.Errorf("lease link: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// LinkRelease gives the append lease back.
func (s *Store) LinkRelease(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE tb_links SET lease_until = '-infinity' WHERE id = $1`, id); err != nil {
		return fmt.Errorf("release link: %w", err)
	}
	return nil
}
