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
		}
		if err := res.Close(); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		if len(ids) == 0 || jobsFor == nil {
			return nil
		}
		return s.insertJobs(ctx, tx, jobsFor(ids, index))
	})
	if err != nil {
		return nil, err
	}
	return accepted, nil
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
func (s *Store) sealBody(e core.Event) (string, []byte) {
	var raw []byte
	if len(e.Raw) > 0 {
		raw = s.seal(e.Raw, store.ADEventRaw(e.Source, e.EventID))
	}
	return s.sealString(e.Text, store.ADEventText(e.Source, e.EventID)), raw
}

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
	rows, err := s.pool.Query(ctx, query, args...)
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
	out, err := s.queryEvents(ctx, `SELECT `+eventCols+` FROM tb_events
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
