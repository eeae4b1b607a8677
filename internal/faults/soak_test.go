package faults

import (
	"context"
	"testing"
	"time"
)

// Kill -9 at random moments while events arrive, at least 20 times,
// restarting on the same database each time; the sender resends whatever
// was not acknowledged. Afterwards: every acknowledged event is stored,
// every conversation has exactly one ticket and one "opened" notice.
func TestKillSoakSQLite(t *testing.T) {
	requireFaults(t)
	soak(t, false)
}

func TestKillSoakPostgres(t *testing.T) {
	requireFaults(t)
	soak(t, true)
}

const (
	soakConversations = 1000
	soakPerConv       = 3 // "/ticket" and two lines of chatter
	soakKills         = 20
)

func soak(t *testing.T, pg bool) {
	rng := newRand(t)
	r := newRig(t, pg)
	srv := r.server("soak", nil)
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	ld := newLoad(t, soakConversations, soakPerConv, fixed(srv.URL()))
	start := time.Now()
	sent := make(chan error, 1)
	go func() { sent <- ld.send(ctx, 100, 64) }()

	kills, selfExits := 0, 0
	var downtime time.Duration
	var loadErr error
	loadDone := false
	for !(loadDone && kills >= soakKills) {
		wait := time.Duration(300+rng.IntN(2200)) * time.Millisecond
		select {
		case loadErr = <-sent:
			loadDone = true
			continue
		case <-ctx.Done():
			t.Fatalf("soak ran out of time after %d kills: %v", kills, ctx.Err())
		case <-time.After(wait):
		}
		if !srv.alive() {
			selfExits++
			t.Errorf("the server exited on its own (%d)", selfExits)
		}
		down := time.Now()
		srv.kill()
		kills++
		if err := srv.start(); err != nil {
			t.Fatalf("restart after kill %d: %v", kills, err)
		}
		downtime += time.Since(down)
	}
	if loadErr != nil {
		t.Fatalf("load: %v", loadErr)
	}
	loadTook := time.Since(start)
	convs := ld.conversations()
	drain := r.settle(ld, 2*time.Minute)
	srv.stop()
	checkStored(t, r.database(), ld.ackedIDs())
	backend := "sqlite"
	if pg {
		backend = "postgres"
	}
	r.report("kill_soak", "backend", backend, "conversations", len(convs), "events", ld.total(),
		"kills", kills, "restarts", srv.starts-1, "mean_restart_ms", downtime.Milliseconds()/int64(max(kills, 1)),
		"load_s", loadTook.Round(100*time.Millisecond).Seconds(), "resends", ld.resends.Load(),
		"drain_after_last_kill_s", drain.Round(100*time.Millisecond).Seconds())
}
