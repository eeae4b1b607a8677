package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// retentionWhere is the SQL condition (and its arguments) selecting the
// unpurged events before each source's cutoff.
func retentionWhere(p store.RetentionPolicy, now time.Time) (string, []any, bool) {
	where, args, ok := retentionClauses(p, now, "at")
	if !ok {
		return "", nil, false
	}
	return `purged_at IS NULL AND ` + where, args, true
}

// retentionClauses selects the rows of a table with a source column whose
// time column lies before their source's cutoff. Sources with their own
// retention get their own clause; every other source gets the default.
func retentionClauses(p store.RetentionPolicy, now time.Time, at string) (string, []any, bool) {
	var (
		clauses []string
		args    []any
		named   []string
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for src := range p.Sources {
		named = append(named, src)
		if cut, ok := p.Cutoff(src, now); ok {
			clauses = append(clauses, `(source = `+arg(src)+` AND `+at+` < `+arg(cut)+`)`)
		}
	}
	if p.Days > 0 {
		cut, _ := p.Cutoff("", now)
		c := `(` + at + ` < ` + arg(cut)
		if len(named) > 0 {
			c += ` AND NOT (source = ANY(` + arg(named) + `))`
		}
		clauses = append(clauses, c+`)`)
	}
	if len(clauses) == 0 {
		return "", nil, false
	}
	return `(` + strings.Join(clauses, " OR ") + `)`, args, true
}

// RetentionCount counts per source the events the policy purges now.
func (s *Store) RetentionCount(ctx context.Context, p store.RetentionPolicy, now time.Time) (map[string]int, error) {
	out := map[string]int{}
	where, args, ok := retentionWhere(p, now)
	if !ok {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT source, count(*) FROM tb_events WHERE `+where+` GROUP BY source`, args...)
	if err != nil {
		return nil, fmt.Errorf("retention count: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			src string
			n   int
		)
		if err := rows.Scan(&src, &n); err != nil {
			return nil, fmt.Errorf("retention count: %w", err)
		}
		out[src] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("retention count: %w", err)
	}
	return out, nil
}

// RetentionList returns up to limit events the policy purges now, with
// the links of their conversations for the blob keys.
func (s *Store) RetentionList(ctx context.Context, p store.RetentionPolicy, now time.Time, limit int) ([]store.PurgeCandidate, error) {
	where, args, ok := retentionWhere(p, now)
	if !ok {
		return nil, nil
	}
	if limit <= 0 {
		limit = 500
	}
	args = append(args, limit)
	rows, err := s.pool.Query(ctx, `SELECT id, source, at, conv_key, attachments FROM tb_events
		WHERE `+where+` ORDER BY id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("retention list: %w", err)
	}
	type row struct {
		c    store.PurgeCandidate
		conv string
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var (
			x    row
			at   *time.Time
			atts []byte
		)
		if err := r.Scan(&x.c.ID, &x.c.Source, &at, &x.conv, &atts); err != nil {
			return x, err
		}
		x.c.At = fromTS(at)
		var list []core.Attachment
		if err := fromJSON(atts, &list); err != nil {
			return x, fmt.Errorf("event %d: %w", x.c.ID, err)
		}
		for _, a := range list {
			x.c.Attachments = append(x.c.Attachments, a.ID)
		}
		return x, nil
	})
	if err != nil {
		return nil, fmt.Errorf("retention list: %w", err)
	}
	out := make([]store.PurgeCandidate, len(got))
	links := map[string][]string{}
	for i, r := range got {
		out[i] = r.c
		if len(r.c.Attachments) == 0 {
			continue
		}
		ids, seen := links[r.conv]
		if !seen {
			rows, err := s.pool.Query(ctx, `SELECT id FROM tb_links WHERE conv_key = $1 ORDER BY created_at`, r.conv)
			if err != nil {
				return nil, fmt.Errorf("retention list: %w", err)
			}
			if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
				return nil, fmt.Errorf("retention list: %w", err)
			}
			links[r.conv] = ids
		}
		out[i].Links = ids
	}
	return out, nil
}

// RetentionPurge empties the bodies and attachment lists of these events.
func (s *Store) RetentionPurge(ctx context.Context, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE tb_events SET body_text = NULL, body_raw = NULL,
		attachments = NULL, purged_at = $1 WHERE id = ANY($2) AND purged_at IS NULL`, now(), ids)
	if err != nil {
		return 0, fmt.Errorf("retention purge: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
