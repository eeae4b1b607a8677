package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
)

// deskTitles notes that the open write transaction made a desk ticket, so
// that inTx can index the titles waiting before the commit (migration
// 084). SQLite has one writer connection, so one transaction at a time
// sets it.
type deskTitles struct {
	pending atomic.Bool
}

// made records a desk ticket made in the open transaction.
func (d *deskTitles) made() { d.pending.Store(true) }

// take reports whether the open transaction made a desk ticket and clears
// the note for the next one.
func (d *deskTitles) take() bool { return d.pending.Swap(false) }

// titleTail is how many of the newest desk tickets may wait outside the
// trigram index; the title search reads them directly (DeskSearch). FTS5
// pays for every transaction that writes to it (a segment written, and
// merged later): indexing each ticket's transaction cost 6–12 % of the
// tickets per second at 1,000 offered and 5–30 % at 2,000, and indexing
// 64 at a time is within the noise of no index at all (BENCHMARKS.md,
// "Processing core, session 18").
const titleTail = 64

// indexDeskTitles adds the titles of the tickets above the mark to the
// trigram index and moves the mark, once titleTail of them wait. It is
// the transaction's last write, so FTS5 keeps the terms in memory until
// the commit.
func indexDeskTitles(ctx context.Context, tx *sql.Tx) error {
	var waiting int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(num), 0) - (SELECT through FROM tb_desk_titles_mark)
		FROM tb_desk_tickets`).Scan(&waiting); err != nil {
		return fmt.Errorf("index desk titles: %w", err)
	}
	if waiting < titleTail {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO tb_desk_titles (rowid, words)
		SELECT num, title FROM tb_desk_tickets WHERE num > (SELECT through FROM tb_desk_titles_mark)`); err != nil {
		return fmt.Errorf("index desk titles: %w", err)
	}
	// Each trigger-made segment used to do a little of FTS5's merging; a
	// chunk does less, and without this the index kept more segments and
	// a rare title took twice as long to find.
	if _, err := tx.ExecContext(ctx, `INSERT INTO tb_desk_titles (tb_desk_titles, rank) VALUES ('merge', ?)`, titleTail); err != nil {
		return fmt.Errorf("index desk titles: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tb_desk_titles_mark SET through = (SELECT max(num) FROM tb_desk_tickets)`); err != nil {
		return fmt.Errorf("index desk titles: %w", err)
	}
	return nil
}
