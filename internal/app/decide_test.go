package app_test

import (
	"testing"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// An event is decided by the transaction that stores it: when the webhook
// is answered, a /ticket's link and its local-desk ticket exist (no
// creation job: the desk is in the same database), a complaint's proposal
// is pending, and no processing job was needed for either.
func TestDecidedWhenAcknowledged(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st)
		ctx := t.Context()
		key := func(conv string) string { return core.ConversationRef{Source: "chat", Conversation: conv}.Key() }

		h.say("d1", "/ticket the invoice PDF is empty")
		state, err := st.ConversationsState(ctx, []string{key("d1")})
		if err != nil {
			t.Fatal(err)
		}
		if l := state[key("d1")].Links; len(l) != 1 || l[0].TicketKey == "" || l[0].State != core.StateOpen {
			t.Fatalf("right after the ack, d1 has %+v, want its link with its ticket", state[key("d1")])
		}
		if ts := h.tickets(); len(ts) != 1 || ts[0].Key != state[key("d1")].Links[0].TicketKey {
			t.Fatalf("right after the ack, the desk has %+v", ts)
		}

		h.say("d2", "I was charged twice for my order and want my money back")
		state, err = st.ConversationsState(ctx, []string{key("d2")})
		if err != nil {
			t.Fatal(err)
		}
		if len(state[key("d2")].Proposals) != 1 {
			t.Fatalf("right after the ack, d2 has %+v, want a pending proposal", state[key("d2")])
		}

		res, err := h.app.Queue.JobList(ctx, river.NewJobListParams().Kinds(jobs.KindProcess).First(100))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) != 0 {
			t.Fatalf("%d processing jobs queued, want none: both events are decided at ingest", len(res.Jobs))
		}
		res, err = h.app.Queue.JobList(ctx, river.NewJobListParams().Kinds(jobs.KindCreate).First(100))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) != 0 {
			t.Fatalf("%d creation jobs queued, want none: the desk's ticket is made at ingest", len(res.Jobs))
		}
		h.replies(2) // the proposal and the created notice still go out
		h.quiet(2)
	})
}
