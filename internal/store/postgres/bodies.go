package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/crypt"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// bodyColumn is one sealed column and an expression giving it as text:
// ciphertexts are ASCII, stored raw in bytea and as a JSON string in jsonb.
type bodyColumn struct {
	table, column, text string
}

var bodyColumns = []bodyColumn{
	{"tb_events", "body_text", "body_text"},
	{"tb_events", "body_raw", "encode(substring(body_raw from 1 for 80), 'escape')"},
	{"tb_desk_tickets", "description", "description"},
	{"tb_desk_comments", "body", "body"},
	{"tb_dry_runs", "draft", "(draft #>> '{}')"},
	{"tb_chat_inbox", "text", "text"},
}

// BodiesByKey counts non-empty body values per key id; store.PlainKey
// counts plaintext.
func (s *Store) BodiesByKey(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, c := range bodyColumns {
		rows, err := s.pool.Query(ctx, `SELECT CASE WHEN left(`+c.text+`, 4) = 'tb1:'
			THEN split_part(`+c.text+`, ':', 2) ELSE '' END AS k, count(*)
			FROM `+c.table+` WHERE `+c.column+` IS NOT NULL AND length(`+c.text+`) > 0 GROUP BY k`)
		if err != nil {
			return nil, fmt.Errorf("bodies by key: %w", err)
		}
		for rows.Next() {
			var (
				id string
				n  int
			)
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("bodies by key: %w", err)
			}
			if _, ok := crypt.KeyOf([]byte(crypt.Prefix + id + ":x")); !ok {
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

var errNoCipher = errors.New("rekey: no encryption keys configured")

// BodiesRekey re-seals up to batch rows under the active key, table by
// table, with the rows locked. A cursor per table keeps each call from
// rescanning rows already done; once every table is through, the cursors
// start over.
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
		err := s.inTx(ctx, func(tx pgx.Tx) error {
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

type rekeyTable struct {
	table string
	rekey func(ctx context.Context, s *Store, tx pgx.Tx, prefix string, batch int) (int, error)
}

var rekeyTables = []rekeyTable{
	{"tb_events", rekeyEvents},
	{"tb_desk_tickets", oneColumn("tb_desk_tickets", "num", "description", store.ADDesk)},
	{"tb_desk_comments", oneColumn("tb_desk_comments", "id", "body", store.ADComment)},
	{"tb_dry_runs", rekeyDrafts},
	{"tb_chat_inbox", oneColumn("tb_chat_inbox", "id", "text", store.ADInbox)},
}

// stale is the SQL test for a non-empty value not under the active key
// ($1 is the active key's prefix).
func stale(v string) string {
	return `(` + v + ` IS NOT NULL AND length(` + v + `) > 0 AND left(` + v + `, length($1)) <> $1)`
}

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

func rekeyEvents(ctx context.Context, s *Store, tx pgx.Tx, prefix string, batch int) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, source, event_id, body_text, body_raw FROM tb_events
		WHERE id > $2 AND (`+stale("body_text")+` OR `+stale(bodyColumns[1].text)+`)
		ORDER BY id LIMIT $3 FOR UPDATE`, prefix, s.rekeyFrom["tb_events"], batch)
	if err != nil {
		return 0, err
	}
	type row struct {
		id            int64
		source, event string
		text          *string
		raw           []byte
	}
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.source, &x.event, &x.text, &x.raw)
		return x, err
	})
	if err != nil {
		return 0, err
	}
	for _, r := range todo {
		var text *string
		if r.text != nil {
			t, err := s.reseal([]byte(*r.text), store.ADEventText(r.source, r.event))
			if err != nil {
				return 0, fmt.Errorf("event %d text: %w", r.id, err)
			}
			ts := string(t)
			text = &ts
		}
		raw, err := s.reseal(r.raw, store.ADEventRaw(r.source, r.event))
		if err != nil {
			return 0, fmt.Errorf("event %d raw: %w", r.id, err)
		}
		if len(raw) == 0 {
			raw = nil
		}
		if _, err := tx.Exec(ctx, `UPDATE tb_events SET body_text = $1, body_raw = $2 WHERE id = $3`,
			text, raw, r.id); err != nil {
			return 0, err
		}
		s.rekeyFrom["tb_events"] = r.id
	}
	return len(todo), nil
}

type idValue struct {
	id int64
	v  []byte
}

// selectStale locks and returns up to batch rows whose column is stale.
func selectStale(ctx context.Context, s *Store, tx pgx.Tx, table, idCol, col, text, prefix string, batch int) ([]idValue, error) {
	rows, err := tx.Query(ctx, `SELECT `+idCol+`, `+col+` FROM `+table+`
		WHERE `+idCol+` > $2 AND `+stale(text)+` ORDER BY `+idCol+` LIMIT $3 FOR UPDATE`,
		prefix, s.rekeyFrom[table], batch)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (idValue, error) {
		var x idValue
		err := r.Scan(&x.id, &x.v)
		return x, err
	})
}

// oneColumn re-seals one text column bound to the row's integer id.
func oneColumn(table, idCol, col string, ad func(int64) []byte) func(context.Context, *Store, pgx.Tx, string, int) (int, error) {
	return func(ctx context.Context, s *Store, tx pgx.Tx, prefix string, batch int) (int, error) {
		todo, err := selectStale(ctx, s, tx, table, idCol, col, col, prefix, batch)
		if err != nil {
			return 0, err
		}
		for _, r := range todo {
			v, err := s.reseal(r.v, ad(r.id))
			if err != nil {
				return 0, fmt.Errorf("row %d: %w", r.id, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET `+col+` = $1 WHERE `+idCol+` = $2`, string(v), r.id); err != nil {
				return 0, err
			}
			s.rekeyFrom[table] = r.id
		}
		return len(todo), nil
	}
}

// rekeyDrafts re-seals dry-run drafts, kept in jsonb.
func rekeyDrafts(ctx context.Context, s *Store, tx pgx.Tx, prefix string, batch int) (int, error) {
	todo, err := selectStale(ctx, s, tx, "tb_dry_runs", "id", "draft", bodyColumns[4].text, prefix, batch)
	if err != nil {
		return 0, err
	}
	for _, r := range todo {
		plain, err := s.openDraft(r.v, r.id)
		if err != nil {
			return 0, fmt.Errorf("dry run %d: %w", r.id, err)
		}
		sealed, err := s.sealDraft(plain, r.id)
		if err != nil {
			return 0, fmt.Errorf("dry run %d: %w", r.id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE tb_dry_runs SET draft = $1 WHERE id = $2`, sealed, r.id); err != nil {
			return 0, err
		}
		s.rekeyFrom["tb_dry_runs"] = r.id
	}
	return len(todo), nil
}
