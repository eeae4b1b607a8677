package gitlab_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/gitlab"
	"github.com/ticketbridge/ticketbridge/internal/sink/gitlab/gitlabfake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// A note whose answer is lost (stored, then 502) is found by its hidden
// marker and not written twice.
func TestLostNoteIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	srv := gitlabfake.New(t, gitlabfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), core.TicketDraft{ExternalID: "tb-lc", Title: "lost note", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Issues()[0].Notes) }
	sinktest.LostComment(t, sk, ref, srv.LoseNextNote, count)
	body := srv.Issues()[0].Notes[0].Body
	if !strings.HasSuffix(body, "\n\n<!-- ticketbridge:tb-append-0123abcd-5-9 -->\n\n"+gitlab.NoteMarker) {
		t.Fatalf("note does not carry its hidden marker: %q", body)
	}
}

// The look-up reads the newest page (sort=desc), so it finds the latest
// note on an issue with more notes than a page holds.
func TestFindCommentReadsTheNewestNotes(t *testing.T) {
	t.Parallel()
	srv := gitlabfake.New(t, gitlabfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), core.TicketDraft{ExternalID: "tb-many", Title: "many", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	sinktest.ManyComments(t, sk, ref, 130)
}

// The note that links an uploaded file, its answer lost, is found by the
// file's key, and the file is not attached twice.
func TestLostUploadIsFoundByItsNote(t *testing.T) {
	t.Parallel()
	srv := gitlabfake.New(t, gitlabfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), core.TicketDraft{ExternalID: "tb-lu", Title: "lost upload", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Issues()[0].Notes) }
	sinktest.LostUpload(t, sk, ref, sinktest.ByComment(sk, ref), srv.LoseNextNote, count)
}
