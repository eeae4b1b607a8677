package freshdesk_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/freshdesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/freshdesk/freshdeskfake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// A note (or a reply) whose answer is lost (stored, then 502) is found
// among the ticket's conversations by its marker and not written twice.
func TestLostNoteIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"note", "reply"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := freshdeskfake.New(t, freshdeskfake.Options{})
			sk := newSink(t, srv, func(s *freshdesk.Settings) { s.PublicComments = mode })
			ref, err := sk.Create(t.Context(), draft("tb-lc", "ann@example.com"))
			if err != nil {
				t.Fatal(err)
			}
			count := func() int { return len(srv.Tickets()[0].Notes) }
			sinktest.LostComment(t, sk, ref, srv.LoseNextNote, count)
			ns := srv.Tickets()[0].Notes
			if b := ns[len(ns)-1].Body; !strings.HasSuffix(b, "<br><br>ref: tb-append-0123abcd-5-9</div>") {
				t.Fatalf("note does not end with its marker: %q", b)
			}
		})
	}
}

// Conversations list oldest first, 100 a page at most: the look-up reads
// every page, so the newest is found on a ticket with several pages.
func TestFindCommentReadsEveryPage(t *testing.T) {
	t.Parallel()
	srv := freshdeskfake.New(t, freshdeskfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), draft("tb-many", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	sinktest.ManyComments(t, sk, ref, 230)
}

// A file note whose answer is lost is found by the key in its body, and
// not attached twice.
func TestLostUploadIsFoundByItsNote(t *testing.T) {
	t.Parallel()
	srv := freshdeskfake.New(t, freshdeskfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), draft("tb-lu", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Tickets()[0].Notes) }
	sinktest.LostUpload(t, sk, ref, sinktest.ByComment(sk, ref), srv.LoseNextNote, count)
	if ns := srv.Tickets()[0].Notes; len(ns[len(ns)-1].Files) != 1 {
		t.Fatalf("the note carries files %v", ns[len(ns)-1].Files)
	}
}
