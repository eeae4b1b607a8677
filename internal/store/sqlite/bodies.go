package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/crypt"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// bodyColumn is one sealed column; raw columns are BLOBs.
type bodyColumn struct {
	table, column string
	blob          bool
}

var bodyColumns = []bodyColumn{
	{"tb_events", "body_text", false},
	{"tb_events", "body_raw", true},
	{"tb_desk_tickets", "description", false},
	{"tb_desk_comments", "body", false},
	{"tb_dry_runs", "draft", false},
	{"tb_chat_inbox", "text", false},
}

// text is the column as TEXT (ciphertexts are ASCII in either type).
func (c bodyColumn) text() string {
	if c.blob {
		return "CAST(" + c.column + " AS TEXT)"
	}
	return c.column
}

// BodiesByKey counts non-empty body values per key id; store.PlainKey
// counts plaintext.
func (s *Store) BodiesByKey(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, c := range bodyColumns {
		v := c.text()
		// The key id is what lies between "tb1:" and the next colon.
		rows, err := s.db.QueryContext(ctx, `SELECT CASE WHEN substr(`+v+`, 1, 4) = 'tb1:'
			THEN substr(`+v+`, 1, 4 + instr(substr(`+v+`, 5), ':')) ELSE '' END AS k, count(*)
			FROM `+c.table+` WHERE `+c.column+` IS NOT NULL AND length(`+c.column+`) > 0 GROUP BY k`)
		if err != nil {
			return nil, fmt.Errorf("bodies by key: %w", err)
		}
		for rows.Next() {
			var (
				prefix string
				n      int
			)
			if err := rows.Scan(&prefix, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("bodies by key: %w", err)
			}
			id, ok := crypt.KeyOf([]byte(prefix + "x"))
			if !ok {
				id = store.PlainKey
			}
			out[id] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("bodies by key: %w", err)
		}
	}
	return out, nil
}

// CheckKeys fails when stored bodies need a key the ring lacks.
func (s *Store) CheckKeys(ctx context.Context) error {
	counts, err := s.BodiesByKey(ctx)
	if err != nil {
		return err
	}
	return store.CheckKeys(counts, s.cipher)
}

// errNoCipher is BodiesRekey on a store without keys.
var errNoCipher = errors.New("rekey: no encryption keys configured")

// BodiesRekey re-seals up to batch rows under the active key, table by
// table. A cursor per table keeps each call from rescanning rows already
// done; once every table is through, the cursors start over.
func (s *Store) BodiesRekey(ctx context.Context, batch int) (int, error) {
	if s.cipher == nil {
		return 0, errNoCipher
	}
	if batch <= 0 {
		batch = 500
	}
	s.rekeyMu.Lock()
	defer s.rekeyMu.Unlock()
	if s.rekeyFrom == nil {
		s.rekeyFrom = map[string]int64{}
	}
	prefix := crypt.Prefix + s.cipher.Active() + ":"
	for _, t := range rekeyTables {
		var done int
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			done, err = t.rekey(ctx, s, tx, prefix, batch)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("rekey %s: %w", t.table, err)
		}
		if done > 0 {
			return done, nil
		}
	}
	clear(s.rekeyFrom)
	return 0, nil
}

// rekeyTable re-seals the rows of one table after the cursor.
type rekeyTable struct {
	table string
	rekey func(ctx context.Context, s *Store, tx *sql.Tx, prefix string, batch int) (int, error)
}

var rekeyTables = []rekeyTable{
	{"tb_events", rekeyEvents},
	{"tb_desk_tickets", oneColumn("tb_desk_tickets", "num", "description", store.ADDesk)},
	{"tb_desk_comments", oneColumn("tb_desk_comments", "id", "body", store.ADComment)},
	{"tb_dry_runs", oneColumn("tb_dry_runs", "id", "draft", store.ADDryRun)},
	{"tb_chat_inbox", oneColumn("tb_chat_inbox", "id", "text", store.ADInbox)},
}

// stale is the SQL test for a non-empty value not under the active key.
func stale(v string) string {
	return `(` + v + ` IS NOT NULL AND length(` + v + `) > 0 AND substr(` + v + `, 1, length(?1)) <> ?1)`
}

// reseal opens a value (plaintext passes) and seals it for ad.
func (s *Store) reseal(v []byte, ad []byte) ([]byte, error) {
	if len(v) == 0 {
		return v, nil
	}
	plain, _, err := s.cipher.OpenOrPlain(v, ad)
	if err != nil {
		return nil, err
	}
	return s.cipher.Seal(plain, ad), nil
}

func rekeyEvents(ctx context.Context, s *Store, tx *sql.Tx, prefix string, batch int) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, source, event_id, body_text, body_raw FROM tb_events
		WHERE id > ?2 AND (`+stale("body_text")+` OR `+stale("CAST(body_raw AS TEXT)")+`)
		ORDER BY id LIMIT ?3`, prefix, s.rekeyFrom["tb_events"], batch)
	if err != nil {
		return 0, err
	}
	type row struct {
		id            int64
		source, event string
		text          sql.NullString
		raw           []byte
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.source, &r.event, &r.text, &r.raw); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range todo {
		text, err := s.reseal([]byte(r.text.String), store.ADEventText(r.source, r.event))
		if err != nil {
			return 0, fmt.Errorf("event %d text: %w", r.id, err)
		}
		raw, err := s.reseal(r.raw, store.ADEventRaw(r.source, r.event))
		if err != nil {
			return 0, fmt.Errorf("event %d raw: %w", r.id, err)
		}
		var textArg, rawArg any
		if r.text.Valid {
			textArg = string(text)
		}
		if len(raw) > 0 {
			rawArg = raw
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tb_events SET body_text = ?, body_raw = ? WHERE id = ?`,
			textArg, rawArg, r.id); err != nil {
			return 0, err
		}
		s.rekeyFrom["tb_events"] = r.id
	}
	return len(todo), nil
}

// oneColumn re-seals one TEXT column bound to the row's integer id.
func oneColumn(table, idCol, col string, ad func(int64) []byte) func(context.Context, *Store, *sql.Tx, string, int) (int, error) {
	return func(ctx context.Context, s *Store, tx *sql.Tx, prefix string, batch int) (int, error) {
		rows, err := tx.QueryContext(ctx, `SELECT `+idCol+`, `+col+` FROM `+table+`
			WHERE `+idCol+` > ?2 AND `+stale(col)+` ORDER BY `+idCol+` LIMIT ?3`, prefix, s.rekeyFrom[table], batch)
		if err != nil {
			return 0, err
		}
		type row struct {
			id int64
			v  string
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.v); err != nil {
				rows.Close()
				return 0, err
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		for _, r := range todo {
			v, err := s.reseal([]byte(r.v), ad(r.id))
			if err != nil {
				return 0, fmt.Errorf("row %d: %w", r.id, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+col+` = ? WHERE `+idCol+` = ?`, string(v), r.id); err != nil {
				return 0, err
			}
			s.rekeyFrom[table] = r.id
		}
		return len(todo), nil
	}
}
