package mattermost

import (
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// getPost reads one post.
func (s *Source) getPost(ctx context.Context, op, id string) (post, error) {
	if !validID(id) {
		return post{}, &core.CallError{Op: op, Permanent: true, Message: "not a Mattermost post id"}
	}
	var p post
	err := s.call(ctx, op, http.MethodGet, "/posts/"+id, nil, &p)
	return p, err
}

// LookupUser resolves a user with users/{id}: "First Last" (or the
// nickname, or the username) and the e-mail (shown to the bot when the
// server's privacy settings allow). Answers are cached for the TTL.
func (s *Source) LookupUser(ctx context.Context, userID string) (core.Sender, error) {
	const op = "look up user"
	if !validID(userID) {
		return core.Sender{}, &core.CallError{Op: op, Permanent: true, Message: "not a Mattermost user id"}
	}
	if u, ok := s.users.get(userID); ok {
		return u, nil
	}
	var u user
	if err := s.call(ctx, op, http.MethodGet, "/users/"+userID, nil, &u); err != nil {
		return core.Sender{}, err
	}
	out := core.Sender{ID: userID, Name: displayName(u), Email: u.Email, Role: core.RoleCustomer}
	if u.IsBot {
		out.Role = core.RoleBot
	}
	s.users.put(userID, out)
	return out, nil
}

func displayName(u user) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

// FetchThread reads a thread with posts/{root}/thread, oldest first; with
// more than limit posts it keeps the newest limit. Bot posts (ours too)
// are included with role bot; system messages are left out.
func (s *Source) FetchThread(ctx context.Context, conv core.ConversationRef, limit int) ([]core.Event, error) {
	const op = "fetch thread"
	if !validID(conv.Thread) {
		return nil, &core.CallError{Op: op, Permanent: true, Message: "conversation has no thread"}
	}
	if limit <= 0 {
		limit = 50
	}
	var list postList
	if err := s.call(ctx, op, http.MethodGet, "/posts/"+conv.Thread+"/thread", nil, &list); err != nil {
		return nil, err
	}
	posts := make([]post, 0, len(list.Posts))
	for _, p := range list.Posts {
		if p.DeleteAt == 0 && !strings.HasPrefix(p.Type, "system_") {
			posts = append(posts, p)
		}
	}
	sort.Slice(posts, func(i, j int) bool {
		if posts[i].CreateAt != posts[j].CreateAt {
			return posts[i].CreateAt < posts[j].CreateAt
		}
		return posts[i].ID < posts[j].ID
	})
	if len(posts) > limit {
		posts = posts[len(posts)-limit:]
	}
	out := make([]core.Event, 0, len(posts))
	for _, p := range posts {
		out = append(out, s.postEvent(p))
	}
	return out, nil
}

// FetchMessage reads one post by id.
func (s *Source) FetchMessage(ctx context.Context, _ core.ConversationRef, messageID string) (core.Event, error) {
	p, err := s.getPost(ctx, "fetch message", messageID)
	if err != nil {
		return core.Event{}, err
	}
	return s.postEvent(p), nil
}

// postEvent converts a post from the API. Its thread is its root (itself
// for a root), the same conversation its outgoing webhook delivery got.
func (s *Source) postEvent(p post) core.Event {
	bot, _ := s.botUser()
	role := core.RoleCustomer
	if isBotPost(p) || (bot != "" && p.UserID == bot) {
		role = core.RoleBot
	}
	thread := p.RootID
	if thread == "" {
		thread = p.ID
	}
	var atts []core.Attachment
	if p.Metadata != nil && len(p.Metadata.Files) > 0 {
		for _, f := range p.Metadata.Files {
			atts = append(atts, s.attachment(f))
		}
	} else {
		for _, id := range p.FileIDs {
			if validID(id) {
				atts = append(atts, s.attachment(fileInfo{ID: id}))
			}
		}
	}
	return core.Event{
		Source:       s.id,
		EventID:      p.ID,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: p.ChannelID, Thread: thread},
		Sender:       core.Sender{ID: p.UserID, Role: role},
		Time:         time.UnixMilli(p.CreateAt).UTC(),
		Text:         p.Message,
		Attachments:  atts,
		Meta:         map[string]any{source.MetaMessageID: p.ID},
	}
}

// attachment is the reference to an uploaded file; its URL is the API's
// download path (it needs the bot token).
func (s *Source) attachment(f fileInfo) core.Attachment {
	return core.Attachment{
		ID: f.ID, Name: f.Name, ContentType: f.MimeType, Size: f.Size,
		URL: s.base.JoinPath("api", "v4", "files", f.ID).String(),
	}
}

// FetchAttachment streams a file with files/{id}, after reading its
// metadata (files/{id}/info) when the event did not carry it. The file is
// found by its id on the configured server, whatever URL the attachment
// names, so the bot token never goes elsewhere. The caller closes the
// body.
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	const op = "fetch attachment"
	if !validID(a.ID) {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "not a Mattermost file id"}
	}
	if a.Name == "" || a.ContentType == "" || a.Size == 0 {
		var info fileInfo
		if err := s.call(ctx, op, http.MethodGet, "/files/"+a.ID+"/info", nil, &info); err != nil {
			return nil, a, err
		}
		if a.Name == "" {
			a.Name = info.Name
		}
		if a.ContentType == "" {
			a.ContentType = info.MimeType
		}
		if a.Size == 0 {
			a.Size = info.Size
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base.JoinPath("api", "v4", "files", a.ID).String(), nil)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, a, s.failure(op, resp)
	}
	if a.ContentType == "" {
		a.ContentType = resp.Header.Get("Content-Type")
	}
	if resp.ContentLength >= 0 {
		a.Size = resp.ContentLength
	}
	a.URL = req.URL.String()
	return resp.Body, a, nil
}

// userCache keeps users/{id} answers for a while. It is bounded: when
// full, expired entries go, and if none has expired, all do.
type userCache struct {
	ttl time.Duration
	now func() time.Time
	max int

	mu sync.Mutex
	m  map[string]cachedUser
}

type cachedUser struct {
	u   core.Sender
	exp time.Time
}

func newUserCache(ttl time.Duration, now func() time.Time) *userCache {
	return &userCache{ttl: ttl, now: now, max: 10000, m: map[string]cachedUser{}}
}

func (c *userCache) get(id string) (core.Sender, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !c.now().Before(e.exp) {
		return core.Sender{}, false
	}
	return e.u, true
}

func (c *userCache) put(id string, u core.Sender) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.exp) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[id] = cachedUser{u: u, exp: now.Add(c.ttl)}
}
