package slack

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// noticeEventType is the metadata event type of every message we post;
// its payload's "key" is the notice's key.
const noticeEventType = "ticketbridge_notice"

// maxFindPages bounds the history pages a FindPost reads: notices are
// looked for right after the attempt that may have posted them, so they
// are among the newest messages.
const maxFindPages = 3

// FindPost looks for our message with this key posted since then: in the
// thread (conversations.replies) or the channel (conversations.history),
// with include_all_metadata so that the key is visible.
func (s *Source) FindPost(ctx context.Context, to core.ConversationRef, key string, since time.Time) (core.PostedRef, bool, error) {
	const op = "find posted message"
	method := "conversations.history"
	q := url.Values{"channel": {to.Conversation}, "limit": {"100"}, "include_all_metadata": {"true"}}
	if to.Thread != "" {
		method = "conversations.replies"
		q.Set("ts", to.Thread)
	}
	if !since.IsZero() {
		q.Set("oldest", fmt.Sprintf("%d.000000", since.Unix()))
	}
	for range maxFindPages {
		var ans messagesAnswer
		if err := s.call(ctx, op, method, q, nil, &ans); err != nil {
			return core.PostedRef{}, false, err
		}
		for _, m := range ans.Messages {
			if m.Metadata != nil && m.Metadata.EventType == noticeEventType && m.Metadata.EventPayload["key"] == key {
				return core.PostedRef{ID: m.TS}, true, nil
			}
		}
		if ans.Metadata.NextCursor == "" {
			break
		}
		q.Set("cursor", ans.Metadata.NextCursor)
	}
	return core.PostedRef{}, false, nil
}
