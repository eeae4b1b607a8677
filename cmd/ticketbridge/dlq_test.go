package main

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// failArgs is a job that fails the way Mode says: "cancel" fails for
// good at once, anything else fails and runs out of its one attempt.
type failArgs struct {
	Mode   string `json:"mode"`
	Reason string `json:"reason"`
	// Message has the shape of a notification's, so dlq list shows it.
	Message struct {
		Text string `json:"text,omitempty"`
	} `json:"message"`
}

func (failArgs) Kind() string { return "cli_test_fail" }

type failWorker struct {
	river.WorkerDefaults[failArgs]
}

func (failWorker) Work(_ context.Context, job *river.Job[failArgs]) error {
	err := errors.New(job.Args.Reason)
	if job.Args.Mode == "cancel" {
		return river.JobCancel(err)
	}
	return err
}

// parkedQueue has no workers, so a job put there stays available.
const parkedQueue = "parked"

// makeDeadLetters runs real failing jobs on the default SQLite under
// ./data: one cancelled, one discarded after its only attempt, and one
// left available in a queue nobody works. It returns their ids.
func makeDeadLetters(t *testing.T) (cancelled, discarded, available int64) {
	t.Helper()
	ctx := t.Context()
	cfg := config.Default(dataDir)
	st, err := app.OpenStore(ctx, cfg.Storage, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	workers := river.NewWorkers()
	river.AddWorker(workers, failWorker{})
	q, err := st.Queue(&river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("job client: %v", err)
	}
	insert := func(args failArgs, opts *river.InsertOpts) int64 {
		res, err := q.Insert(ctx, args, opts)
		if err != nil {
			t.Fatalf("insert job: %v", err)
		}
		return res.Job.ID
	}
	cancelled = insert(failArgs{Mode: "cancel", Reason: "sink rejected the ticket: 422 unknown field"}, nil)
	reply := failArgs{Mode: "fail", Reason: "chat reply_url answered 503"}
	reply.Message.Text = "I've opened ticket\nLOCAL-7."
	discarded = insert(reply, &river.InsertOpts{MaxAttempts: 1})
	available = insert(failArgs{Mode: "fail", Reason: "never runs"}, &river.InsertOpts{Queue: parkedQueue})
	if err := q.Start(ctx); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	waitState(t, q, cancelled, rivertype.JobStateCancelled)
	waitState(t, q, discarded, rivertype.JobStateDiscarded)
	stop, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := q.Stop(stop); err != nil {
		t.Fatalf("stop jobs: %v", err)
	}
	return cancelled, discarded, available
}

func waitState(t *testing.T, q store.Queue, id int64, want rivertype.JobState) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := q.JobGet(t.Context(), id)
		if err != nil {
			t.Fatalf("job %d: %v", id, err)
		}
		if j.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s, want %s", id, j.State, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobState reads a job's state with a fresh, insert-only client.
func jobState(t *testing.T, id int64) rivertype.JobState {
	t.Helper()
	var state rivertype.JobState
	withDefaultStore(t, func(ctx context.Context, _ store.Store, q store.Queue) {
		j, err := q.JobGet(ctx, id)
		if err != nil {
			t.Fatalf("job %d: %v", id, err)
		}
		state = j.State
	})
	return state
}

func TestDLQ(t *testing.T) {
	inTempDir(t)
	cancelled, discarded, available := makeDeadLetters(t)

	r := run(t, "", "dlq", "list")
	if r.err != nil {
		t.Fatalf("dlq list: %v", r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID KIND STATE ATTEMPTS CREATED LAST ERROR MESSAGE" {
		t.Fatalf("dlq list:\n%s", r.stdout)
	}
	// Newest first; the available job is no dead letter.
	for i, want := range []struct {
		id           int64
		state, error string
	}{
		{discarded, "discarded", "chat reply_url answered 503 I've opened ticket LOCAL-7."},
		{cancelled, "cancelled", "sink rejected the ticket: 422 unknown field"},
	} {
		f := strings.Fields(lines[i+1])
		if len(f) < 7 || f[0] != strconv.FormatInt(want.id, 10) || f[1] != "cli_test_fail" || f[2] != want.state || f[3] != "1" ||
			!strings.HasSuffix(strings.Join(f, " "), want.error) {
			t.Errorf("row %d = %q, want job %d %s with %q", i+1, lines[i+1], want.id, want.state, want.error)
		}
	}
	if r := run(t, "", "dlq", "list", "--json"); r.err != nil || strings.Count(r.stdout, "\n") != 2 ||
		!strings.Contains(r.stdout, `"error":"chat reply_url answered 503"`) || !strings.Contains(r.stdout, `LOCAL-7.`) {
		t.Errorf("dlq list --json: err %v\n%s", r.err, r.stdout)
	}
	if r := run(t, "", "dlq", "list", "--limit", "1"); r.err != nil || strings.Count(strings.TrimSpace(r.stdout), "\n") != 1 {
		t.Errorf("dlq list --limit 1: err %v\n%s", r.err, r.stdout)
	}

	// Replaying one dead letter makes it available again.
	r = run(t, "", "dlq", "replay", strconv.FormatInt(cancelled, 10))
	if r.err != nil || r.stdout != "replayed 1 job(s)\n" {
		t.Fatalf("dlq replay: stdout %q, err %v", r.stdout, r.err)
	}
	if s := jobState(t, cancelled); s != rivertype.JobStateAvailable {
		t.Errorf("replayed job is %s, want available", s)
	}

	// A job that is not dead, or not there, cannot be replayed.
	for _, id := range []int64{available, cancelled, 999999} {
		r := run(t, "", "dlq", "replay", strconv.FormatInt(id, 10))
		if r.err == nil {
			t.Errorf("dlq replay %d succeeded: %s", id, r.stdout)
		}
	}
	if r := run(t, "", "dlq", "replay", strconv.FormatInt(available, 10)); r.err == nil || !strings.Contains(r.err.Error(), "not a dead letter") {
		t.Errorf("replaying an available job: err %v, want not a dead letter", r.err)
	}

	// --all replays what is left: the discarded job.
	r = run(t, "", "dlq", "replay", "--all")
	if r.err != nil || r.stdout != "replayed 1 job(s)\n" {
		t.Fatalf("dlq replay --all: stdout %q, err %v", r.stdout, r.err)
	}
	if s := jobState(t, discarded); s != rivertype.JobStateAvailable {
		t.Errorf("job replayed by --all is %s, want available", s)
	}
	r = run(t, "", "dlq", "list")
	if r.err != nil || strings.Count(strings.TrimSpace(r.stdout), "\n") != 0 {
		t.Errorf("dlq list after replaying everything: err %v\n%s", r.err, r.stdout)
	}
	if r := run(t, "", "dlq", "replay", "--all"); r.err != nil || r.stdout != "replayed 0 job(s)\n" {
		t.Errorf("dlq replay --all with nothing dead: stdout %q, err %v", r.stdout, r.err)
	}
}

func TestDLQReplayArgs(t *testing.T) {
	inTempDir(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"dlq", "replay"}, "give one job ID or --all"},
		{[]string{"dlq", "replay", "7", "--all"}, "give one job ID or --all"},
		{[]string{"dlq", "replay", "seven"}, `job ID "seven" is not a number`},
		{[]string{"dlq", "replay", "1", "2"}, "accepts at most 1 arg"},
		{[]string{"dlq", "list", "--limit", "0"}, "--limit must be between 1 and 10000"},
		{[]string{"dlq", "list", "--limit", "20000"}, "--limit must be between 1 and 10000"},
	} {
		r := run(t, "", tt.args...)
		if r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, r.err, tt.want)
		}
	}
}
