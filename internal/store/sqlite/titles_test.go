package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// titleDraft is a desk ticket with this title.
func titleDraft(title string) core.TicketDraft {
	return core.TicketDraft{Title: title, Description: "from chat", Requester: core.Requester{ID: "u1"}}
}

// titlesFound is the title search's answer for text, as titles.
func titlesFound(t *testing.T, s *Store, text string) []string {
	t.Helper()
	got, err := s.DeskSearch(t.Context(), store.DeskFilter{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, g := range got {
		titles = append(titles, g.Title)
	}
	return titles
}

// wantIndexIntact runs FTS5's own check of the title index.
func wantIndexIntact(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.db.ExecContext(t.Context(), `INSERT INTO tb_desk_titles (tb_desk_titles) VALUES ('integrity-check')`); err != nil {
		t.Fatalf("title index: %v", err)
	}
}

// A database from before migration 084 indexed each title by a trigger;
// after it, those tickets stay searchable, a title change or a delete
// reaches the index only for a ticket it holds, and new tickets are found
// before they are indexed.
func TestDeskTitlesAfterMigration084(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	exec := func(q string) {
		t.Helper()
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Back to the schema of migration 013, with two tickets indexed by
	// its trigger.
	exec(`DROP TABLE tb_desk_titles_mark`)
	exec(`DELETE FROM tb_migrations WHERE version = 84`)
	exec(`DROP TRIGGER tb_desk_titles_update`)
	exec(`DROP TRIGGER tb_desk_titles_delete`)
	exec(`CREATE TRIGGER tb_desk_titles_insert AFTER INSERT ON tb_desk_tickets BEGIN
		INSERT INTO tb_desk_titles (rowid, words) VALUES (new.num, new.title);
	END`)
	exec(`CREATE TRIGGER tb_desk_titles_delete AFTER DELETE ON tb_desk_tickets BEGIN
		INSERT INTO tb_desk_titles (tb_desk_titles, rowid, words) VALUES ('delete', old.num, old.title);
	END`)
	exec(`CREATE TRIGGER tb_desk_titles_update AFTER UPDATE OF title ON tb_desk_tickets BEGIN
		INSERT INTO tb_desk_titles (tb_desk_titles, rowid, words) VALUES ('delete', old.num, old.title);
		INSERT INTO tb_desk_titles (rowid, words) VALUES (new.num, new.title);
	END`)
	for _, title := range []string{"printer on fire", "scanner jams"} {
		exec(`INSERT INTO tb_desk_tickets (title, description, requester, status, created_at, updated_at)
			VALUES ('` + title + `', '', '{}', 'new', 1, 1)`)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := titlesFound(t, s, "printer"); !slices.Equal(got, []string{"printer on fire"}) {
		t.Fatalf("an old ticket after the migration: found %v", got)
	}
	exec(`UPDATE tb_desk_tickets SET title = 'laser printer on fire' WHERE title = 'printer on fire'`)
	exec(`DELETE FROM tb_desk_tickets WHERE title = 'scanner jams'`)
	if _, _, err := s.DeskCreate(ctx, titleDraft("printer out of toner")); err != nil {
		t.Fatal(err)
	}
	if got := titlesFound(t, s, "printer"); !slices.Equal(got, []string{"printer out of toner", "laser printer on fire"}) {
		t.Errorf("found %v", got)
	}
	if got := titlesFound(t, s, "scanner"); len(got) != 0 {
		t.Errorf("a deleted ticket is still found: %v", got)
	}
	wantIndexIntact(t, s)
}

// A ticket whose title changes in the transaction that made it is found
// under its last title, and the index stays sound (the change does not
// reach an index that does not hold the ticket yet); a transaction that
// fails leaves nothing behind, and the next one's tickets are found.
func TestDeskTitlesOfOneTransaction(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, title := range []string{"vpn down", "vpn slow"} {
			if _, _, err := s.deskInsert(ctx, tx, titleDraft(title)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE tb_desk_tickets SET title = 'vpn very slow' WHERE title = 'vpn slow'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := titlesFound(t, s, "vpn"); !slices.Equal(got, []string{"vpn very slow", "vpn down"}) {
		t.Fatalf("found %v", got)
	}
	failed := errors.New("the batch failed")
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := s.deskInsert(ctx, tx, titleDraft("vpn gone")); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("inTx: %v", err)
	}
	if _, _, err := s.DeskCreate(ctx, titleDraft("vpn back")); err != nil {
		t.Fatal(err)
	}
	if got := titlesFound(t, s, "vpn"); !slices.Equal(got, []string{"vpn back", "vpn very slow", "vpn down"}) {
		t.Fatalf("found %v", got)
	}
	wantIndexIntact(t, s)
}

// The newest titleTail tickets wait outside the trigram index; a search
// reads them first and then the index, newest first, and pages across
// the two.
func TestDeskTitleSearchAcrossTheTail(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	var printers []string // keys, newest first
	for i := range titleTail + 10 {
		title := fmt.Sprintf("scanner %d", i)
		if i%2 == 0 {
			title = fmt.Sprintf("Printer %d", i)
		}
		tk, _, err := s.DeskCreate(ctx, titleDraft(title))
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			printers = append([]string{tk.Key}, printers...)
		}
	}
	var through int
	if err := s.db.QueryRowContext(ctx, `SELECT through FROM tb_desk_titles_mark`).Scan(&through); err != nil {
		t.Fatal(err)
	}
	if through != titleTail {
		t.Fatalf("indexed through %d, want %d", through, titleTail)
	}
	var paged []string
	for before := ""; ; {
		page, err := s.DeskSearch(ctx, store.DeskFilter{Text: "printer", Before: before, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			paged = append(paged, p.Key)
		}
		before = page[len(page)-1].Key
	}
	if !slices.Equal(paged, printers) {
		t.Errorf("pages of 4: %v\nwant %v", paged, printers)
	}
	all, err := s.DeskSearch(ctx, store.DeskFilter{Text: "PRINTER", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(printers) || all[0].Key != printers[0] || all[len(all)-1].Key != printers[len(printers)-1] {
		t.Errorf("one page: %d tickets from %s, want %d from %s", len(all), all[0].Key, len(printers), printers[0])
	}
	wantIndexIntact(t, s)
}
