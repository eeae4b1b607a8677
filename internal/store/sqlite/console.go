package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// ConsoleSessionCreate stores a signed-in session and drops expired ones.
func (s *Store) ConsoleSessionCreate(ctx context.Context, cs store.ConsoleSession) error {
	if cs.CreatedAt.IsZero() {
		cs.CreatedAt = now()
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tb_console_sessions WHERE expires_at < ?`, nanos(cs.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tb_console_sessions (id_hash, actor, csrf, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?)`, cs.IDHash, cs.Actor, cs.CSRF, nanos(cs.ExpiresAt), nanos(cs.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create console session: %w", err)
	}
	return nil
}

// ConsoleSessionGet returns the session unless it is unknown or expired at.
func (s *Store) ConsoleSessionGet(ctx context.Context, idHash string, at time.Time) (store.ConsoleSession, error) {
	var (
		cs      store.ConsoleSession
		exp, cr int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT id_hash, actor, csrf, expires_at, created_at FROM tb_console_sessions
		WHERE id_hash = ? AND expires_at > ?`, idHash, nanos(at)).Scan(&cs.IDHash, &cs.Actor, &cs.CSRF, &exp, &cr)
	if errors.Is(err, sql.ErrNoRows) {
		return cs, fmt.Errorf("console session: %w", store.ErrNotFound)
	}
	if err != nil {
		return cs, fmt.Errorf("console session: %w", err)
	}
	cs.ExpiresAt, cs.CreatedAt = fromNanos(exp), fromNanos(cr)
	return cs, nil
}

// ConsoleSessionDelete signs a session out; an unknown one is no error.
func (s *Store) ConsoleSessionDelete(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM tb_console_sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// withAssignee scans a desk row followed by its assignee column.
type withAssignee struct {
	row      interface{ Scan(...any) error }
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
	likeFrom := `tb_desk_tickets t WHERE t.num < ?1 AND (?5 = '' OR title LIKE '%' || ?5 || '%' ESCAPE '\')`
	if utf8.RuneCountInString(f.Text) < 3 {
		return s.deskPage(ctx, likeFrom, `t.num`, likeEscape(f.Text), before, f.Limit, f)
	}
	// Text of three characters or more goes through the trigram index,
	// newest first, so a page stops after Limit matches; shorter text has
	// no trigram and is matched by LIKE. The newest tickets wait outside
	// the index (titleTail) and are matched by LIKE first: they are newer
	// than every indexed one.
	out, err := s.deskPage(ctx, likeFrom+` AND t.num > (SELECT through FROM tb_desk_titles_mark)`, `t.num`,
		likeEscape(f.Text), before, f.Limit, f)
	if err != nil || len(out) == f.Limit {
		return out, err
	}
	rest, err := s.deskPage(ctx, `tb_desk_titles f JOIN tb_desk_tickets t ON t.num = f.rowid WHERE f.words MATCH ?5 AND f.rowid < ?1`,
		`f.rowid`, `"`+strings.ReplaceAll(f.Text, `"`, `""`)+`"`, before, f.Limit-len(out), f)
	return append(out, rest...), err
}

// deskPage lists up to limit desk tickets of from, by order descending,
// that pass f's filters other than the text, which is bound as ?5.
func (s *Store) deskPage(ctx context.Context, from, order, text string, before int64, limit int, f store.DeskFilter) ([]store.DeskListing, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deskCols+`, assignee FROM `+from+`
		AND (?2 = '' OR status = ?2) AND (?3 = '' OR priority = ?3) AND (?4 = '' OR assignee = ?4)
		AND (?6 = '' OR EXISTS (SELECT 1 FROM tb_links l WHERE l.ticket_key = 'LOCAL-' || t.num
			AND substr(l.conv_key, 1, length(?6) + 1) = ?6 || '/'))
		ORDER BY `+order+` DESC LIMIT ?7`, before, f.Status, f.Priority, f.Assignee, text, f.Source, limit)
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
	l.DeskTicket, err = s.scanDesk(withAssignee{s.db.QueryRowContext(ctx, `SELECT `+deskCols+`, assignee
		FROM tb_desk_tickets WHERE num = ?`, num), &l.Assignee})
	if errors.Is(err, sql.ErrNoRows) {
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
	res, err := s.db.ExecContext(ctx, `UPDATE tb_desk_tickets SET priority = ?, assignee = ?, updated_at = ?
		WHERE num = ?`, priority, assignee, nanos(now()), num)
	if err != nil {
		return fmt.Errorf("update %q: %w", key, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update %q: %w", key, store.ErrNotFound)
	}
	return nil
}

// likeEscape makes s match itself in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
