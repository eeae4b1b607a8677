package zammad_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
	"github.com/ticketbridge/ticketbridge/internal/sink/zammad/zammadfake"
)

// An article whose answer is lost (stored, then 502) is found among the
// ticket's articles by its marker and not written twice.
func TestLostArticleIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	srv := zammadfake.New(t, zammadfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), draft("tb-lc", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Tickets()[0].Articles) }
	sinktest.LostComment(t, sk, ref, srv.LoseNextArticle, count)
	arts := srv.Tickets()[0].Articles
	if b := arts[len(arts)-1].Body; !strings.HasSuffix(b, "\n\nref: tb-append-0123abcd-5-9") {
		t.Fatalf("article does not end with its marker: %q", b)
	}
}

func TestFindCommentAmongManyArticles(t *testing.T) {
	t.Parallel()
	srv := zammadfake.New(t, zammadfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), draft("tb-many", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	sinktest.ManyComments(t, sk, ref, 120)
}

// An article carrying a file whose answer is lost is found by the key in
// its body, and not attached twice.
func TestLostUploadIsFoundByItsArticle(t *testing.T) {
	t.Parallel()
	srv := zammadfake.New(t, zammadfake.Options{})
	sk := newSink(t, srv)
	ref, err := sk.Create(t.Context(), draft("tb-lu", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Tickets()[0].Articles) }
	sinktest.LostUpload(t, sk, ref, sinktest.ByComment(sk, ref), srv.LoseNextArticle, count)
}
