package faults

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// PostgreSQL is restarted while events arrive. The server must ride it
// out without a hand: no exit, every acknowledged event stored, every
// ticket and notice exactly once. Restarting the machine's PostgreSQL
// disturbs its other users, hence the extra switch.
func TestPostgresRestart(t *testing.T) {
	requireFaults(t)
	if os.Getenv(envPGRestart) != "1" {
		t.Skipf("restarts the machine's PostgreSQL: set %s=1 as well", envPGRestart)
	}
	version := clusterVersion(t)
	r := newRig(t, true)
	srv := r.server("pgrestart", nil)
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	ld := newLoad(t, 500, 2, fixed(srv.URL()))
	sent := make(chan error, 1)
	go func() { sent <- ld.send(ctx, 100, 64) }()
	time.Sleep(3 * time.Second)
	began := time.Now()
	out, err := exec.CommandContext(ctx, "pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart").CombinedOutput()
	if err != nil {
		t.Fatalf("restart postgres: %v\n%s", err, out)
	}
	restart := time.Since(began)
	if err := <-sent; err != nil {
		t.Fatalf("load: %v", err)
	}
	r.settle(ld, 2*time.Minute)
	if !srv.alive() {
		t.Errorf("the server exited after the PostgreSQL restart")
	}
	srv.stop()
	checkStored(t, r.database(), ld.ackedIDs())
	r.report("pg_restart", "restart_s", restart.Round(100*time.Millisecond).Seconds(), "conversations", 500,
		"events", ld.total(), "resends", ld.resends.Load(), "server_starts", srv.starts)
}

// clusterVersion finds the local cluster's major version with
// pg_lsclusters, or skips.
func clusterVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("pg_lsclusters", "--no-header").Output()
	if err != nil {
		t.Skipf("pg_lsclusters: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[1] == "main" && f[2] == "5432" {
			return f[0]
		}
	}
	t.Skipf("no cluster \"main\" on port 5432 in pg_lsclusters")
	return ""
}

// Three replicas share one PostgreSQL schema; the sender spreads the
// events over them round-robin (moving to the next on failure, as a load
// balancer does). One replica is killed mid-load and not restarted. The
// other two must finish its jobs: every ticket and notice exactly once,
// and River's attempted_by shows all three replicas worked.
func TestThreeReplicas(t *testing.T) {
	requireFaults(t)
	r := newRig(t, true)
	var reps []*server
	for _, name := range []string{"replica-a", "replica-b", "replica-c"} {
		s := r.server(name, nil)
		if err := s.start(); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, s)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	ld := newLoad(t, 1000, 2, fixed(reps[0].URL()), fixed(reps[1].URL()), fixed(reps[2].URL()))
	sent := make(chan error, 1)
	start := time.Now()
	go func() { sent <- ld.send(ctx, 150, 64) }()
	time.Sleep(5 * time.Second)
	reps[2].kill()
	killedAt := time.Since(start)
	if err := <-sent; err != nil {
		t.Fatalf("load: %v", err)
	}
	convs := ld.conversations()
	drain := r.settle(ld, 2*time.Minute)
	workers, rescued := attemptedBy(t, r.database())
	if len(workers) < 3 {
		t.Errorf("jobs were attempted by %d River clients, want all 3 replicas: %v", len(workers), workers)
	}
	for _, s := range reps[:2] {
		if !s.alive() {
			t.Errorf("%s exited", s.name)
		}
		s.stop()
	}
	checkStored(t, r.database(), ld.ackedIDs())
	r.report("three_replicas", "conversations", len(convs), "events", ld.total(), "killed_after_s",
		killedAt.Round(100*time.Millisecond).Seconds(), "clients", len(workers), "jobs_per_client", workers,
		"jobs_retried_elsewhere", rescued, "drain_s", drain.Round(100*time.Millisecond).Seconds())
}

// attemptedBy counts finished jobs by the River client that ran their
// last attempt, and the jobs whose attempts span more than one client
// (taken over after a kill).
func attemptedBy(t *testing.T, d *db) (map[string]int, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := d.QueryContext(ctx, `SELECT attempted_by[array_length(attempted_by, 1)], count(*)
		FROM river_job WHERE attempted_by IS NOT NULL GROUP BY 1`)
	if err != nil {
		t.Fatalf("attempted_by: %v", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatalf("scan attempted_by: %v", err)
		}
		out[id] = n
	}
	var moved int
	err = d.QueryRowContext(ctx, `SELECT count(*) FROM river_job
		WHERE (SELECT count(DISTINCT c) FROM unnest(attempted_by) c) > 1`).Scan(&moved)
	if err != nil {
		t.Fatalf("moved jobs: %v", err)
	}
	return out, moved
}
