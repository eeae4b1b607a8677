// Package sinktest holds checks every ticket connector must pass against
// its own fake of the ticket system, so each connector proves the same
// promise the same way.
package sinktest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Commenter is a connector that writes comments and can find its own.
type Commenter interface {
	Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error
	sink.CommentFinder
}

// LostComment drives what the append worker does after a comment's answer
// is lost: lose makes the fake store the next comment and answer with an
// error (a 502, a dropped connection); count reads how many comments the
// fake holds on ref's ticket. The comment must be written once, found by
// its key's prefix afterwards, and not confused with another range or
// link.
func LostComment(t *testing.T, s Commenter, ref core.TicketRef, lose func(), count func() int) {
	t.Helper()
	ctx := t.Context()
	const key = "tb-append-0123abcd-5-9"
	if k, found, err := s.FindComment(ctx, ref, "tb-append-0123abcd-5-"); err != nil || found {
		t.Fatalf("FindComment before any comment = %q, %v, %v; want not found", k, found, err)
	}
	before := count()
	lose()
	err := s.Comment(ctx, ref, core.Comment{Body: "[2026-12-04 10:00] Ann: the box was wet\n[2026-12-04 10:01] Ann: photo follows", Public: true, Author: "ticketbridge", Key: key})
	if err == nil {
		t.Fatal("Comment with a lost answer returned no error")
	}
	if core.IsPermanent(err) {
		t.Fatalf("a lost answer must be retried, got a permanent error: %v", err)
	}
	if n := count(); n != before+1 {
		t.Fatalf("the fake holds %d comments, want %d (the lost one stored)", n, before+1)
	}
	// The retry looks before writing again.
	got, found, err := s.FindComment(ctx, ref, "tb-append-0123abcd-5-")
	if err != nil || !found || got != key {
		t.Fatalf("FindComment after the lost answer = %q, %v, %v; want %q", got, found, err, key)
	}
	for _, other := range []string{"tb-append-0123abcd-10-", "tb-append-ffff0000-", "tb-attach-0123abcd-"} {
		if k, found, err := s.FindComment(ctx, ref, other); err != nil || found {
			t.Errorf("FindComment(%q) = %q, %v, %v; want not found", other, k, found, err)
		}
	}
	if n := count(); n != before+1 {
		t.Fatalf("the fake holds %d comments after the look-up, want %d", n, before+1)
	}
}

// ManyComments writes n keyed comments (keys tb-append-<link>-<i>-<i>)
// and checks that the newest is found: the look-up reads the newest
// comments first, whatever the system's page size.
func ManyComments(t *testing.T, s Commenter, ref core.TicketRef, n int) {
	t.Helper()
	ctx := t.Context()
	for i := 1; i <= n; i++ {
		key := fmt.Sprintf("tb-append-feed0001-%d-%d", i, i)
		if err := s.Comment(ctx, ref, core.Comment{Body: fmt.Sprintf("follow-up %d", i), Public: true, Key: key}); err != nil {
			t.Fatalf("comment %d: %v", i, err)
		}
	}
	prefix := fmt.Sprintf("tb-append-feed0001-%d-", n)
	got, found, err := s.FindComment(ctx, ref, prefix)
	if err != nil || !found || got != fmt.Sprintf("tb-append-feed0001-%d-%d", n, n) {
		t.Fatalf("FindComment(%q) among %d comments = %q, %v, %v", prefix, n, got, found, err)
	}
}

// Finder is how a connector looks for a file an earlier attempt put on a
// ticket: FindAttachment, or FindComment by the file's key for systems
// that upload a file with a comment.
type Finder func(ctx context.Context, f core.File) (bool, error)

// ByComment is the Finder of a connector whose uploads travel in a
// comment carrying the file's key.
func ByComment(s sink.CommentFinder, ref core.TicketRef) Finder {
	return func(ctx context.Context, f core.File) (bool, error) {
		_, found, err := s.FindComment(ctx, ref, f.Key)
		return found, err
	}
}

// ByAttachment is the Finder of a connector with FindAttachment.
func ByAttachment(s sink.AttachmentFinder, ref core.TicketRef) Finder {
	return func(ctx context.Context, f core.File) (bool, error) { return s.FindAttachment(ctx, ref, f) }
}

// LostUpload drives what the attach worker does after an upload's answer
// is lost: lose makes the fake keep the next upload and answer with an
// error; count reads how many files (or file-carrying comments) the fake
// holds on ref's ticket. The file must be stored once and found by find
// afterwards, and another file must not be taken for it.
func LostUpload(t *testing.T, s sink.Attacher, ref core.TicketRef, find Finder, lose func(), count func() int) {
	t.Helper()
	ctx := t.Context()
	data := "\x89PNG\r\n\x1a\npx" // small: the tests set tiny limits
	f := core.File{Name: "photo.png", ContentType: "image/png", Size: int64(len(data)), Key: "tb-attach-0123abcd-5-9f86d081884c"}
	if found, err := find(ctx, f); err != nil || found {
		t.Fatalf("find before any upload = %v, %v; want not found", found, err)
	}
	before := count()
	lose()
	err := s.Attach(ctx, ref, f, strings.NewReader(data))
	if err == nil {
		t.Fatal("Attach with a lost answer returned no error")
	}
	if core.IsPermanent(err) || errors.Is(err, sink.ErrTooLarge) {
		t.Fatalf("a lost answer must be retried, got %v", err)
	}
	if n := count(); n != before+1 {
		t.Fatalf("the fake holds %d files, want %d (the lost one stored)", n, before+1)
	}
	if found, err := find(ctx, f); err != nil || !found {
		t.Fatalf("find after the lost answer = %v, %v; want found", found, err)
	}
	other := f
	other.Name, other.Size, other.Key = "other.pdf", 99, "tb-attach-0123abcd-6-000000000000"
	if found, err := find(ctx, other); err != nil || found {
		t.Errorf("find(another file) = %v, %v; want not found", found, err)
	}
	if n := count(); n != before+1 {
		t.Fatalf("the fake holds %d files after the look-up, want %d", n, before+1)
	}
}
