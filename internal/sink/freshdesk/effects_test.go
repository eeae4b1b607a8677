package freshdesk_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
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
// every page, so the newest is found on a ticket with more than ten pages
// (it read at most ten before session 9).
func TestFindCommentReadsEveryPage(t *testing.T) {
	t.Parallel()
	srv := freshdeskfake.New(t, freshdeskfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), draft("tb-many", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	sinktest.ManyComments(t, sk, ref, 1050)
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

// A ticket whose conversations never end within the pages the look-up
// reads is an error that says so, not "not found", which would make the
// caller post the note a second time.
func TestFindCommentFailsWhenItCannotReadToTheEnd(t *testing.T) {
	t.Parallel()
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/tickets/7/conversations") {
			http.NotFound(w, r)
			return
		}
		pages.Add(1)
		page := make([]freshdesk.Conversation, 100)
		for i := range page {
			page[i] = freshdesk.Conversation{ID: int64(i + 1), BodyText: "an agent's note", TicketID: 7}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
	}))
	t.Cleanup(srv.Close)
	sk, err := freshdesk.New("fd", freshdesk.Settings{URL: srv.URL, APIKey: "key", FallbackEmail: "chat@example.com", WebhookToken: "token-0123456789abcdef"}, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	_, found, err := sk.FindComment(t.Context(), core.TicketRef{Key: "7"}, "tb-append-feed0001-1-")
	var ce *core.CallError
	if found || !errors.As(err, &ce) || !ce.Permanent || !strings.Contains(err.Error(), "cannot be looked for") {
		t.Fatalf("FindComment over endless pages = found %v, %v; want a permanent error saying it cannot look", found, err)
	}
	if n := pages.Load(); n != 500 {
		t.Fatalf("read %d pages, want 500 (50,000 conversations)", n)
	}
}
