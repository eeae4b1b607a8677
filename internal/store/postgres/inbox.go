package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

var _ store.ChatInbox = (*Store)(nil)

const inboxCols = `id, source, conversation, thread, msg_key, text, prompt, created_at`

func scanInbox(row pgx.Row) (store.ChatMessage, error) {
	var (
		m      store.ChatMessage
		prompt *string
		at     time.Time
	)
	if err := row.Scan(&m.ID, &m.Source, &m.Conversation, &m.Thread, &m.Key, &m.Text, &prompt, &at); err != nil {
		return m, err
	}
	m.CreatedAt = at.UTC()
	if prompt != nil {
		return m, fromJSON([]byte(*prompt), &m.Prompt)
	}
	return m, nil
}

// ChatInboxAdd stores a bot message once per key.
func (s *Store) ChatInboxAdd(ctx context.Context, m store.ChatMessage) (store.ChatMessage, error) {
	prompt, err := jsonArg(m.Prompt, m.Prompt == nil)
	if err != nil {
		return m, fmt.Errorf("add inbox message: %w", err)
	}
	var out store.ChatMessage
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tb_chat_inbox (source, conversation, thread, msg_key,
			text, prompt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, conversation, thread, msg_key) DO NOTHING`,
			m.Source, m.Conversation, m.Thread, m.Key, m.Text, prompt, now()); err != nil {
			return err
		}
		out, err = scanInbox(tx.QueryRow(ctx, `SELECT `+inboxCols+` FROM tb_chat_inbox
			WHERE source = $1 AND conversation = $2 AND thread = $3 AND msg_key = $4`, m.Source, m.Conversation, m.Thread, m.Key))
		return err
	})
	if err != nil {
		return out, fmt.Errorf("add inbox message: %w", err)
	}
	return out, nil
}

// ChatInboxList returns the selected messages, oldest first.
func (s *Store) ChatInboxList(ctx context.Context, q store.ChatInboxQuery) ([]store.ChatMessage, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+inboxCols+` FROM tb_chat_inbox
		WHERE id > $1 AND ($2 = '' OR source = $2) AND ($3 = '' OR conversation = $3)
		ORDER BY id LIMIT $4`, q.After, q.Source, q.Conversation, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", err)
	}
	defer rows.Close()
	out := []store.ChatMessage{}
	for rows.Next() {
		m, err := scanInbox(rows)
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
