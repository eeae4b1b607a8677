package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// AuditAdd appends an entry; a zero At is now.
func (s *Store) AuditAdd(ctx context.Context, e store.AuditEntry) error {
	if err := auditInsert(ctx, s.pool, e); err != nil {
		return fmt.Errorf("audit add: %w", err)
	}
	return nil
}

// auditInsert writes e through the pool or a transaction.
func auditInsert(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, e store.AuditEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	detail, err := jsonArg(e.Detail, len(e.Detail) == 0)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO tb_audit (at, actor, action, target, detail)
		VALUES ($1, $2, $3, $4, $5)`, e.At.UTC(), e.Actor, e.Action, e.Target, detail)
	return err
}

// AuditList returns matching entries, newest first.
func (s *Store) AuditList(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor, action, target, detail FROM tb_audit
		WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action = $2) AND ($3::timestamptz IS NULL OR at >= $3)
			AND ($5::bigint = 0 OR id < $5)
		ORDER BY id DESC LIMIT $4`, f.Actor, f.Action, ts(f.Since), f.AuditLimit(), f.Before)
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEntry, error) {
		var (
			e      store.AuditEntry
			detail []byte
		)
		if err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &detail); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		return e, fromJSON(detail, &e.Detail)
	})
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	return out, nil
}
