package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The kept statements must behave exactly like fresh ones: the same text
// with other arguments, the same text again while its rows are still open,
// a schema change under a kept statement, and a failed statement that is
// not kept broken.
func TestKeptStatements(t *testing.T) {
	ctx := context.Background()
	db := openKeeping(t)
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)`)
	for i, v := range []string{"a", "b", "c"} {
		mustExec(`INSERT INTO t (id, v) VALUES (?, ?)`, i+1, v)
	}

	const one = `SELECT v FROM t WHERE id = ?`
	for id, want := range map[int]string{1: "a", 2: "b", 3: "c"} {
		var got string
		if err := db.QueryRowContext(ctx, one, id).Scan(&got); err != nil || got != want {
			t.Fatalf("id %d: got %q, %v; want %q", id, got, err, want)
		}
	}

	// The same text while its rows are open (in one transaction, so on
	// one connection): a statement of its own.
	const all = `SELECT id FROM t ORDER BY id`
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := tx.QueryContext(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	var pairs int
	for outer.Next() {
		inner, err := tx.QueryContext(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			pairs++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if pairs != 9 {
		t.Fatalf("nested runs of one statement saw %d pairs, want 9", pairs)
	}

	// A failing run (the UNIQUE constraint) is reported, and the next run
	// of the same text works.
	const ins = `INSERT INTO t (id, v) VALUES (?, ?)`
	if _, err := db.ExecContext(ctx, ins, 10, "a"); err == nil {
		t.Fatal("duplicate value accepted")
	}
	mustExec(ins, 10, "z")

	// A schema change under a kept statement.
	mustExec(`ALTER TABLE t ADD COLUMN w TEXT DEFAULT 'x'`)
	var got string
	if err := db.QueryRowContext(ctx, one, 10).Scan(&got); err != nil || got != "z" {
		t.Fatalf("after ALTER: got %q, %v", got, err)
	}

	// Past the bound the cache starts again; every statement still runs.
	for i := range stmtCacheSize + 10 {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) + `+strconv.Itoa(i)+` FROM t`).Scan(&n); err != nil || n != 4+i {
			t.Fatalf("statement %d: %d, %v", i, n, err)
		}
	}
}

// River's fetch is kept once per LIMIT value, so that a LIMIT that changes
// from one fetch to the next does not make SQLite compile it again; every
// other statement is kept once per text.
func TestPlanKey(t *testing.T) {
	fetch := riverFetch + "\nSELECT 1 LIMIT ?5"
	args := func(limit any) []driver.NamedValue {
		return []driver.NamedValue{{Ordinal: 1, Value: "now"}, {Ordinal: 2, Value: "default"}, {Ordinal: 3, Value: false},
			{Ordinal: 4, Value: []byte("[]")}, {Ordinal: riverFetchLimit, Value: limit}}
	}
	cases := []struct {
		name, query string
		args        []driver.NamedValue
		want        string
	}{
		{"another statement", "SELECT v FROM t LIMIT ?5", args(int64(3)), "SELECT v FROM t LIMIT ?5"},
		{"the fetch", fetch, args(int64(3)), fetch + "\x003"},
		{"the fetch, another limit", fetch, args(int64(10)), fetch + "\x0010"},
		{"the fetch without its limit", fetch, args(int64(3))[:4], fetch},
	}
	for _, tc := range cases {
		if got := planKey(tc.query, tc.args); got != tc.want {
			t.Errorf("%s: key %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Fetches with alternating limits each get their rows and leave one kept
// statement per limit.
func TestFetchKeptPerLimit(t *testing.T) {
	ctx := context.Background()
	db := openKeeping(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE j (id INTEGER PRIMARY KEY); INSERT INTO j VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	fetch := riverFetch + "\nSELECT id FROM j WHERE id >= ?1 AND ?2 = ?2 AND ?3 = ?3 AND ?4 = ?4 ORDER BY id LIMIT ?5"
	for _, limit := range []int64{1, 2, 1, 2, 3} {
		rows, err := db.QueryContext(ctx, fetch, 1, "q", false, "[]", limit)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for rows.Next() {
			n++
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if n != limit {
			t.Fatalf("limit %d: %d rows", limit, n)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var kept int
	if err := conn.Raw(func(dc any) error {
		for key := range dc.(*cachingConn).stmts {
			if strings.HasPrefix(key, riverFetch) {
				kept++
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if kept != 3 {
		t.Fatalf("kept %d fetch statements, want one per limit (3)", kept)
	}
}

// openKeeping opens a fresh database behind one statement-keeping
// connection.
func openKeeping(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openCached("file:"+filepath.Join(t.TempDir(), "kept.db")+"?_pragma=journal_mode(WAL)", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	return db
}
