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

// An upload whose attaching PUT lost its answer is found by the key in the
// attachment's description, and not attached twice.
func TestLostUploadIsFoundByItsDescription(t *testing.T) {
	t.Parallel()
	srv := redminefake.New(t, redminefake.Options{})
	sk := newSink(t, srv, redminefake.Admin)
	ref, err := sk.Create(t.Context(), draft("tb-lu"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Issues()[0].Attachments) }
	sinktest.LostUpload(t, sk, ref, sinktest.ByAttachment(sk, ref), srv.LoseNextNote, count)
	if d := srv.Issues()[0].Attachments[0].Description; d != "tb-attach-0123abcd-5-9f86d081884c" {
		t.Fatalf("attachment description = %q, want the effect's key", d)
	}
}
