package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
)

// The SQLite driver compiles every statement it is given as text anew, and
// River's driver, like our own queries, passes text: under load, compiling
// (sqlite3Prepare) took about 40 % of the CPU of the ticket path. The
// connections below keep each statement they compiled, keyed by its text,
// and run it again with new arguments; SQLite re-compiles a kept statement
// by itself when the schema changed under it.

// stmtCacheSize bounds the statements one connection keeps. The code base
// has a few hundred distinct statements; past the bound the cache is
// emptied and filled again, which costs only the compiling it saves.
const stmtCacheSize = 512

// openCached opens dsn with the registered "sqlite" driver behind
// connections that keep their compiled statements. A non-nil wal makes the
// connections sync acknowledged writes (durable.go).
func openCached(dsn string, wal *walSync) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	_ = probe.Close() // sql.Open connects nothing: there is nothing to leak
	return sql.OpenDB(cachingConnector{dsn: dsn, drv: drv, wal: wal}), nil
}

type cachingConnector struct {
	dsn string
	drv driver.Driver
	wal *walSync
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	if err := checkDriver(conn); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &cachingConn{conn: conn, stmts: map[string]*keptStmt{}, wal: c.wal}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// cachingConn is one driver connection and its kept statements. database/sql
// never uses a connection from two goroutines at once, but a statement's
// rows may still be open when the same text runs again (a query inside a
// loop over another's rows): such a run gets a statement of its own.
type cachingConn struct {
	conn  driver.Conn
	stmts map[string]*keptStmt
	wal   *walSync // nil: a read-only connection
	inTx  bool
	// args is kept for expanding rowArgs, whose statements bind hundreds
	// of parameters.
	args []driver.NamedValue
}

// rowArgs is a statement's parameters passed as one argument (a batch of
// rows): the connection expands it into a buffer it keeps, so that
// database/sql neither copies nor converts the values one by one. Only
// statements run with Exec expand it.
type rowArgs interface {
	appendArgs(dst []driver.NamedValue) ([]driver.NamedValue, error)
}

// CheckNamedValue lets rowArgs through database/sql unconverted; every
// other value gets database/sql's own conversion (ErrSkip).
func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if _, ok := nv.Value.(rowArgs); ok {
		return nil
	}
	return driver.ErrSkip
}

// syncs tells whether a statement run outside a transaction under ctx
// must reach the disk before it returns.
func (c *cachingConn) syncs(ctx context.Context) bool {
	return c.wal != nil && !c.inTx && mustSync(ctx)
}

type keptStmt struct {
	stmt driver.Stmt
	busy bool // its rows are open
}

var (
	_ driver.Conn               = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
	_ driver.NamedValueChecker  = (*cachingConn)(nil)
)

// kept returns the kept statement for query and args (under planKey),
// compiling it the first time, or nil when it is busy (the caller then runs
// query uncached).
func (c *cachingConn) kept(ctx context.Context, key, query string) (*keptStmt, error) {
	if k, ok := c.stmts[key]; ok {
		if k.busy {
			return nil, nil
		}
		return k, nil
	}
	if len(c.stmts) >= stmtCacheSize {
		c.forgetIdle()
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	k := &keptStmt{stmt: st}
	c.stmts[key] = k
	return k, nil
}

// riverFetch starts River's job fetch (JobGetAvailable), whose LIMIT is its
// fifth parameter.
const (
	riverFetch      = "-- name: JobGetAvailable"
	riverFetchLimit = 5
)

// planKey is the key a statement is kept under: its text and, for River's
// fetch, its LIMIT. SQLite's planner reads a bound LIMIT value and
// compiles the statement again whenever that value changes. River binds
// the number of free workers there, which differs from queue to queue and
// from one fetch to the next, so one shared compiled fetch was compiled
// anew on most fetches (16 % of the CPU at 200 tickets/s; 39 against
// 151 µs per fetch with a constant and an alternating LIMIT). One kept
// statement per LIMIT value (at most the largest queue's worker count)
// keeps every plan. Our own statements bind a LIMIT that is fixed per call
// site (a route's context size), so River's fetch is the one that needs it.
func planKey(query string, args []driver.NamedValue) string {
	if !strings.HasPrefix(query, riverFetch) {
		return query
	}
	for _, a := range args {
		if a.Ordinal == riverFetchLimit {
			return fmt.Sprint(query, "\x00", a.Value)
		}
	}
	return query
}

// forgetIdle closes every kept statement that is not running.
func (c *cachingConn) forgetIdle() {
	for q, k := range c.stmts {
		if !k.busy {
			_ = k.stmt.Close()
			delete(c.stmts, q)
		}
	}
}

// drop forgets a statement that failed, so a broken one is not kept.
func (c *cachingConn) drop(key string, k *keptStmt) {
	if c.stmts[key] == k {
		delete(c.stmts, key)
	}
	_ = k.stmt.Close()
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.exec(ctx, query, args)
	if err == nil && c.syncs(ctx) {
		err = c.wal.sync()
	}
	return res, err
}

func (c *cachingConn) exec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 1 {
		if ra, ok := args[0].Value.(rowArgs); ok {
			expanded, err := ra.appendArgs(c.args[:0])
			if err != nil {
				return nil, err
			}
			c.args = expanded
			defer clear(expanded) // keep no event alive until the next batch
			args = expanded
		}
	}
	key := planKey(query, args)
	k, err := c.kept(ctx, key, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	k.busy = true
	res, err := k.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	k.busy = false
	if err != nil {
		c.drop(key, k)
	}
	return res, err
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	var sync *walSync
	if c.syncs(ctx) {
		sync = c.wal // a write's RETURNING rows: synced once read
	}
	key := planKey(query, args)
	k, err := c.kept(ctx, key, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		rows, err := c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
		if err != nil || sync == nil {
			return rows, err
		}
		return &keptRows{Rows: rows, sync: sync}, nil
	}
	k.busy = true
	rows, err := k.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		k.busy = false
		c.drop(key, k)
		return nil, err
	}
	return &keptRows{Rows: rows, k: k, sync: sync}, nil
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) Close() error {
	for q, k := range c.stmts {
		_ = k.stmt.Close()
		delete(c.stmts, q)
	}
	return c.conn.Close()
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	t := &connTx{Tx: tx, c: c}
	if c.wal != nil && mustSync(ctx) {
		t.sync = c.wal
	}
	return t, nil
}

// connTx ends the connection's transaction, syncing an acknowledged one.
type connTx struct {
	driver.Tx
	c    *cachingConn
	sync *walSync
}

func (t *connTx) Commit() error {
	t.c.inTx = false
	if err := t.Tx.Commit(); err != nil {
		return err
	}
	if t.sync != nil {
		return t.sync.sync()
	}
	return nil
}

func (t *connTx) Rollback() error {
	t.c.inTx = false
	return t.Tx.Rollback()
}

func (c *cachingConn) Ping(ctx context.Context) error {
	return c.conn.(driver.Pinger).Ping(ctx)
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.conn.(driver.Validator).IsValid() }

// keptRows frees its statement for the next run when closed, and passes on
// the column type information the driver's rows carry.
type keptRows struct {
	driver.Rows
	k    *keptStmt // nil: an uncached statement
	sync *walSync  // non-nil: sync once closed
}

func (r *keptRows) Close() error {
	err := r.Rows.Close()
	if r.k != nil {
		r.k.busy = false
	}
	if err == nil && r.sync != nil {
		err = r.sync.sync()
	}
	return err
}

func (r *keptRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *keptRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *keptRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *keptRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *keptRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

// checkDriver fails early if the registered driver stops offering what the
// caching connection relies on.
func checkDriver(conn driver.Conn) error {
	for name, ok := range map[string]bool{
		"ExecerContext":      is[driver.ExecerContext](conn),
		"QueryerContext":     is[driver.QueryerContext](conn),
		"ConnPrepareContext": is[driver.ConnPrepareContext](conn),
		"ConnBeginTx":        is[driver.ConnBeginTx](conn),
		"Pinger":             is[driver.Pinger](conn),
		"SessionResetter":    is[driver.SessionResetter](conn),
		"Validator":          is[driver.Validator](conn),
	} {
		if !ok {
			return fmt.Errorf("sqlite driver connection lacks %s", name)
		}
	}
	return nil
}

func is[T any](v any) bool { _, ok := v.(T); return ok }
