package mattermost

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// keyProp is the post prop that carries a notice's key: props are kept
// with the post and returned by every read, and no one sees them.
const keyProp = "ticketbridge_key"

// FindPost looks for our post with this key among the channel's posts
// changed since then (Mattermost's "since" includes thread replies).
func (s *Source) FindPost(ctx context.Context, to core.ConversationRef, key string, since time.Time) (core.PostedRef, bool, error) {
	const op = "find posted message"
	if !validID(to.Conversation) {
		return core.PostedRef{}, false, &core.CallError{Op: op, Permanent: true, Message: "no channel to look in"}
	}
	q := url.Values{"since": {strconv.FormatInt(since.UnixMilli(), 10)}}
	var list postList
	if err := s.call(ctx, op, http.MethodGet, "/channels/"+to.Conversation+"/posts?"+q.Encode(), nil, &list); err != nil {
		return core.PostedRef{}, false, err
	}
	for _, p := range list.Posts {
		if p.DeleteAt == 0 && p.Props[keyProp] == key {
			return core.PostedRef{ID: p.ID}, true, nil
		}
	}
	return core.PostedRef{}, false, nil
}
