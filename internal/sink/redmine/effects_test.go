package redmine_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/redmine/redminefake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// A note whose answer is lost (the journal stored, then 502) is found in
// the issue's journals by its marker and not written twice.
func TestLostNoteIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	srv := redminefake.New(t, redminefake.Options{})
	sk := newSink(t, srv, redminefake.Admin)
	ref, err := sk.Create(t.Context(), draft("tb-lc"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Issues()[0].Journals) }
	sinktest.LostComment(t, sk, ref, srv.LoseNextNote, count)
	js := srv.Issues()[0].Journals
	if n := js[len(js)-1].Notes; !strings.HasSuffix(n, "\n\nref: tb-append-0123abcd-5-9") {
		t.Fatalf("note does not end with its marker: %q", n)
	}
}

func TestFindCommentAmongManyJournals(t *testing.T) {
	t.Parallel()
	srv := redminefake.New(t, redminefake.Options{})
	sk := newSink(t, srv, redminefake.Admin)
	ref, err := sk.Create(t.Context(), draft("tb-many"))
	if err != nil {
		t.Fatal(err)
	}
	sinktest.ManyComments(t, sk, ref, 120)
}
