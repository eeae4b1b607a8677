package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CursorGet returns a named cursor, "" when it was never set.
func (s *Store) CursorGet(ctx context.Context, name string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM tb_cursors WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("get cursor %s: %w", name, err)
	}
	return v, nil
}

// CursorSet stores a named cursor.
func (s *Store) CursorSet(ctx context.Context, name, value string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tb_cursors (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		name, value, now())
	if err != nil {
		return fmt.Errorf("set cursor %s: %w", name, err)
	}
	return nil
}
