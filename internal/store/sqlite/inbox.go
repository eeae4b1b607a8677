package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

var _ store.ChatInbox = (*Store)(nil)

const inboxCols = `id, source, conversation, thread, msg_key, text, prompt, created_at`

func (s *Store) scanInbox(row interface{ Scan(...any) error }) (store.ChatMessage, error) {
	var (
		m      store.ChatMessage
		prompt *string
		at     int64
	)
	if err := row.Scan(&m.ID, &m.Source, &m.Conversation, &m.Thread, &m.Key, &m.Text, &prompt, &at); err != nil {
		return m, err
	}
	m.CreatedAt = fromNanos(at)
	var err error
	if m.Text, err = s.openString(m.Text, store.ADInbox(m.ID)); err != nil {
		return m, fmt.Errorf("inbox message %d: %w", m.ID, err)
	}
	return m, fromJSON(prompt, &m.Prompt)
}

// ChatInboxAdd stores a bot message once per key.
func (s *Store) ChatInboxAdd(ctx context.Context, m store.ChatMessage) (store.ChatMessage, error) {
	prompt, err := jsonText(m.Prompt, m.Prompt == nil)
	if err != nil {
		return m, fmt.Errorf("add inbox message: %w", err)
	}
	var out store.ChatMessage
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// The sealed text is bound to the row's id, known once inserted.
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO tb_chat_inbox (source, conversation, thread, msg_key,
			text, prompt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, conversation, thread, msg_key) DO NOTHING
			RETURNING id`, m.Source, m.Conversation, m.Thread, m.Key, s.plainOrEmpty(m.Text), prompt, nanos(now())).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows): // a retried post: kept already
		case err != nil:
			return err
		case s.cipher != nil && m.Text != "":
			if _, err := tx.ExecContext(ctx, `UPDATE tb_chat_inbox SET text = ? WHERE id = ?`,
				s.sealString(m.Text, store.ADInbox(id)), id); err != nil {
				return err
			}
		}
		out, err = s.scanInbox(tx.QueryRowContext(ctx, `SELECT `+inboxCols+` FROM tb_chat_inbox
			WHERE source = ? AND conversation = ? AND thread = ? AND msg_key = ?`, m.Source, m.Conversation, m.Thread, m.Key))
		return err
	})
	if err != nil {
		return out, fmt.Errorf("add inbox message: %w", err)
	}
	return out, nil
}

// ChatInboxList returns the selected messages, oldest first.
func (s *Store) ChatInboxList(ctx context.Context, q store.ChatInboxQuery) ([]store.ChatMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inboxCols+` FROM tb_chat_inbox
		WHERE id > ? AND (? = '' OR source = ?) AND (? = '' OR conversation = ?)
		ORDER BY id LIMIT ?`, q.After, q.Source, q.Source, q.Conversation, q.Conversation, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	defer rows.Close()
	out := []store.ChatMessage{}
	for rows.Next() {
		m, err := s.scanInbox(rows)
		if err != nil {
			return nil, fmt.Errorf("list inbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	return out, nil
}

// ChatInboxPurge deletes the messages older than their source's cutoff.
func (s *Store) ChatInboxPurge(ctx context.Context, p store.RetentionPolicy, now time.Time) (int, error) {
	where, args, ok := retentionClauses(p, now, "created_at")
	if !ok {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM tb_chat_inbox WHERE `+where, args...)
	if err != nil {
		return 0, fmt.Errorf("purge inbox: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
