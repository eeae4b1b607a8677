package main

import (
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	t.Parallel()
	r := run(t, "", "demo")
	if r.err != nil {
		t.Fatalf("demo: %v\n%s", r.err, r.stdout)
	}
	// The story in order: complaint, proposal, yes, ticket, answer,
	// resolution, and the closing line.
	rest := r.stdout
	for _, want := range []string{
		"customer Hi, I was charged twice",
		"bot      ", "Shall I open a ticket?",
		"customer yes please",
		"I've opened ticket LOCAL-1",
		"desk     LOCAL-1 opened",
		"agent    adds an internal note",
		"agent    answers publicly",
		"bot      Dana (billing) on LOCAL-1: ",
		"Ticket LOCAL-1 is now resolved.",
		"Done: one ticket, four chat messages, no internal note leaked.",
	} {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("demo output lacks %q after the earlier steps:\n%s", want, r.stdout)
		}
		rest = rest[i+len(want):]
	}
}
