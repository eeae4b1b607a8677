package linear_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/linear"
	"github.com/ticketbridge/ticketbridge/internal/sink/linear/linearfake"
)

// A keyed comment goes out under the id CommentID(key): after a lost
// answer (stored, connection dropped) the sink reads it back by that id
// and reports it written; a later retry (a crash before the cursor moved)
// writes it again, Linear refuses the known id, and the sink reads it back
// too. The comment is on the issue once.
func TestLostCommentIsWrittenOnce(t *testing.T) {
	t.Parallel()
	srv := linearfake.New(t, linearfake.Options{})
	sk := newSink(t, srv)
	ctx := t.Context()
	ref, err := sk.Create(ctx, core.TicketDraft{ExternalID: "tb-lc", Title: "lost comment", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if !sk.CommentsIdempotently() {
		t.Fatal("the linear sink must say its keyed comments are idempotent")
	}
	c := core.Comment{Body: "[10:00] Ann: the box was wet", Public: true, Key: "tb-append-0123abcd-5-9"}
	srv.LoseNextComment()
	if err := sk.Comment(ctx, ref, c); err != nil {
		t.Fatalf("Comment with a lost answer = %v, want it read back", err)
	}
	if n := len(srv.Issues()[0].Comments); n != 1 {
		t.Fatalf("%d comments after the lost answer, want 1", n)
	}
	if err := sk.Comment(ctx, ref, c); err != nil {
		t.Fatalf("the retry = %v, want the earlier comment found", err)
	}
	if n := len(srv.Issues()[0].Comments); n != 1 {
		t.Fatalf("%d comments after the retry, want 1", n)
	}
	// Another range is another comment; a comment without a key has none.
	for _, other := range []core.Comment{{Body: "next", Key: "tb-append-0123abcd-10-12"}, {Body: "plain"}, {Body: "plain"}} {
		if err := sk.Comment(ctx, ref, other); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Issues()[0].Comments); n != 4 {
		t.Fatalf("%d comments, want 4", n)
	}
}

// A refused repeat on another issue is not taken for ours.
func TestCommentIDBelongsToItsIssue(t *testing.T) {
	t.Parallel()
	srv := linearfake.New(t, linearfake.Options{})
	sk := newSink(t, srv)
	ctx := t.Context()
	a, _ := sk.Create(ctx, core.TicketDraft{ExternalID: "tb-a", Title: "a", Description: "d"})
	b, _ := sk.Create(ctx, core.TicketDraft{ExternalID: "tb-b", Title: "b", Description: "d"})
	c := core.Comment{Body: "x", Key: "tb-append-0123abcd-1-1"}
	if err := sk.Comment(ctx, a, c); err != nil {
		t.Fatal(err)
	}
	if err := sk.Comment(ctx, b, c); err == nil {
		t.Fatal("a comment id known on another issue was taken as written here")
	}
	if linear.CommentID("k") == linear.IssueID("k") {
		t.Fatal("comment and issue ids of one name must differ")
	}
}

// A keyed file is attached under the id AttachmentID(key): after a lost
// answer the sink reads it back and reports it attached, FindAttachment
// finds it, and a repeat is refused by Linear and read back: the issue has
// the file once.
func TestLostAttachmentIsAttachedOnce(t *testing.T) {
	t.Parallel()
	srv := linearfake.New(t, linearfake.Options{})
	sk := newSink(t, srv)
	ctx := t.Context()
	ref, err := sk.Create(ctx, core.TicketDraft{ExternalID: "tb-la", Title: "lost attachment", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	f := core.File{Name: "shot.png", ContentType: "image/png", Size: 5, Key: "tb-attach-0123abcd-5-9f86d081884c"}
	if found, err := sk.FindAttachment(ctx, ref, f); err != nil || found {
		t.Fatalf("FindAttachment before = %v, %v", found, err)
	}
	srv.LoseNextAttachment()
	if err := sk.Attach(ctx, ref, f, strings.NewReader("12345")); err != nil {
		t.Fatalf("Attach with a lost answer = %v, want it read back", err)
	}
	if found, err := sk.FindAttachment(ctx, ref, f); err != nil || !found {
		t.Fatalf("FindAttachment after = %v, %v", found, err)
	}
	if err := sk.Attach(ctx, ref, f, strings.NewReader("12345")); err != nil {
		t.Fatalf("a repeat = %v, want the earlier attachment found", err)
	}
	if n := len(srv.Issues()[0].Attachments); n != 1 {
		t.Fatalf("%d attachments, want 1", n)
	}
	other := f
	other.Key = "tb-attach-0123abcd-6-000000000000"
	if found, err := sk.FindAttachment(ctx, ref, other); err != nil || found {
		t.Fatalf("FindAttachment(another file) = %v, %v", found, err)
	}
}
