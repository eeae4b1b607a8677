package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

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
	return `purged_at = 0 AND ` + where, args, true
}

// retentionClauses selects the rows of a table with a source column whose
// time column lies before their source's cutoff. Sources with their own
// retention get their own clause; every other source gets the default.
func retentionClauses(p store.RetentionPolicy, now time.Time, at string) (string, []any, bool) {
	var (
		clauses []string
		args    []any
		named   []any
	)
	for src := range p.Sources {
		named = append(named, src)
		if cut, ok := p.Cutoff(src, now); ok {
			clauses = append(clauses, `(source = ? AND `+at+` < ?)`)
			args = append(args, src, nanos(cut))
		}
	}
	if cut, ok := p.Cutoff("", now); ok && p.Days > 0 {
		c := `(` + at + ` < ?`
		args = append(args, nanos(cut))
		if len(named) > 0 {
			c += ` AND source NOT IN (` + strings.TrimSuffix(strings.Repeat("?,", len(named)), ",") + `)`
			args = append(args, named...)
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
	rows, err := s.db.QueryContext(ctx, `SELECT source, count(*) FROM tb_events WHERE `+where+` GROUP BY source`, args...)
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
	rows, err := s.db.QueryContext(ctx, `SELECT id, source, at, conv_key, attachments FROM tb_events
		WHERE `+where+` ORDER BY id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("retention list: %w", err)
	}
	var (
		out   []store.PurgeCandidate
		convs []string
	)
	for rows.Next() {
		var (
			c    store.PurgeCandidate
			at   int64
			conv string
			atts *string
		)
		if err := rows.Scan(&c.ID, &c.Source, &at, &conv, &atts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("retention list: %w", err)
		}
		c.At = fromNanos(at)
		var list []core.Attachment
		if err := fromJSON(atts, &list); err != nil {
			rows.Close()
			return nil, fmt.Errorf("retention list: event %d: %w", c.ID, err)
		}
		for _, a := range list {
			c.Attachments = append(c.Attachments, a.ID)
		}
		out = append(out, c)
		convs = append(convs, conv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("retention list: %w", err)
	}
	links := map[string][]string{}
	for i := range out {
		if len(out[i].Attachments) == 0 {
			continue
		}
		ids, seen := links[convs[i]]
		if !seen {
			if ids, err = s.linkIDs(ctx, convs[i]); err != nil {
				return nil, fmt.Errorf("retention list: %w", err)
			}
			links[convs[i]] = ids
		}
		out[i].Links = ids
	}
	return out, nil
}

// linkIDs returns the ids of every link of a conversation, open or not.
func (s *Store) linkIDs(ctx context.Context, convKey string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM tb_links WHERE conv_key = ? ORDER BY created_at`, convKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RetentionPurge empties the bodies and attachment lists of these events.
func (s *Store) RetentionPurge(ctx context.Context, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		at := nanos(now())
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE tb_events SET body_text = NULL, body_raw = NULL,
				attachments = NULL, purged_at = ? WHERE id = ? AND purged_at = 0`, at, id)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retention purge: %w", err)
	}
	return int(n), nil
}
