package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func inboxCases() []testCase {
	return []testCase{{"ChatInbox", testChatInbox}, {"ChatInboxPurge", testChatInboxPurge}}
}

// testChatInbox: a retried post is stored once, and the list pages with
// After and filters by source and conversation.
func testChatInbox(t *testing.T, s store.Store) {
	in, ok := s.(store.ChatInbox)
	if !ok {
		t.Fatalf("%T does not implement store.ChatInbox", s)
	}
	ctx := t.Context()
	msgs := []store.ChatMessage{
		{Source: "web", Conversation: "c1", Key: "k1", Text: "Shall I open a ticket?",
			Prompt: &core.Prompt{Token: "p1", Confirm: "yes", Reject: "no"}},
		{Source: "web", Conversation: "c2", Thread: "t", Key: "k2", Text: "other"},
		{Source: "web", Conversation: "c1", Key: "k3", Text: "Ticket LOCAL-1 opened"},
		{Source: "api", Conversation: "c1", Key: "k4", Text: "elsewhere"},
	}
	var first store.ChatMessage
	for i, m := range msgs {
		got, err := in.ChatInboxAdd(ctx, m)
		must(t, "ChatInboxAdd", err)
		if got.ID == 0 || got.Text != m.Text || got.CreatedAt.IsZero() {
			t.Fatalf("ChatInboxAdd(%s) = %+v", m.Key, got)
		}
		if i == 0 {
			first = got
		}
	}
	again, err := in.ChatInboxAdd(ctx, store.ChatMessage{Source: "web", Conversation: "c1", Key: "k1", Text: "changed"})
	must(t, "ChatInboxAdd again", err)
	if again.ID != first.ID || again.Text != first.Text {
		t.Fatalf("retried ChatInboxAdd = %+v, want the first %+v", again, first)
	}
	// The same key in another conversation is another message.
	other, err := in.ChatInboxAdd(ctx, store.ChatMessage{Source: "web", Conversation: "c9", Key: "k1", Text: "elsewhere too"})
	must(t, "ChatInboxAdd other conversation", err)
	if other.ID == first.ID {
		t.Fatalf("key k1 in conversation c9 was taken for the one in c1")
	}
	list := func(q store.ChatInboxQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 100
		}
		got, err := in.ChatInboxList(ctx, q)
		must(t, "ChatInboxList", err)
		keys := []string{}
		for _, m := range got {
			keys = append(keys, m.Key)
		}
		return keys
	}
	for name, tc := range map[string]struct {
		q    store.ChatInboxQuery
		want []string
	}{
		"all":          {store.ChatInboxQuery{}, []string{"k1", "k2", "k3", "k4", "k1"}},
		"limit":        {store.ChatInboxQuery{Limit: 2}, []string{"k1", "k2"}},
		"after":        {store.ChatInboxQuery{After: first.ID}, []string{"k2", "k3", "k4", "k1"}},
		"source":       {store.ChatInboxQuery{Source: "web"}, []string{"k1", "k2", "k3", "k1"}},
		"conversation": {store.ChatInboxQuery{Source: "web", Conversation: "c1"}, []string{"k1", "k3"}},
		"none":         {store.ChatInboxQuery{Source: "nope"}, []string{}},
	} {
		if got := list(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: ChatInboxList = %q, want %q", name, got, tc.want)
		}
	}
	got, err := in.ChatInboxList(ctx, store.ChatInboxQuery{Limit: 1})
	must(t, "ChatInboxList", err)
	if p := got[0].Prompt; p == nil || *p != *msgs[0].Prompt {
		t.Errorf("prompt = %+v, want %+v", p, msgs[0].Prompt)
	}
}

// testChatInboxPurge: retention deletes the messages older than their
// source's cutoff (a source's own days win over the default) and keeps
// the rest.
func testChatInboxPurge(t *testing.T, s store.Store) {
	in := inbox(t, s)
	ctx := t.Context()
	for _, m := range []store.ChatMessage{
		{Source: "web", Conversation: "c1", Key: "a", Text: "old web"},
		{Source: "slack", Conversation: "c1", Key: "b", Text: "old slack"},
	} {
		_, err := in.ChatInboxAdd(ctx, m)
		must(t, "ChatInboxAdd", err)
	}
	now := time.Now()
	if n, err := in.ChatInboxPurge(ctx, store.RetentionPolicy{}, now.Add(365*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("purge with no retention = %d, %v; want 0", n, err)
	}
	// Two days on: slack keeps 7 days, every other source 1.
	p := store.RetentionPolicy{Days: 1, Sources: map[string]int{"slack": 7}}
	n, err := in.ChatInboxPurge(ctx, p, now.Add(48*time.Hour))
	must(t, "ChatInboxPurge", err)
	if n != 1 {
		t.Fatalf("purged %d, want 1", n)
	}
	left, err := in.ChatInboxList(ctx, store.ChatInboxQuery{Limit: 10})
	must(t, "ChatInboxList", err)
	if len(left) != 1 || left[0].Text != "old slack" {
		t.Fatalf("left = %+v, want the slack message only", left)
	}
	n, err = in.ChatInboxPurge(ctx, p, now.Add(8*24*time.Hour))
	must(t, "ChatInboxPurge", err)
	if n != 1 {
		t.Fatalf("purged %d after 8 days, want 1", n)
	}
}
