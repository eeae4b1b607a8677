// Package storetest is the conformance suite every store.Store passes. The
// backends' own tests run it; teststore builds fresh backends for them and
// for other packages' tests.
package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// testCase gets a fresh, migrated store without a Queue.
type testCase struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// Run runs the suite. newStore must return a fresh, migrated store for each
// call, so that the subtests run in parallel; it should close it at cleanup.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	var cases []testCase
	cases = append(cases, eventCases()...)
	cases = append(cases, linkCases()...)
	cases = append(cases, proposalCases()...)
	cases = append(cases, miscCases()...)
	cases = append(cases, deskCases()...)
	cases = append(cases, leaseCases()...)
	cases = append(cases, privacyCases()...)
	cases = append(cases, changeCases()...)
	cases = append(cases, inboxCases()...)
	cases = append(cases, consoleCases()...)
	cases = append(cases, qualityCases()...)
	run(t, cases, newStore)
}

// RunSealed runs the part of the suite that reads and writes the sealed
// body columns (events, desk, dry runs, privacy): the rest does not
// depend on a cipher, so a backend's encrypted run can skip it.
func RunSealed(t *testing.T, newStore func(t *testing.T) store.Store) {
	var cases []testCase
	cases = append(cases, eventCases()...)
	cases = append(cases, miscCases()...)
	cases = append(cases, deskCases()...)
	cases = append(cases, privacyCases()...)
	run(t, cases, newStore)
}

func run(t *testing.T, cases []testCase, newStore func(t *testing.T) store.Store) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// jobKind is the kind of the suite's jobs; JobList filters on it.
const jobKind = "storetest_job"

// testJob is an insert-only job: no worker is ever registered for it.
type testJob struct {
	Tag string  `json:"tag"`
	IDs []int64 `json:"ids,omitempty"`
}

func (testJob) Kind() string { return jobKind }

// badJob cannot be encoded, so River rejects the batch it is in.
type badJob struct{}

func (badJob) Kind() string { return jobKind }

func (badJob) MarshalJSON() ([]byte, error) { return nil, errors.New("badJob cannot be encoded") }

func job(tag string, ids ...int64) store.Jobs {
	return store.Jobs{{Args: testJob{Tag: tag, IDs: ids}}}
}

// queue builds an insert-only River client on s.
func queue(t *testing.T, s store.Store) store.Queue {
	t.Helper()
	q, err := s.Queue(&river.Config{})
	if err != nil {
		t.Fatalf("Queue(&river.Config{}): %v", err)
	}
	return q
}

// listJobs returns the suite's jobs in insertion order, with their args.
func listJobs(t *testing.T, q store.Queue) []testJob {
	t.Helper()
	res, err := q.JobList(t.Context(), river.NewJobListParams().Kinds(jobKind).First(10000).
		OrderBy(river.JobListOrderByID, river.SortOrderAsc))
	if err != nil {
		t.Fatalf("JobList: %v", err)
	}
	out := make([]testJob, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, decodeJob(t, j))
	}
	return out
}

func decodeJob(t *testing.T, j *rivertype.JobRow) testJob {
	t.Helper()
	var a testJob
	if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
		t.Fatalf("job %d args %s: %v", j.ID, j.EncodedArgs, err)
	}
	return a
}

func wantJobTags(t *testing.T, q store.Queue, want ...string) {
	t.Helper()
	var got []string
	for _, j := range listJobs(t, q) {
		got = append(got, j.Tag)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("jobs in River = %q, want %q", got, want)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s: error = %v, want one wrapping store.ErrNotFound", what, err)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// base is a fixed time with microsecond precision, which every backend
// keeps exactly.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

func conv(source, id string) core.ConversationRef {
	return core.ConversationRef{Source: source, Conversation: id}
}

// ev is a message event in conversation c.
func ev(c core.ConversationRef, eventID, text string) core.Event {
	return core.Event{
		Source:       c.Source,
		EventID:      eventID,
		Kind:         core.KindMessage,
		Conversation: c,
		Sender:       core.Sender{ID: "u1", Name: "Ann", Role: core.RoleCustomer},
		Time:         base,
		Text:         text,
	}
}

// ingest stores events without jobs and returns the new rows' ids.
func ingest(t *testing.T, s store.Store, events ...core.Event) []int64 {
	t.Helper()
	var ids []int64
	_, err := s.IngestBatch(t.Context(), events, func(got []int64, _ []int) store.Jobs {
		ids = got
		return nil
	})
	must(t, "IngestBatch", err)
	return ids
}

func eventIDs(evs []core.StoredEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}
