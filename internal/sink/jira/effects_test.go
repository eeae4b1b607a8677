package jira_test

import (
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/jira/jirafake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// An upload whose answer is lost (the file stored, then 502) is found
// among the issue's attachments by name and size, and not sent twice.
func TestLostUploadIsFoundByNameAndSize(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	sk := newSink(t, site, nil)
	ref, err := sk.Create(t.Context(), draft())
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { is, _ := site.Issue(ref.Key); return len(is.Attachments) }
	sinktest.LostUpload(t, sk, ref, sinktest.ByAttachment(sk, ref), site.LoseNextUpload, count)
}

// A lost comment answer is found by the comment property on the retry.
func TestLostCommentIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	sk := newSink(t, site, nil)
	ref, err := sk.Create(t.Context(), draft())
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { is, _ := site.Issue(ref.Key); return len(is.Comments) }
	sinktest.LostComment(t, sk, ref, site.LoseNextComment, count)
}
