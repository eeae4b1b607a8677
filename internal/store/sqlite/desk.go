package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// deskStatuses are the local desk's ticket statuses; new tickets are "new".
var deskStatuses = []string{"new", "open", "pending", "solved", "closed"}

const deskKeyPrefix = "LOCAL-"

const deskCols = `num, external_id, title, description, priority, requester, labels, custom,
	status, created_at, updated_at`

func deskKey(num int64) string { return deskKeyPrefix + strconv.FormatInt(num, 10) }

// deskNum parses a key; a malformed key names no ticket.
func deskNum(key string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(key, deskKeyPrefix), 10, 64)
	return n, err == nil && strings.HasPrefix(key, deskKeyPrefix) && n > 0
}

func (s *Store) scanDesk(row interface{ Scan(...any) error }) (store.DeskTicket, error) {
	var (
		t                 store.DeskTicket
		num, cr, up       int64
		ext               sql.NullString
		req, labels, cust *string
	)
	err := row.Scan(&num, &ext, &t.Title, &t.Description, &t.Priority, &req, &labels, &cust, &t.Status, &cr, &up)
	if err != nil {
		return t, err
	}
	t.Key, t.ExternalID = deskKey(num), ext.String
	if t.Description, err = s.openString(t.Description, store.ADDesk(num)); err != nil {
		return t, fmt.Errorf("description of %s: %w", t.Key, err)
	}
	t.CreatedAt, t.UpdatedAt = fromNanos(cr), fromNanos(up)
	for _, f := range []struct {
		s *string
		v any
	}{{req, &t.Requester}, {labels, &t.Labels}, {cust, &t.Custom}} {
		if err := fromJSON(f.s, f.v); err != nil {
			return t, err
		}
	}
	return t, nil
}

// DeskCreate makes a ticket in status "new" unless one with the draft's
// ExternalID exists. An empty ExternalID always makes a new ticket.
func (s *Store) DeskCreate(ctx context.Context, d core.TicketDraft) (store.DeskTicket, bool, error) {
	var (
		out  store.DeskTicket
		made bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		out, made, err = s.deskInsert(ctx, tx, d)
		return err
	})
	if err != nil {
		return store.DeskTicket{}, false, fmt.Errorf("create desk ticket: %w", err)
	}
	return out, made, nil
}

// DeskCreateLinked makes the ticket and records it on its link in one
// transaction.
func (s *Store) DeskCreateLinked(ctx context.Context, d core.TicketDraft, link func(store.DeskTicket, bool) (store.TicketLinking, error)) (store.DeskTicket, bool, error) {
	var (
		out  store.DeskTicket
		made bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			err  error
			jobs store.Jobs
		)
		if out, made, jobs, err = store.CreateDeskLinked(ctx, changeTx{s: s, tx: tx}, d, link); err != nil {
			return err
		}
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return store.DeskTicket{}, false, fmt.Errorf("create linked desk ticket: %w", err)
	}
	return out, made, nil
}

// deskInsert makes the ticket in tx unless one with the draft's external
// id exists, which it returns instead.
func (s *Store) deskInsert(ctx context.Context, tx *sql.Tx, d core.TicketDraft) (store.DeskTicket, bool, error) {
	req, err := jsonText(d.Requester, false)
	if err != nil {
		return store.DeskTicket{}, false, err
	}
	labels, err := jsonText(d.Labels, len(d.Labels) == 0)
	if err != nil {
		return store.DeskTicket{}, false, err
	}
	custom, err := jsonText(d.Custom, len(d.Custom) == 0)
	if err != nil {
		return store.DeskTicket{}, false, err
	}
	var ext any
	if d.ExternalID != "" {
		ext = d.ExternalID
	}
	at := nanos(now())
	out, err := s.scanDesk(tx.QueryRowContext(ctx, `INSERT INTO tb_desk_tickets (external_id, title,
		description, priority, requester, labels, custom, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (external_id) DO NOTHING
		RETURNING `+deskCols, ext, d.Title, s.plainOrEmpty(d.Description), d.Priority, req, labels, custom,
		deskStatuses[0], at, at))
	if err == nil {
		s.titles.made()
		return out, true, s.sealDesk(ctx, tx, &out, d.Description)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.DeskTicket{}, false, err
	}
	out, err = s.scanDesk(tx.QueryRowContext(ctx, `SELECT `+deskCols+` FROM tb_desk_tickets
		WHERE external_id = ?`, d.ExternalID))
	return out, false, err
}

func (s *Store) deskWhere(ctx context.Context, what, where string, arg any) (store.DeskTicket, error) {
	t, err := s.scanDesk(s.rdb.QueryRowContext(ctx, `SELECT `+deskCols+` FROM tb_desk_tickets WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("%s: %w", what, err)
	}
	return t, nil
}

// DeskFindByExternalID returns the ticket with this external id.
func (s *Store) DeskFindByExternalID(ctx context.Context, externalID string) (store.DeskTicket, error) {
	if externalID == "" {
		return store.DeskTicket{}, fmt.Errorf("find desk ticket: %w", store.ErrNotFound)
	}
	return s.deskWhere(ctx, "find desk ticket", `external_id = ?`, externalID)
}

// DeskGet returns the ticket with this key.
func (s *Store) DeskGet(ctx context.Context, key string) (store.DeskTicket, error) {
	num, ok := deskNum(key)
	if !ok {
		return store.DeskTicket{}, fmt.Errorf("get desk ticket %q: %w", key, store.ErrNotFound)
	}
	return s.deskWhere(ctx, "get desk ticket "+strconv.Quote(key), `num = ?`, num)
}

// DeskList returns tickets in key order, only those in status unless it is
// empty; limit <= 0 means all.
func (s *Store) DeskList(ctx context.Context, status string, limit int) ([]store.DeskTicket, error) {
	return s.DeskPage(ctx, status, "", limit)
}

// DeskPage lists tickets by key order after the ticket key after ("" for
// the first page); limit <= 0 means all.
func (s *Store) DeskPage(ctx context.Context, status, after string, limit int) ([]store.DeskTicket, error) {
	if limit <= 0 {
		limit = -1
	}
	num, _ := deskNum(after)
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+deskCols+` FROM tb_desk_tickets
		WHERE (? = '' OR status = ?) AND num > ? ORDER BY num LIMIT ?`, status, status, num, limit)
	if err != nil {
		return nil, fmt.Errorf("list desk tickets: %w", err)
	}
	defer rows.Close()
	out := []store.DeskTicket{}
	for rows.Next() {
		t, err := s.scanDesk(rows)
		if err != nil {
			return nil, fmt.Errorf("list desk tickets: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list desk tickets: %w", err)
	}
	return out, nil
}

// DeskComment adds a comment to a ticket, with the jobs that announce it.
func (s *Store) DeskComment(ctx context.Context, key string, c store.DeskComment, jobs store.Jobs) (store.DeskComment, error) {
	num, ok := deskNum(key)
	if !ok {
		return store.DeskComment{}, fmt.Errorf("comment on %q: %w", key, store.ErrNotFound)
	}
	if err := s.checkJobs(jobs); err != nil {
		return store.DeskComment{}, fmt.Errorf("comment on %q: %w", key, err)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	c.CreatedAt = c.CreatedAt.UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tb_desk_tickets SET updated_at = ? WHERE num = ?`,
			nanos(now()), num)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO tb_desk_comments (ticket_num, author, body, public, ours, created_at, effect_key)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, num, c.Author, s.plainOrEmpty(c.Body), boolInt(c.Public), boolInt(c.Ours),
			nanos(c.CreatedAt), c.Key).Scan(&c.ID)
		if err != nil {
			return err
		}
		if s.cipher != nil && c.Body != "" {
			// Sealed once the id that binds it is known.
			if _, err := tx.ExecContext(ctx, `UPDATE tb_desk_comments SET body = ? WHERE id = ?`,
				s.sealString(c.Body, store.ADComment(c.ID)), c.ID); err != nil {
				return err
			}
		}
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return store.DeskComment{}, fmt.Errorf("comment on %q: %w", key, err)
	}
	return c, nil
}

// DeskComments returns a ticket's comments in the order they were added.
func (s *Store) DeskComments(ctx context.Context, key string) ([]store.DeskComment, error) {
	num, ok := deskNum(key)
	if !ok {
		return nil, fmt.Errorf("comments of %q: %w", key, store.ErrNotFound)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM tb_desk_tickets WHERE num = ?`, num).Scan(&n); err != nil {
		return nil, fmt.Errorf("comments of %q: %w", key, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("comments of %q: %w", key, store.ErrNotFound)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, author, body, public, ours, created_at, effect_key
		FROM tb_desk_comments WHERE ticket_num = ? ORDER BY id`, num)
	if err != nil {
		return nil, fmt.Errorf("comments of %q: %w", key, err)
	}
	defer rows.Close()
	var out []store.DeskComment
	for rows.Next() {
		var (
			c  store.DeskComment
			cr int64
		)
		if err := rows.Scan(&c.ID, &c.Author, &c.Body, &c.Public, &c.Ours, &cr, &c.Key); err != nil {
			return nil, fmt.Errorf("comments of %q: %w", key, err)
		}
		c.CreatedAt = fromNanos(cr)
		if c.Body, err = s.openString(c.Body, store.ADComment(c.ID)); err != nil {
			return nil, fmt.Errorf("comments of %q: comment %d: %w", key, c.ID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("comments of %q: %w", key, err)
	}
	return out, nil
}

// DeskSetStatus changes a ticket's status and returns the previous one.
func (s *Store) DeskSetStatus(ctx context.Context, key, status string, jobs store.Jobs) (string, error) {
	if !slices.Contains(deskStatuses, status) {
		return "", fmt.Errorf("set status of %q: unknown status %q", key, status)
	}
	num, ok := deskNum(key)
	if !ok {
		return "", fmt.Errorf("set status of %q: %w", key, store.ErrNotFound)
	}
	if err := s.checkJobs(jobs); err != nil {
		return "", fmt.Errorf("set status of %q: %w", key, err)
	}
	var prev string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The transaction holds SQLite's write lock from BEGIN, so nothing
		// changes the status between this read and the update.
		err := tx.QueryRowContext(ctx, `SELECT status FROM tb_desk_tickets WHERE num = ?`, num).Scan(&prev)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tb_desk_tickets SET status = ?, updated_at = ? WHERE num = ?`,
			status, nanos(now()), num); err != nil {
			return err
		}
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return "", fmt.Errorf("set status of %q: %w", key, err)
	}
	return prev, nil
}

// plainOrEmpty is what a row is inserted with before its id is known:
// the value itself without a cipher, else nothing until sealDesk or the
// like writes the ciphertext bound to the new id.
func (s *Store) plainOrEmpty(v string) string {
	if s.cipher != nil {
		return ""
	}
	return v
}

// sealDesk writes a new ticket's sealed description, bound to its number.
func (s *Store) sealDesk(ctx context.Context, tx *sql.Tx, t *store.DeskTicket, description string) error {
	t.Description = description
	if s.cipher == nil || description == "" {
		return nil
	}
	num, _ := deskNum(t.Key)
	_, err := tx.ExecContext(ctx, `UPDATE tb_desk_tickets SET description = ? WHERE num = ?`,
		s.sealString(description, store.ADDesk(num)), num)
	return err
}
