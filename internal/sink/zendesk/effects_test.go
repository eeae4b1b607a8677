package zendesk_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk/zendeskfake"
)

// A comment whose answer is lost (stored, then 502) is found by its key
// on the retry and not written twice.
func TestLostCommentIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	f, sk := setup(t, zendeskfake.Options{})
	ref, err := sk.Create(t.Context(), draft("tb-lostc"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { tk, _ := f.Ticket(1); return len(tk.Comments) }
	sinktest.LostComment(t, sk, ref, f.LoseNextComment, count)
	tk, _ := f.Ticket(1)
	last := tk.Comments[len(tk.Comments)-1].Body
	if !strings.HasSuffix(last, "\n\nref: tb-append-0123abcd-5-9") {
		t.Fatalf("comment body does not end with its marker line: %q", last)
	}
}

// The look-up reads the newest page (sort_order=desc), so it finds the
// latest comment on a ticket with more comments than one page holds.
func TestFindCommentReadsTheNewestPage(t *testing.T) {
	t.Parallel()
	f, sk := setup(t, zendeskfake.Options{})
	ref, err := sk.Create(t.Context(), draft("tb-many"))
	if err != nil {
		t.Fatal(err)
	}
	sinktest.ManyComments(t, sk, ref, 130)
	r := lastRequest(t, f, "GET", "/api/v2/tickets/1/comments.json")
	if !strings.Contains(r.RawQuery, "sort_order=desc") {
		t.Fatalf("comments read without sort_order=desc: %q", r.RawQuery)
	}
}

// An upload whose ticket update lost its answer is found by the key in
// the comment that carries the file, and not attached twice.
func TestLostUploadIsFoundByItsComment(t *testing.T) {
	t.Parallel()
	f, sk := setup(t, zendeskfake.Options{})
	ref, err := sk.Create(t.Context(), draft("tb-lostu"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { tk, _ := f.Ticket(1); return len(tk.Comments) }
	sinktest.LostUpload(t, sk, ref, sinktest.ByComment(sk, ref), f.LoseNextComment, count)
}
