package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

func proposalCases() []testCase {
	return []testCase{
		{"ProposalLifecycle", testProposalLifecycle},
		{"ProposalConcurrent", testProposalConcurrent},
	}
}

func newProposal(route string, eventID int64) store.Proposal {
	c := conv("slack", "C1")
	return store.Proposal{Route: route, ConvKey: c.Key(), Conversation: c, EventID: eventID,
		Rule: "keyword", ExpiresAt: base.Add(time.Hour)}
}

func testProposalLifecycle(t *testing.T, s store.Store) {
	q := queue(t, s)
	p, made, err := s.ProposalCreate(t.Context(), newProposal("r1", 1), job("prompt-1"))
	must(t, "ProposalCreate", err)
	if !made || p.ID == "" || p.State != store.ProposalPending {
		t.Fatalf("ProposalCreate = %+v made %v, want a pending proposal", p, made)
	}
	again, made, err := s.ProposalCreate(t.Context(), newProposal("r1", 2), job("prompt-2"))
	must(t, "ProposalCreate again", err)
	if made || again.ID != p.ID || again.EventID != 1 {
		t.Fatalf("second ProposalCreate = %+v made %v, want the first, not made", again, made)
	}
	pend, err := s.ProposalPending(t.Context(), "r1", p.ConvKey)
	must(t, "ProposalPending", err)
	if pend.ID != p.ID || pend.Rule != "keyword" || pend.Conversation != p.Conversation ||
		!pend.ExpiresAt.Equal(base.Add(time.Hour)) || pend.CreatedAt.IsZero() {
		t.Fatalf("ProposalPending = %+v, want %+v", pend, p)
	}
	_, err = s.ProposalPending(t.Context(), "r2", p.ConvKey)
	wantNotFound(t, "ProposalPending of another route", err)

	if err := func() error { _, err := s.ProposalResolve(t.Context(), p.ID, "maybe", nil); return err }(); err == nil {
		t.Error("ProposalResolve to an unknown state succeeded")
	}
	ok, err := s.ProposalResolve(t.Context(), p.ID, store.ProposalAccepted, job("accepted"))
	must(t, "ProposalResolve", err)
	if !ok {
		t.Fatal("ProposalResolve of a pending proposal = false")
	}
	ok, err = s.ProposalResolve(t.Context(), p.ID, store.ProposalRejected, job("rejected"))
	must(t, "ProposalResolve again", err)
	if ok {
		t.Fatal("second ProposalResolve = true, want false (no longer pending)")
	}
	ok, err = s.ProposalResolve(t.Context(), "nope", store.ProposalExpired, nil)
	if err != nil || ok {
		t.Fatalf("ProposalResolve of an unknown id = %v, %v; want false, nil", ok, err)
	}
	_, err = s.ProposalPending(t.Context(), "r1", p.ConvKey)
	wantNotFound(t, "ProposalPending after resolve", err)
	next, made, err := s.ProposalCreate(t.Context(), newProposal("r1", 3), nil)
	must(t, "ProposalCreate after resolve", err)
	if !made || next.ID == p.ID {
		t.Fatalf("ProposalCreate after resolve: made %v id %s, want a new one", made, next.ID)
	}
	wantJobTags(t, q, "prompt-1", "accepted")
}

func testProposalConcurrent(t *testing.T, s store.Store) {
	q := queue(t, s)
	p, _, err := s.ProposalCreate(t.Context(), newProposal("r1", 1), nil)
	must(t, "ProposalCreate", err)
	const n = 10
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		created  int
		resolved int
		start    = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			_, made, cerr := s.ProposalCreate(t.Context(), newProposal("r2", int64(i)), job("prompt"))
			ok, rerr := s.ProposalResolve(t.Context(), p.ID, store.ProposalAccepted, job("accept"))
			mu.Lock()
			defer mu.Unlock()
			if cerr != nil || rerr != nil {
				t.Errorf("concurrent create/resolve: %v, %v", cerr, rerr)
			}
			if made {
				created++
			}
			if ok {
				resolved++
			}
		})
	}
	close(start)
	wg.Wait()
	if created != 1 || resolved != 1 {
		t.Fatalf("%d concurrent calls: %d created, %d resolved; want 1 and 1", n, created, resolved)
	}
	if jobs := listJobs(t, q); len(jobs) != 2 {
		t.Fatalf("River has %d jobs, want 2 (one prompt, one accept): %+v", len(jobs), jobs)
	}
}
