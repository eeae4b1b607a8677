package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const eventCols = `id, source, event_id, kind, conv_source, conv_id, conv_thread,
	sender, at, command, action, attachments, meta, body_text, body_raw, stored_at`

// IngestBatch stores the new events and the jobs for them in one
// transaction. jobsFor runs inside that transaction and must not use the
// store (SQLite has one connection, which the transaction holds).
func (s *Store) IngestBatch(ctx context.Context, events []core.Event, jobsFor func(ids []int64, _ []int) store.Jobs) ([]bool, error) {
	return s.ingest(ctx, events, func(ctx context.Context, tx *sql.Tx, fresh []core.StoredEvent, ids []int64, index []int) error {
		if jobsFor == nil {
			return nil
		}
		return s.insertJobs(ctx, tx, jobsFor(ids, index))
	})
}

// IngestDecide stores the new events and applies what decide makes of
// them in one transaction.
func (s *Store) IngestDecide(ctx context.Context, events []core.Event, decide store.Decide) ([]bool, error) {
	return s.ingest(ctx, events, func(ctx context.Context, tx *sql.Tx, fresh []core.StoredEvent, _ []int64, _ []int) error {
		return store.ApplyDecisions(ctx, changeTx{s: s, tx: tx}, fresh, decide)
	})
}

// ingest inserts the new events and calls then with them inside the
// transaction; then is not called when none is new.
func (s *Store) ingest(ctx context.Context, events []core.Event, then func(ctx context.Context, tx *sql.Tx, fresh []core.StoredEvent, ids []int64, index []int) error) ([]bool, error) {
	accepted := make([]bool, len(events))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		clear(accepted)
		stored := nanos(now())
		ins := eventInserter{tx: tx, stored: stored, accepted: accepted}
		for off := 0; off < len(events); {
			n := insertChunk(len(events) - off)
			if err := ins.insert(ctx, s, events, off, n); err != nil {
				return err
			}
			off += n
		}
		if len(ins.found) == 0 {
			return nil
		}
		// A chunk read back gives its rows in id order, largest first: the
		// batch's order is the events' order, which is the ids' order.
		slices.SortFunc(ins.found, func(a, b insertedRow) int { return cmp.Compare(a.index, b.index) })
		ids := make([]int64, len(ins.found))
		index := make([]int, len(ins.found))
		fresh := make([]core.StoredEvent, len(ins.found))
		for j, r := range ins.found {
			ids[j], index[j] = r.id, r.index
			fresh[j] = core.StoredEvent{ID: r.id, Event: events[r.index], StoredAt: fromNanos(stored)}
		}
		return then(ctx, tx, fresh, ids, index)
	})
	if err != nil {
		return nil, err
	}
	return accepted, nil
}

// Events are inserted a chunk of rows per statement: one statement per
// event cost more in database/sql and the driver than in SQLite itself.
// Chunk sizes are few and fixed, so the kept statements (stmtcache.go)
// stay few.
var insertChunks = [...]int{64, 16, 4, 1}

// insertChunk is the largest chunk size that fits in left events.
func insertChunk(left int) int {
	for _, n := range insertChunks {
		if left >= n {
			return n
		}
	}
	return 1
}

const eventColumns = 16

// insertEventsSQL skips an event already stored with OR IGNORE rather than
// ON CONFLICT (source, event_id) DO NOTHING. A multi-row statement that
// may abort halfway (on a NOT NULL column, under the upsert clause) runs
// in a statement transaction, which copies every page it first touches
// into a statement journal; with OR IGNORE nothing can abort, and that
// copying, about a tenth of the insert's work, is gone. What else OR
// IGNORE would skip cannot occur: every NOT NULL column gets a value from
// eventRows (or, in insertPlainSQL, its default), and tb_events has no
// CHECK constraint.
var insertEventsSQL = func() map[int]string {
	m := map[int]string{}
	for _, n := range insertChunks {
		var b strings.Builder
		b.WriteString(`INSERT OR IGNORE INTO tb_events (source, event_id, kind, conv_key,
			conv_source, conv_id, conv_thread, sender, at, command, action, attachments, meta,
			body_text, body_raw, stored_at) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?" + strings.Repeat(", ?", eventColumns-1) + ")")
		}
		m[n] = b.String()
	}
	return m
}()

// insertPlainSQL is the insert of a chunk of plain rows (plainChunk): the
// columns every row of the chunk shares are bound once as ?1–?4, and the
// ones a plain row leaves empty take their defaults. Binding a text
// parameter copies it into SQLite's memory under the connection's mutex;
// a chatter event bound 16 values, and binds 7 this way.
var insertPlainSQL = func() map[int]string {
	m := map[int]string{}
	for _, n := range insertChunks {
		var b strings.Builder
		b.WriteString(`INSERT OR IGNORE INTO tb_events (source, kind, conv_source, stored_at,
			event_id, conv_key, conv_id, sender, at, body_text, body_raw) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?1, ?2, ?3, ?4" + strings.Repeat(", ?", plainRowColumns) + ")")
		}
		m[n] = b.String()
	}
	return m
}()

// plainRowColumns is the number of values a plain row binds on its own.
const plainRowColumns = 7

// plainChunk tells whether every event of a chunk is plain and shares its
// source, kind and conversation source: no thread, command, action,
// attachment or meta, which is what chatter is.
func plainChunk(events []core.Event) bool {
	first := events[0]
	for _, e := range events {
		if e.Source != first.Source || e.Kind != first.Kind || e.Conversation.Source != first.Conversation.Source ||
			e.Conversation.Thread != "" || e.Command != "" || e.Action != "" || len(e.Attachments) > 0 || len(e.Meta) > 0 {
			return false
		}
	}
	return true
}

type insertedRow struct {
	id    int64
	index int
}

type eventInserter struct {
	tx       *sql.Tx
	stored   int64
	accepted []bool
	found    []insertedRow
}

// insert stores events[off:off+n] in one statement and records which
// were new. A row the statement skipped is a duplicate, in the database or
// earlier in the batch; of two equal events in one chunk the first is the
// one stored.
//
// The statement has no RETURNING: reading a row back per event cost more
// than the insert's B-tree work. The rows one statement inserts take
// consecutive ids in the order of its VALUES (one writer, AUTOINCREMENT),
// so when every row was new the ids follow from the last one; only a
// chunk with a duplicate reads its new rows back.
func (ins *eventInserter) insert(ctx context.Context, s *Store, events []core.Event, off, n int) error {
	rows := eventRows{s: s, events: events[off : off+n], stored: ins.stored}
	query := insertEventsSQL[n]
	if plainChunk(rows.events) {
		query, rows.plain = insertPlainSQL[n], true
	}
	res, err := ins.tx.ExecContext(ctx, query, rows)
	if err != nil {
		return fmt.Errorf("ingest %d events: %w", n, err)
	}
	added, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("ingest %d events: %w", n, err)
	}
	if added == 0 {
		return nil
	}
	last, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("ingest %d events: %w", n, err)
	}
	if int(added) == n {
		first := last - added + 1
		for i := range n {
			ins.accepted[off+i] = true
			ins.found = append(ins.found, insertedRow{id: first + int64(i), index: off + i})
		}
		return nil
	}
	return ins.readBack(ctx, events, off, n, added)
}

// readBack finds which of a chunk's events its statement inserted, when
// some were duplicates. Skipped rows may still use up an id, so the new
// rows' ids need not be consecutive; but they are greater than the id of
// any row that was there before the statement, so the added largest ids
// among the chunk's events are the new ones.
func (ins *eventInserter) readBack(ctx context.Context, events []core.Event, off, n int, added int64) error {
	var stored []insertedRow
	for i := off; i < off+n; i++ {
		e := events[i]
		if slices.ContainsFunc(events[off:i], func(p core.Event) bool { return p.Source == e.Source && p.EventID == e.EventID }) {
			continue // a repeat in the chunk: the first one is the stored one
		}
		var id int64
		err := ins.tx.QueryRowContext(ctx, `SELECT id FROM tb_events WHERE source = ? AND event_id = ?`, e.Source, e.EventID).Scan(&id)
		if err != nil {
			return fmt.Errorf("ingest %d events: read back %s/%s: %w", n, e.Source, e.EventID, err)
		}
		stored = append(stored, insertedRow{id: id, index: i})
	}
	if int64(len(stored)) < added {
		return fmt.Errorf("ingest %d events: %d inserted but %d distinct", n, added, len(stored))
	}
	slices.SortFunc(stored, func(a, b insertedRow) int { return cmp.Compare(b.id, a.id) })
	for _, r := range stored[:added] {
		ins.accepted[r.index] = true
		ins.found = append(ins.found, r)
	}
	return nil
}

// ConversationsState reads the conversations through the transaction.
func (c changeTx) ConversationsState(ctx context.Context, convKeys []string) (map[string]store.ConversationState, error) {
	return c.s.conversationsState(ctx, c.tx, convKeys)
}

// ConversationEvents reads a conversation's events through the transaction.
func (c changeTx) ConversationEvents(ctx context.Context, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error) {
	return c.s.conversationEvents(ctx, c.tx, convKey, afterID, throughID, limit)
}

// querier is a pool or an open transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eventRows is the parameters of a multi-row event insert as one
// argument, which the connection expands (rowArgs, stmtcache.go): passed
// as separate values, database/sql copied and converted each of the
// sixteen per event.
type eventRows struct {
	s      *Store
	events []core.Event
	stored int64
	plain  bool // the statement is insertPlainSQL's
}

func (r eventRows) appendArgs(dst []driver.NamedValue) ([]driver.NamedValue, error) {
	if r.plain {
		return r.appendPlainArgs(dst)
	}
	// Putting a string or a large integer in an interface allocates; the
	// values most rows of a batch share (source, kind, the stored time)
	// are put in once and reused.
	var shared boxes
	stored := driver.Value(r.stored)
	for _, e := range r.events {
		sender, err := senderText(e.Sender)
		if err != nil {
			return nil, fmt.Errorf("ingest event %q: %w", e.EventID, err)
		}
		atts, err := jsonText(e.Attachments, len(e.Attachments) == 0)
		if err != nil {
			return nil, fmt.Errorf("ingest event %q: %w", e.EventID, err)
		}
		meta, err := jsonText(e.Meta, len(e.Meta) == 0)
		if err != nil {
			return nil, fmt.Errorf("ingest event %q: %w", e.EventID, err)
		}
		text, raw := r.s.sealBody(e)
		c := e.Conversation
		for _, v := range [eventColumns]driver.Value{shared.of(e.Source), e.EventID, shared.of(string(e.Kind)), c.Key(), shared.of(c.Source),
			c.Conversation, c.Thread, sender, nanos(e.Time), e.Command, e.Action, atts, meta, text, raw, stored} {
			dst = append(dst, driver.NamedValue{Ordinal: len(dst) + 1, Value: v})
		}
	}
	return dst, nil
}

// appendPlainArgs binds a plain chunk: the shared values first, then
// each row's own.
func (r eventRows) appendPlainArgs(dst []driver.NamedValue) ([]driver.NamedValue, error) {
	first := r.events[0]
	for _, v := range [...]driver.Value{first.Source, string(first.Kind), first.Conversation.Source, r.stored} {
		dst = append(dst, driver.NamedValue{Ordinal: len(dst) + 1, Value: v})
	}
	for _, e := range r.events {
		sender, err := senderText(e.Sender)
		if err != nil {
			return nil, fmt.Errorf("ingest event %q: %w", e.EventID, err)
		}
		text, raw := r.s.sealBody(e)
		c := e.Conversation
		for _, v := range [plainRowColumns]driver.Value{e.EventID, c.Key(), c.Conversation, sender, nanos(e.Time), text, raw} {
			dst = append(dst, driver.NamedValue{Ordinal: len(dst) + 1, Value: v})
		}
	}
	return dst, nil
}

// boxes keeps the last few strings put in an interface, for reuse.
type boxes [4]struct {
	s string
	v driver.Value
}

func (b *boxes) of(s string) driver.Value {
	for i := range b {
		if b[i].v != nil && b[i].s == s {
			return b[i].v
		}
	}
	copy(b[1:], b[:len(b)-1])
	b[0].s, b[0].v = s, s
	return b[0].v
}

// sealBody and openBody are the one place message content enters and leaves
// the body columns, so that encryption at rest can be added here alone.
func (s *Store) sealBody(e core.Event) (string, []byte) { return store.SealEvent(s.cipher, e) }

func (s *Store) openBody(source, eventID string, text sql.NullString, raw []byte) (string, []byte, error) {
	t, err := s.openString(text.String, store.ADEventText(source, eventID))
	if err != nil {
		return "", nil, fmt.Errorf("event %s/%s text: %w", source, eventID, err)
	}
	if len(raw) == 0 {
		return t, nil, nil
	}
	raw, err = s.open(raw, store.ADEventRaw(source, eventID))
	if err != nil {
		return "", nil, fmt.Errorf("event %s/%s raw: %w", source, eventID, err)
	}
	return t, raw, nil
}

func (s *Store) scanEvent(row interface{ Scan(...any) error }) (core.StoredEvent, error) {
	var (
		e                  core.StoredEvent
		kind               string
		sender, atts, meta *string
		at                 int64
		text               sql.NullString
		raw                []byte
		stored             int64
	)
	err := row.Scan(&e.ID, &e.Source, &e.EventID, &kind, &e.Conversation.Source, &e.Conversation.Conversation,
		&e.Conversation.Thread, &sender, &at, &e.Command, &e.Action, &atts, &meta, &text, &raw, &stored)
	if err != nil {
		return e, err
	}
	e.Kind = core.EventKind(kind)
	e.StoredAt = fromNanos(stored)
	e.Time = fromNanos(at)
	if e.Text, e.Raw, err = s.openBody(e.Source, e.EventID, text, raw); err != nil {
		return e, err
	}
	if err := fromJSON(sender, &e.Sender); err != nil {
		return e, err
	}
	if err := fromJSON(atts, &e.Attachments); err != nil {
		return e, err
	}
	if err := fromJSON(meta, &e.Meta); err != nil {
		return e, err
	}
	return e, nil
}

func (s *Store) queryEvents(ctx context.Context, query string, args ...any) ([]core.StoredEvent, error) {
	return s.queryEventsOn(ctx, s.rdb, query, args...)
}

func (s *Store) queryEventsOn(ctx context.Context, q querier, query string, args ...any) ([]core.StoredEvent, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.StoredEvent
	for rows.Next() {
		e, err := s.scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventsByID returns the events with these ids, ordered by id; unknown ids
// are left out.
func (s *Store) EventsByID(ctx context.Context, ids []int64) ([]core.StoredEvent, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := jsonList(ids)
	if err != nil {
		return nil, fmt.Errorf("events by id: %w", err)
	}
	out, err := s.queryEvents(ctx, `SELECT `+eventCols+` FROM tb_events WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, list)
	if err != nil {
		return nil, fmt.Errorf("events by id: %w", err)
	}
	return out, nil
}

// ConversationEvents returns the newest limit events with afterID < id <=
// throughID (0: no bound), oldest first. A limit <= 0 means no limit.
func (s *Store) ConversationEvents(ctx context.Context, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error) {
	return s.conversationEvents(ctx, s.rdb, convKey, afterID, throughID, limit)
}

func (s *Store) conversationEvents(ctx context.Context, q querier, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	out, err := s.queryEventsOn(ctx, q, `SELECT `+eventCols+` FROM tb_events
		WHERE conv_key = ? AND id > ? AND (? = 0 OR id <= ?)
		ORDER BY id DESC LIMIT ?`, convKey, afterID, throughID, throughID, limit)
	if err != nil {
		return nil, fmt.Errorf("conversation events: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// ConversationEventsAfter returns up to limit events of the conversation
// after afterID, oldest first.
func (s *Store) ConversationEventsAfter(ctx context.Context, convKey string, afterID int64, limit int) ([]core.StoredEvent, error) {
	out, err := s.queryEvents(ctx, `SELECT `+eventCols+` FROM tb_events
		WHERE conv_key = ? AND id > ? ORDER BY id LIMIT ?`, convKey, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("conversation events after %d: %w", afterID, err)
	}
	return out, nil
}
