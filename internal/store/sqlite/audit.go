package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// AuditAdd appends an entry; a zero At is now.
func (s *Store) AuditAdd(ctx context.Context, e store.AuditEntry) error {
	if err := s.auditInsert(ctx, s.db, e); err != nil {
		return fmt.Errorf("audit add: %w", err)
	}
	return nil
}

// auditInsert writes e through db or a transaction.
func (s *Store) auditInsert(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, e store.AuditEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	detail, err := jsonText(e.Detail, len(e.Detail) == 0)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO tb_audit (at, actor, action, target, detail)
		VALUES (?, ?, ?, ?, ?)`, nanos(e.At), e.Actor, e.Action, e.Target, detail)
	return err
}

// AuditList returns matching entries, newest first.
func (s *Store) AuditList(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, action, target, detail FROM tb_audit
		WHERE (?1 = '' OR actor = ?1) AND (?2 = '' OR action = ?2) AND at >= ?3 AND (?5 = 0 OR id < ?5)
		ORDER BY id DESC LIMIT ?4`, f.Actor, f.Action, nanos(f.Since), f.AuditLimit(), f.Before)
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var (
			e      store.AuditEntry
			at     int64
			detail *string
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &detail); err != nil {
			return nil, fmt.Errorf("audit list: %w", err)
		}
		e.At = fromNanos(at)
		if err := fromJSON(detail, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	return out, nil
}
