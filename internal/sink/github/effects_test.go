package github_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/github"
	"github.com/ticketbridge/ticketbridge/internal/sink/github/githubfake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// In both dialects a comment whose answer is lost (stored, then 502) is
// found by its hidden marker and not written twice.
func TestLostCommentIsFoundNotRepeated(t *testing.T) {
	t.Parallel()
	for _, d := range []string{github.TypeGitHub, github.TypeGitea} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			srv := githubfake.New(t, githubfake.Options{Dialect: d})
			sk := newSink(t, srv)
			ref, err := sk.Create(t.Context(), core.TicketDraft{ExternalID: "tb-lc", Title: "lost comment", Description: "d"})
			if err != nil {
				t.Fatal(err)
			}
			count := func() int { return len(srv.Issues()[0].Comments) }
			sinktest.LostComment(t, sk, ref, srv.LoseNextComment, count)
			body := srv.Issues()[0].Comments[0].Body
			if !strings.Contains(body, "\n\n<!-- ticketbridge:tb-append-0123abcd-5-9 -->\n\n"+github.CommentMarker) {
				t.Fatalf("comment does not carry its hidden marker: %q", body)
			}
		})
	}
}

// GitHub lists an issue's comments oldest first, 100 a page at most: the
// look-up reads the last pages, so the newest comment is found on an
// issue with more than one page of them.
func TestFindCommentReadsTheLastPages(t *testing.T) {
	t.Parallel()
	for _, d := range []string{github.TypeGitHub, github.TypeGitea} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			srv := githubfake.New(t, githubfake.Options{Dialect: d})
			sk := newSink(t, srv)
			ref, err := sk.Create(t.Context(), core.TicketDraft{ExternalID: "tb-many", Title: "many", Description: "d"})
			if err != nil {
				t.Fatal(err)
			}
			sinktest.ManyComments(t, sk, ref, 230)
		})
	}
}

// A Gitea asset whose answer is lost is found among the issue's assets by
// name and size, and not uploaded twice.
func TestLostGiteaUploadIsFoundByNameAndSize(t *testing.T) {
	t.Parallel()
	srv := githubfake.New(t, githubfake.Options{Dialect: github.TypeGitea})
	gs := github.GiteaSink{Sink: newSink(t, srv)}
	ref, err := gs.Create(t.Context(), core.TicketDraft{ExternalID: "tb-lu", Title: "lost upload", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { return len(srv.Issues()[0].Assets) }
	sinktest.LostUpload(t, gs, ref, sinktest.ByAttachment(gs, ref), srv.LoseNextComment, count)
}
