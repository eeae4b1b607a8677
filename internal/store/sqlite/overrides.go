package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// RouteOverrides returns every runtime route override by route name.
func (s *Store) RouteOverrides(ctx context.Context) ([]store.RouteOverride, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT route, rollout, mode, updated_by, updated_at FROM tb_route_overrides ORDER BY route`)
	if err != nil {
		return nil, fmt.Errorf("route overrides: %w", err)
	}
	defer rows.Close()
	var out []store.RouteOverride
	for rows.Next() {
		var (
			o  store.RouteOverride
			at int64
		)
		if err := rows.Scan(&o.Route, &o.Rollout, &o.Mode, &o.By, &at); err != nil {
			return nil, fmt.Errorf("route overrides: %w", err)
		}
		o.At = fromNanos(at)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("route overrides: %w", err)
	}
	return out, nil
}

// SetRouteOverride replaces the route's override and records audit.
func (s *Store) SetRouteOverride(ctx context.Context, o store.RouteOverride, audit store.AuditEntry) error {
	if o.At.IsZero() {
		o.At = now()
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tb_route_overrides (route, rollout, mode, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (route) DO UPDATE SET rollout = excluded.rollout, mode = excluded.mode,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			o.Route, o.Rollout, o.Mode, o.By, nanos(o.At)); err != nil {
			return err
		}
		return auditTx(ctx, tx, audit)
	})
	if err != nil {
		return fmt.Errorf("set route override: %w", err)
	}
	return nil
}

// ClearRouteOverride deletes the route's override and records audit.
func (s *Store) ClearRouteOverride(ctx context.Context, route string, audit store.AuditEntry) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tb_route_overrides WHERE route = ?`, route); err != nil {
			return err
		}
		return auditTx(ctx, tx, audit)
	})
	if err != nil {
		return fmt.Errorf("clear route override: %w", err)
	}
	return nil
}

// auditTx writes an audit entry inside tx, beside the change it records.
func auditTx(ctx context.Context, tx *sql.Tx, e store.AuditEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	detail, err := jsonText(e.Detail, len(e.Detail) == 0)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO tb_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		nanos(e.At), e.Actor, e.Action, e.Target, detail)
	return err
}
