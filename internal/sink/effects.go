package sink

import (
	"context"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// CommentFinder finds our comment whose key (core.Comment.Key) starts
// with prefix and returns its whole key. An append retried after an
// unknown outcome (a lost answer, a crash before the cursor moved) looks
// for its earlier comment before writing it again.
type CommentFinder interface {
	FindComment(ctx context.Context, ref core.TicketRef, prefix string) (key string, found bool, err error)
}

// IdempotentCommenter is a sink whose system itself drops a repeated
// comment carrying the same key, so a retry may write it again.
type IdempotentCommenter interface {
	CommentsIdempotently() bool
}

// AttachmentFinder finds a file an earlier attempt put on the ticket and
// lost the answer of: by f.Key where the system keeps a description
// beside a file, else by f.Name and f.Size. Sinks that upload a file as
// part of a comment carrying the key are found by CommentFinder instead.
type AttachmentFinder interface {
	FindAttachment(ctx context.Context, ref core.TicketRef, f core.File) (found bool, err error)
}
