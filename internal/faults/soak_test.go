package faults

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// Kill -9 at random moments while the mixed scenario runs (see
// mixed_test.go), at least 20 times on SQLite and 10 on PostgreSQL with
// two replicas (a random one each time), restarting on the same database
// each time; the platform resends whatever was not acknowledged, the
// ticket system's agent resends its webhooks likewise. Afterwards every
// kind of effect must have happened exactly once: events stored, tickets,
// "opened" notices, follow-ups, proposals, confirmations, attachment
// notes, agent replies and status notices in the chat.
func TestKillSoakSQLite(t *testing.T) {
	requireFaults(t)
	soak(t, false, 1, soakKillsSQLite)
}

func TestKillSoakPostgres(t *testing.T) {
	requireFaults(t)
	soak(t, true, 2, soakKillsPostgres)
}

const (
	soakConversations = 1000
	soakKillsSQLite   = 20
	soakKillsPostgres = 10
)

func soak(t *testing.T, pg bool, replicas, minKills int) {
	rng := newRand(t)
	r := newRig(t, pg)
	var srvs []*server
	var targets []func() string
	for i := range replicas {
		s := r.server("soak-"+strconv.Itoa(i), nil)
		if err := s.start(); err != nil {
			t.Fatal(err)
		}
		srvs = append(srvs, s)
		targets = append(targets, fixed(s.URL()))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	n := conversations(t, soakConversations)
	ld := r.newMixedLoad(n, targets...)
	start := time.Now()
	sent := make(chan error, 1)
	go func() { sent <- ld.send(ctx, 100, 64) }()

	kills, selfExits := 0, 0
	killed := make([]int, replicas)
	var downtime time.Duration
	// Kills go on, at least minKills of them, until half the agent's
	// webhooks are in: by then every kind of effect has been under fire.
	// Killing on to the very end would mostly measure River's rescue of
	// jobs a killed process left running (its rescuer runs every 30 s in
	// the leader, which a kill every second or two rarely lets live).
	agentHalf := func() bool {
		sent, _ := r.w.agent.counts()
		return sent >= n
	}
	for kills < minKills || !agentHalf() {
		wait := time.Duration(300+rng.IntN(2200)) * time.Millisecond
		select {
		case <-ctx.Done():
			t.Fatalf("soak ran out of time after %d kills: %v", kills, ctx.Err())
		case <-time.After(wait):
		}
		i := rng.IntN(replicas)
		srv := srvs[i]
		if !srv.alive() {
			selfExits++
			t.Errorf("%s exited on its own (%d)", srv.name, selfExits)
		}
		down := time.Now()
		srv.kill()
		kills++
		killed[i]++
		if err := srv.start(); err != nil {
			t.Fatalf("restart after kill %d: %v", kills, err)
		}
		downtime += time.Since(down)
	}
	lastKill := time.Now()
	if err := <-sent; err != nil {
		t.Fatalf("load: %v (after %d kills)", err, kills)
	}
	loadDone := time.Now()
	loadTook := loadDone.Sub(start)
	convs := ld.conversations()
	r.settle(ld, 3*time.Minute)
	drain := time.Since(lastKill)
	restarts := 0
	for _, s := range srvs {
		if !s.alive() {
			t.Errorf("%s exited on its own", s.name)
		}
		s.stop()
		restarts += s.starts - 1
	}
	backend := "sqlite"
	if pg {
		backend = "postgres"
	}
	r.report("kill_soak", "backend", backend, "replicas", replicas, "conversations", len(convs), "events", ld.total(),
		"kills", kills, "kills_per_replica", killed, "restarts", restarts, "mean_restart_ms", downtime.Milliseconds()/int64(max(kills, 1)),
		"load_s", loadTook.Round(100*time.Millisecond).Seconds(), "resends", ld.resends.Load(),
		"all_done_after_last_kill_s", drain.Round(100*time.Millisecond).Seconds())
}
