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
	var loadErr error
	var loadDone time.Time
	// Kills go on until the load is delivered and most of the agents'
	// webhooks are in (or half a minute after the load), at least
	// minKills times.
	agentDone := func() bool {
		sent, _ := r.w.agent.counts()
		return sent >= 2*n*9/10 || time.Since(loadDone) > 30*time.Second
	}
	for loadDone.IsZero() || kills < minKills || !agentDone() {
		wait := time.Duration(300+rng.IntN(2200)) * time.Millisecond
		select {
		case loadErr = <-sent:
			loadDone = time.Now()
			if loadErr != nil {
				t.Fatalf("load: %v (after %d kills)", loadErr, kills)
			}
			continue
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
	loadTook := loadDone.Sub(start)
	convs := ld.conversations()
	drain := r.settle(ld, 3*time.Minute)
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
		"drain_after_last_kill_s", drain.Round(100*time.Millisecond).Seconds())
}
