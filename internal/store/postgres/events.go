package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const eventCols = `id, source, event_id, kind, conv_source, conv_id, conv_thread,
	sender, at, command, action, attachments, meta, body_text, body_raw, stored_at`

// IngestBatch stores the new events and the jobs for them in one
// transaction; the inserts go to the server as one pipelined batch.
func (s *Store) IngestBatch(ctx context.Context, events []core.Event, jobsFor func(ids []int64, _ []int) store.Jobs) ([]bool, error) {
	return s.ingest(ctx, events, func(ctx context.Context, tx pgx.Tx, _ []core.StoredEvent, ids []int64, index []int) error {
		if jobsFor == nil {
			return nil
		}
		return s.insertJobs(ctx, tx, jobsFor(ids, index))
	})
}

// IngestDecide stores the new events and applies what decide makes of
// them in one transaction, holding the lock of each of their
// conversations from before decide reads them until the commit.
func (s *Store) IngestDecide(ctx context.Context, events []core.Event, decide store.Decide) ([]bool, error) {
	return s.ingest(ctx, events, func(ctx context.Context, tx pgx.Tx, fresh []core.StoredEvent, _ []int64, _ []int) error {
		keys := make([]string, len(fresh))
		for i, e := range fresh {
			keys[i] = e.Conversation.Key()
		}
		if err := lockConversations(ctx, tx, keys); err != nil {
			return err
		}
		return store.ApplyDecisions(ctx, changeTx{s: s, tx: tx}, fresh, decide)
	})
}

// lockConversations takes the transaction-scoped advisory lock of each
// conversation key, in one order for every caller so two never deadlock.
func lockConversations(ctx context.Context, tx pgx.Tx, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(h)
		FROM (SELECT DISTINCT hashtextextended(k, 7411) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS o`, keys)
	if err != nil {
		return fmt.Errorf("lock conversations: %w", err)
	}
	return nil
}

// ingest inserts the new events and calls then with them inside the
// transaction; then is not called when none is new.
func (s *Store) ingest(ctx context.Context, events []core.Event, then func(ctx context.Context, tx pgx.Tx, fresh []core.StoredEvent, ids []int64, index []int) error) ([]bool, error) {
	accepted := make([]bool, len(events))
	if len(events) == 0 {
		return accepted, nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		clear(accepted)
		stored := now()
		var b pgx.Batch
		for _, e := range events {
			args, err := s.eventArgs(e)
			if err != nil {
				return fmt.Errorf("ingest event %q: %w", e.EventID, err)
			}
			b.Queue(`INSERT INTO tb_events (source, event_id, kind, conv_key, conv_source, conv_id,
				conv_thread, sender, at, command, action, attachments, meta, body_text, body_raw, stored_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				ON CONFLICT (source, event_id) DO NOTHING RETURNING id`, append(args, stored)...)
		}
		res := tx.SendBatch(ctx, &b)
		var (
			ids   []int64
			index []int
			fresh []core.StoredEvent
		)
		for i, e := range events {
			var id int64
			err := res.QueryRow().Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // a duplicate, in the database or earlier in this batch
			}
			if err != nil {
				_ = res.Close()
				return fmt.Errorf("ingest event %q: %w", e.EventID, err)
			}
			accepted[i] = true
			ids, index = append(ids, id), append(index, i)
			fresh = append(fresh, core.StoredEvent{ID: id, Event: e, StoredAt: stored})
		}
		if err := res.Close(); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		return then(ctx, tx, fresh, ids, index)
	})
	if err != nil {
		return nil, err
	}
	return accepted, nil
}

// ConversationsState reads the conversations through the transaction.
func (c changeTx) ConversationsState(ctx context.Context, convKeys []string) (map[string]store.ConversationState, error) {
	return c.s.conversationsState(ctx, c.tx, convKeys)
}

// ConversationEvents reads a conversation's events through the transaction.
func (c changeTx) ConversationEvents(ctx context.Context, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error) {
	return c.s.conversationEvents(ctx, c.tx, convKey, afterID, throughID, limit)
}

// RecentEvents answers every request with one query: a LATERAL read of
// each conversation's newest events through its id, numbered back to the
// request that asked.
func (c changeTx) RecentEvents(ctx context.Context, reqs []store.RecentRequest) ([][]core.StoredEvent, error) {
	keys := make([]string, len(reqs))
	through := make([]int64, len(reqs))
	limits := make([]int64, len(reqs))
	for i, r := range reqs {
		keys[i], through[i], limits[i] = r.ConvKey, r.ThroughID, int64(max(r.Limit, 0))
	}
	rows, err := c.tx.Query(ctx, `SELECT q.n, e.* FROM unnest($1::text[], $2::bigint[], $3::bigint[])
			WITH ORDINALITY AS q(conv_key, through, lim, n)
		CROSS JOIN LATERAL (SELECT `+eventCols+` FROM tb_events
			WHERE conv_key = q.conv_key AND id <= q.through
			ORDER BY id DESC LIMIT NULLIF(q.lim, 0)) AS e
		ORDER BY q.n, e.id`, keys, through, limits)
	if err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	defer rows.Close()
	out := make([][]core.StoredEvent, len(reqs))
	for rows.Next() {
		var n int64
		e, err := c.s.scanEvent(numberedRow{rows, &n})
		if err != nil {
			return nil, fmt.Errorf("recent events: %w", err)
		}
		out[n-1] = append(out[n-1], e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	return out, nil
}

// numberedRow scans a leading request number into n before the event.
type numberedRow struct {
	pgx.Rows
	n *int64
}

func (r numberedRow) Scan(dest ...any) error { return r.Rows.Scan(append([]any{r.n}, dest...)...) }

// querier is the pool or an open transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// eventArgs are the insert values of e up to, not including, stored_at.
func (s *Store) eventArgs(e core.Event) ([]any, error) {
	sender, err := jsonArg(e.Sender, false)
	if err != nil {
		return nil, err
	}
	atts, err := jsonArg(e.Attachments, len(e.Attachments) == 0)
	if err != nil {
		return nil, err
	}
	meta, err := jsonArg(e.Meta, len(e.Meta) == 0)
	if err != nil {
		return nil, err
	}
	text, raw := s.sealBody(e)
	c := e.Conversation
	return []any{e.Source, e.EventID, string(e.Kind), c.Key(), c.Source, c.Conversation, c.Thread,
		sender, ts(e.Time), e.Command, e.Action, atts, meta, text, raw}, nil
}

// sealBody and openBody are the one place message content enters and leaves
// the body columns, so that encryption at rest can be added here alone.
func (s *Store) sealBody(e core.Event) (string, []byte) { return store.SealEvent(s.cipher, e) }

func (s *Store) openBody(source, eventID string, text *string, raw []byte) (string, []byte, error) {
	var t string
	if text != nil {
		var err error
		if t, err = s.openString(*text, store.ADEventText(source, eventID)); err != nil {
			return "", nil, fmt.Errorf("event %s/%s text: %w", source, eventID, err)
		}
	}
	if len(raw) == 0 {
		return t, nil, nil
	}
	raw, err := s.open(raw, store.ADEventRaw(source, eventID))
	if err != nil {
		return "", nil, fmt.Errorf("event %s/%s raw: %w", source, eventID, err)
	}
	return t, raw, nil
}

func (s *Store) scanEvent(row pgx.Row) (core.StoredEvent, error) {
	var (
		e                  core.StoredEvent
		kind               string
		sender, atts, meta []byte
		at                 *time.Time
		text               *string
		raw                []byte
		stored             *time.Time
	)
	err := row.Scan(&e.ID, &e.Source, &e.EventID, &kind, &e.Conversation.Source, &e.Conversation.Conversation,
		&e.Conversation.Thread, &sender, &at, &e.Command, &e.Action, &atts, &meta, &text, &raw, &stored)
	if err != nil {
		return e, err
	}
	e.Kind = core.EventKind(kind)
	e.StoredAt = fromTS(stored)
	e.Time = fromTS(at)
	if e.Text, e.Raw, err = s.openBody(e.Source, e.EventID, text, raw); err != nil {
		return e, err
	}
	if err := fromJSON(sender, &e.Sender); err != nil {
		return e, err
	}
	if err := fromJSON(atts, &e.Attachments); err != nil {
		return e, err
	}
	if err := fromJSON(meta, &e.Meta); err != nil {
		return e, err
	}
	return e, nil
}

func (s *Store) queryEvents(ctx context.Context, query string, args ...any) ([]core.StoredEvent, error) {
	return s.queryEventsOn(ctx, s.pool, query, args...)
}

func (s *Store) queryEventsOn(ctx context.Context, q querier, query string, args ...any) ([]core.StoredEvent, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.StoredEvent
	for rows.Next() {
		e, err := s.scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventsByID returns the events with these ids, ordered by id; unknown ids
// are left out.
func (s *Store) EventsByID(ctx context.Context, ids []int64) ([]core.StoredEvent, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := s.queryEvents(ctx, `SELECT `+eventCols+` FROM tb_events WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("events by id: %w", err)
	}
	return out, nil
}

// ConversationEvents returns the newest limit events with afterID < id <=
// throughID (0: no bound), oldest first. A limit <= 0 means no limit.
func (s *Store) ConversationEvents(ctx context.Context, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error) {
	return s.conversationEvents(ctx, s.pool, convKey, afterID, throughID, limit)
}

func (s *Store) conversationEvents(ctx context.Context, q querier, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error) {
	out, err := s.queryEventsOn(ctx, q, `SELECT `+eventCols+` FROM tb_events
		WHERE conv_key = $1 AND id > $2 AND ($3::bigint = 0 OR id <= $3::bigint)
		ORDER BY id DESC LIMIT NULLIF($4::bigint, 0)`, convKey, afterID, throughID, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("conversation events: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// ConversationEventsAfter returns up to limit events of the conversation
// after afterID, oldest first.
func (s *Store) ConversationEventsAfter(ctx context.Context, convKey string, afterID int64, limit int) ([]core.StoredEvent, error) {
	out, err := s.queryEvents(ctx, `SELECT `+eventCols+` FROM tb_events
		WHERE conv_key = $1 AND id > $2 ORDER BY id LIMIT $3`, convKey, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("conversation events after %d: %w", afterID, err)
	}
	return out, nil
}
