package faults

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/loadgen"
)

// The local desk makes its ticket in the ingest transaction, together
// with the link, the ticket's record, the "is open" notice's job and,
// every 64 tickets, the titles' entries in the trigram index
// (store/sqlite/titles.go). Kill -9 at random moments while each
// conversation asks for a ticket and says two more lines: afterwards every
// conversation has exactly one desk ticket holding each of its follow-ups
// once, one "is open" notice, and every indexed ticket is found by its
// title.
func TestKillLocalDesk(t *testing.T) {
	requireFaults(t)
	rng := newRand(t)
	r := newRig(t, false)
	srv := r.server("desk", func(c *serverConfig) { c.LocalDesk = true })
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	n := conversations(t, 300)
	ld := newLoad(t, n, 3, fixed(srv.URL()))
	sent := make(chan error, 1)
	go func() { sent <- ld.send(ctx, 100, 32) }()
	kills := 0
	for done := false; !done; {
		select {
		case err := <-sent:
			if err != nil {
				t.Fatalf("load: %v (after %d kills)", err, kills)
			}
			done = true
		case <-time.After(time.Duration(300+rng.IntN(1200)) * time.Millisecond):
			srv.kill()
			kills++
			if err := srv.start(); err != nil {
				t.Fatalf("restart after kill %d: %v", kills, err)
			}
		}
	}
	convs := ld.conversations()
	db := r.database()
	// The desk is not the fake ticket system, so waitDrained cannot see
	// its tickets; the notices say each was made.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if r.w.allOpened(convs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every conversation got its \"is open\" notice")
		}
	}
	if !db.waitQuiet(t, time.Minute) {
		t.Errorf("jobs still pending")
	}
	srv.stop()
	checkStored(t, db, ld.ackedIDs())
	for _, c := range convs {
		if k := r.w.openedCount(c); k != 1 {
			t.Errorf("%s: %d \"is open\" notices, want 1", c, k)
		}
	}
	checkDeskTickets(t, db, convs, ld.followUps())
	checkTitleIndex(t, r.dbPath)
	r.report("kill_local_desk", "conversations", n, "events", ld.total(), "kills", kills, "resends", ld.resends.Load())
}

// checkDeskTickets checks one desk ticket per conversation, each
// follow-up on it once, and that the title index holds every ticket up to
// its mark.
func checkDeskTickets(t *testing.T, db *db, convs, followUps []string) {
	t.Helper()
	ctx := t.Context()
	var tickets, linked, indexed, through int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM tb_desk_tickets`).Scan(&tickets); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(DISTINCT ticket_key) FROM tb_links WHERE ticket_key <> ''`).Scan(&linked); err != nil {
		t.Fatal(err)
	}
	if tickets != len(convs) || linked != len(convs) {
		t.Errorf("%d desk tickets, %d linked, want %d of each", tickets, linked, len(convs))
	}
	for _, c := range convs {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM tb_links WHERE conv_key LIKE '%/' || ? AND ticket_key <> ''`, c).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s: %d tickets, want 1", c, n)
		}
	}
	for _, f := range followUps {
		rows, err := db.QueryContext(ctx, `SELECT t.num, (SELECT count(*) FROM tb_desk_comments c
			WHERE c.ticket_num = t.num AND c.body LIKE '%' || ? || '%') FROM tb_desk_tickets t`, f)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var num, k int
			if err := rows.Scan(&num, &k); err != nil {
				t.Fatal(err)
			}
			if k != 1 {
				t.Errorf("ticket %d holds %q %d times, want once", num, f, k)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Every title holds the same words, so a search for them finds every
	// indexed ticket.
	word := strings.Fields(strings.TrimPrefix(loadgen.TicketText, "/ticket "))[0]
	var marked int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM tb_desk_titles WHERE words MATCH ?),
		(SELECT through FROM tb_desk_titles_mark),
		(SELECT count(*) FROM tb_desk_tickets WHERE num <= (SELECT through FROM tb_desk_titles_mark))`, word).
		Scan(&indexed, &through, &marked); err != nil {
		t.Fatal(err)
	}
	if indexed != marked || marked < tickets-64 {
		t.Errorf("the title index holds %d tickets, %d are at or below its mark (%d), of %d", indexed, marked, through, tickets)
	}
}

// checkTitleIndex runs FTS5's own check of the title index, which writes
// (a no-op), so it needs a handle of its own once the server is stopped.
func checkTitleIndex(t *testing.T, path string) {
	t.Helper()
	rw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.ExecContext(t.Context(), `INSERT INTO tb_desk_titles (tb_desk_titles) VALUES ('integrity-check')`); err != nil {
		t.Errorf("title index: %v", err)
	}
}
