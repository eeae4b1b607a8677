package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CursorGet returns a named cursor, "" when it was never set.
func (s *Store) CursorGet(ctx context.Context, name string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM tb_cursors WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("get cursor %s: %w", name, err)
	}
	return v, nil
}

// CursorSet stores a named cursor.
func (s *Store) CursorSet(ctx context.Context, name, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO tb_cursors (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		name, value, nanos(now()))
	if err != nil {
		return fmt.Errorf("set cursor %s: %w", name, err)
	}
	return nil
}
