package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// ConsoleSessionCreate stores a signed-in session and drops expired ones.
func (s *Store) ConsoleSessionCreate(ctx context.Context, cs store.ConsoleSession) error {
	if cs.CreatedAt.IsZero() {
		cs.CreatedAt = now()
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM tb_console_sessions WHERE expires_at < $1`, cs.CreatedAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO tb_console_sessions (id_hash, actor, csrf, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5)`, cs.IDHash, cs.Actor, cs.CSRF, cs.ExpiresAt, cs.CreatedAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("create console session: %w", err)
	}
	return nil
}

// ConsoleSessionGet returns the session unless it is unknown or expired at.
func (s *Store) ConsoleSessionGet(ctx context.Context, idHash string, at time.Time) (store.ConsoleSession, error) {
	var cs store.ConsoleSession
	err := s.pool.QueryRow(ctx, `SELECT id_hash, actor, csrf, expires_at, created_at FROM tb_console_sessions
		WHERE id_hash = $1 AND expires_at > $2`, idHash, at).Scan(&cs.IDHash, &cs.Actor, &cs.CSRF, &cs.ExpiresAt, &cs.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return cs, fmt.Errorf("console session: %w", store.ErrNotFound)
	}
	if err != nil {
		return cs, fmt.Errorf("console session: %w", err)
	}
	cs.ExpiresAt, cs.CreatedAt = cs.ExpiresAt.UTC(), cs.CreatedAt.UTC()
	return cs, nil
}

// ConsoleSessionDelete signs a session out; an unknown one is no error.
func (s *Store) ConsoleSessionDelete(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM tb_console_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// withAssignee scans a desk row followed by its assignee column.
type withAssignee struct {
	row      pgx.Row
	assignee *string
}

func (w withAssignee) Scan(dest ...any) error { return w.row.Scan(append(dest, w.assignee)...) }

// DeskSearch lists desk tickets newest first, filtered for the console.
func (s *Store) DeskSearch(ctx context.Context, f store.DeskFilter) ([]store.DeskListing, error) {
	before := int64(1<<63 - 1)
	if f.Before != "" {
		n, ok := deskNum(f.Before)
		if !ok {
			return nil, fmt.Errorf("search desk: page key %q: %w", f.Before, store.ErrNotFound)
		}
		before = n
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deskCols+`, assignee FROM tb_desk_tickets t
		WHERE num < $1
		AND ($2::text = '' OR status = $2::text) AND ($3::text = '' OR priority = $3::text)
		AND ($4::text = '' OR assignee = $4::text)
		AND ($5::text = '' OR title ILIKE '%' || $5::text || '%')
		AND ($6::text = '' OR EXISTS (SELECT 1 FROM tb_links l WHERE l.ticket_key = 'LOCAL-' || t.num
			AND left(l.conv_key, length($6::text) + 1) = $6::text || '/'))
		ORDER BY num DESC LIMIT $7`, before, f.Status, f.Priority, f.Assignee, likeEscape(f.Text), f.Source, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("search desk: %w", err)
	}
	defer rows.Close()
	var out []store.DeskListing
	for rows.Next() {
		var l store.DeskListing
		if l.DeskTicket, err = s.scanDesk(withAssignee{rows, &l.Assignee}); err != nil {
			return nil, fmt.Errorf("search desk: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search desk: %w", err)
	}
	return out, nil
}

// DeskListingGet returns one ticket with its assignee.
func (s *Store) DeskListingGet(ctx context.Context, key string) (store.DeskListing, error) {
	var l store.DeskListing
	num, ok := deskNum(key)
	if !ok {
		return l, fmt.Errorf("get desk ticket %q: %w", key, store.ErrNotFound)
	}
	var err error
	l.DeskTicket, err = s.scanDesk(withAssignee{s.pool.QueryRow(ctx, `SELECT `+deskCols+`, assignee
		FROM tb_desk_tickets WHERE num = $1`, num), &l.Assignee})
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fmt.Errorf("get desk ticket %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("get desk ticket %q: %w", key, err)
	}
	return l, nil
}

// DeskSetFields sets a ticket's priority and assignee; these stay on the
// desk (the chat is not told), so no jobs come with them.
func (s *Store) DeskSetFields(ctx context.Context, key, priority, assignee string) error {
	num, ok := deskNum(key)
	if !ok {
		return fmt.Errorf("update %q: %w", key, store.ErrNotFound)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE tb_desk_tickets SET priority = $1, assignee = $2, updated_at = $3
		WHERE num = $4`, priority, assignee, now(), num)
	if err != nil {
		return fmt.Errorf("update %q: %w", key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update %q: %w", key, store.ErrNotFound)
	}
	return nil
}

// likeEscape makes s match itself in an ILIKE pattern (backslash escapes).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
