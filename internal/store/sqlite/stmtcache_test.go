package sqlite

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// The kept statements must behave exactly like fresh ones: the same text
// with other arguments, the same text again while its rows are still open,
// a schema change under a kept statement, and a failed statement that is
// not kept broken.
func TestKeptStatements(t *testing.T) {
	ctx := context.Background()
	db, err := openCached("file:"+filepath.Join(t.TempDir(), "kept.db")+"?_pragma=journal_mode(WAL)", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
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
