package slack

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// maxThreadPages bounds the conversations.replies pages one FetchThread
// reads (200 messages each).
const maxThreadPages = 25

// LookupUser resolves a user with users.info: the display name (or the
// real name) and the e-mail (with the users:read.email scope). Answers are
// cached for the configured TTL.
func (s *Source) LookupUser(ctx context.Context, userID string) (core.Sender, error) {
	if !validID(userID) {
		return core.Sender{}, &core.CallError{Op: "look up user", Permanent: true, Message: "not a Slack user id"}
	}
	if u, ok := s.users.get(userID); ok {
		return u, nil
	}
	var ans usersInfoAnswer
	if err := s.call(ctx, "look up user", "users.info", url.Values{"user": {userID}}, nil, &ans); err != nil {
		return core.Sender{}, err
	}
	p := ans.User.Profile
	u := core.Sender{ID: userID, Name: p.DisplayName, Email: p.Email, Role: core.RoleCustomer}
	if u.Name == "" {
		u.Name = p.RealName
	}
	if u.Name == "" {
		u.Name = ans.User.Name
	}
	if ans.User.IsBot {
		u.Role = core.RoleBot
	}
	s.users.put(userID, u)
	return u, nil
}

// FetchThread reads a thread with conversations.replies, oldest first;
// with more than limit messages it keeps the newest limit (the root is
// one of them only when the thread is short). Bot messages are included
// with role bot; edits and system messages are left out.
func (s *Source) FetchThread(ctx context.Context, conv core.ConversationRef, limit int) ([]core.Event, error) {
	const op = "fetch thread"
	if conv.Conversation == "" || conv.Thread == "" {
		return nil, &core.CallError{Op: op, Permanent: true, Message: "conversation has no thread"}
	}
	if limit <= 0 {
		limit = 50
	}
	var out []core.Event
	cursor := ""
	for page := 0; page < maxThreadPages; page++ {
		q := url.Values{"channel": {conv.Conversation}, "ts": {conv.Thread}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var ans messagesAnswer
		if err := s.call(ctx, op, "conversations.replies", q, nil, &ans); err != nil {
			return nil, err
		}
		for _, m := range ans.Messages {
			if ev, ok := s.historyEvent(conv, m); ok {
				out = append(out, ev)
			}
		}
		if len(out) > limit {
			out = append(out[:0:0], out[len(out)-limit:]...)
		}
		cursor = ans.Metadata.NextCursor
		if cursor == "" {
			break
		}
	}
	return out, nil
}

// FetchMessage finds one message by its ts: in the channel's history when
// it is a top-level message, else among the replies of its thread.
func (s *Source) FetchMessage(ctx context.Context, conv core.ConversationRef, messageID string) (core.Event, error) {
	const op = "fetch message"
	if conv.Conversation == "" || tsTime(messageID).IsZero() {
		return core.Event{}, &core.CallError{Op: op, Permanent: true, Message: "need a channel and a message ts"}
	}
	exact := url.Values{"channel": {conv.Conversation}, "latest": {messageID}, "oldest": {messageID}, "inclusive": {"true"}, "limit": {"1"}}
	if conv.Thread == "" || conv.Thread == messageID {
		var ans messagesAnswer
		if err := s.call(ctx, op, "conversations.history", exact, nil, &ans); err != nil {
			return core.Event{}, err
		}
		if ev, ok := s.find(conv, ans.Messages, messageID); ok {
			return ev, nil
		}
	}
	// A reply is not in the history; conversations.replies takes the ts of
	// any message in a thread and answers with the root first.
	q := url.Values{"channel": {conv.Conversation}, "ts": {messageID}, "oldest": {messageID}, "inclusive": {"true"}, "limit": {"2"}}
	var ans messagesAnswer
	if err := s.call(ctx, op, "conversations.replies", q, nil, &ans); err != nil {
		return core.Event{}, err
	}
	if ev, ok := s.find(conv, ans.Messages, messageID); ok {
		return ev, nil
	}
	return core.Event{}, &core.CallError{Op: op, Permanent: true, Message: "message_not_found"}
}

func (s *Source) find(conv core.ConversationRef, ms []message, ts string) (core.Event, bool) {
	for _, m := range ms {
		if m.TS == ts {
			ev, ok := s.historyEvent(conv, m)
			if !ok {
				// A bot's or a system message: still the message asked for.
				ev = s.rawEvent(conv.Conversation, m, core.RoleBot)
			}
			return ev, true
		}
	}
	return core.Event{}, false
}

// historyEvent converts a message of a history answer: people's messages
// as customers, bot messages (ours too) as bot.
func (s *Source) historyEvent(conv core.ConversationRef, m message) (core.Event, bool) {
	if ev, ok := s.messageToEvent(m, conv.Conversation); ok {
		return ev, true
	}
	if m.Hidden || (m.Subtype != "" && m.Subtype != "bot_message") || m.TS == "" {
		return core.Event{}, false
	}
	if m.BotID != "" || m.Subtype == "bot_message" || (m.User != "" && m.User == s.botUser()) {
		return s.rawEvent(conv.Conversation, m, core.RoleBot), true
	}
	return core.Event{}, false
}

func (s *Source) rawEvent(channel string, m message, role core.Role) core.Event {
	sender := m.User
	if sender == "" {
		sender = m.BotID
	}
	return core.Event{
		Source:       s.id,
		EventID:      channel + ":" + m.TS,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: channel, Thread: m.ThreadTS},
		Sender:       core.Sender{ID: sender, Role: role},
		Time:         tsTime(m.TS),
		Text:         renderText(m.Text, ""),
		Attachments:  attachments(m.Files),
		Meta:         map[string]any{source.MetaMessageID: m.TS},
	}
}

// FetchAttachment streams a file from its url_private_download with the
// bot token. The URL must be on Slack (https, slack.com or a subdomain)
// or on the configured API host: the token is never sent anywhere else.
// The caller closes the body.
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	const op = "fetch attachment"
	u, err := url.Parse(a.URL)
	if err != nil || !s.trustedFileURL(u) {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "attachment url is not on Slack; refusing to send the bot token there"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, a, core.ClassifyStatus(op, resp.StatusCode, strings.TrimSpace(string(data)), retryAfter(resp.Header.Get("Retry-After"), s.now()))
	}
	ct := resp.Header.Get("Content-Type")
	// Without files:read Slack answers 200 with its sign-in page instead
	// of the file.
	if mt, _, _ := mime.ParseMediaType(ct); mt == "text/html" && !strings.HasPrefix(a.ContentType, "text/html") {
		resp.Body.Close()
		return nil, a, &core.CallError{Op: op, Status: resp.StatusCode, Permanent: true, Message: "slack answered with a web page instead of the file (is the files:read scope granted?)"}
	}
	if a.ContentType == "" {
		a.ContentType = ct
	}
	if resp.ContentLength >= 0 {
		a.Size = resp.ContentLength
	}
	return resp.Body, a, nil
}

func (s *Source) trustedFileURL(u *url.URL) bool {
	if u.User != nil || u.Host == "" {
		return false
	}
	if u.Scheme == s.api.Scheme && u.Host == s.api.Host {
		return true
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme != "https" || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	return host == "slack.com" || strings.HasSuffix(host, ".slack.com") || strings.HasSuffix(host, ".slack-edge.com")
}

// userCache keeps users.info answers for a while. It is bounded: when
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
