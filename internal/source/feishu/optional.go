package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

const (
	userTTL      = time.Hour
	maxUsers     = 10000
	pageSize     = 50
	maxChatPages = 5
)

type cachedUser struct {
	user    core.Sender
	fetched time.Time
}

// LookupUser returns a user's name and e-mail by open_id, cached for an
// hour (the contact API is rate limited per tenant).
func (s *Source) LookupUser(ctx context.Context, openID string) (core.Sender, error) {
	s.usersMu.Lock()
	c, ok := s.users[openID]
	s.usersMu.Unlock()
	if ok && s.now().Sub(c.fetched) < userTTL {
		return c.user, nil
	}
	var out struct {
		User struct {
			OpenID          string `json:"open_id"`
			Name            string `json:"name"`
			EnName          string `json:"en_name"`
			Email           string `json:"email"`
			EnterpriseEmail string `json:"enterprise_email"`
		} `json:"user"`
	}
	path := "/open-apis/contact/v3/users/" + url.PathEscape(openID) + "?user_id_type=open_id"
	if err := s.call(ctx, "look up user", http.MethodGet, path, nil, &out); err != nil {
		return core.Sender{}, err
	}
	u := core.Sender{
		ID:    openID,
		Name:  firstOf(out.User.Name, out.User.EnName),
		Email: firstOf(out.User.EnterpriseEmail, out.User.Email),
		Role:  core.RoleCustomer,
	}
	s.usersMu.Lock()
	if len(s.users) >= maxUsers {
		// Dropping everything is crude but bounded; lookups refill it.
		s.users = map[string]cachedUser{}
	}
	s.users[openID] = cachedUser{user: u, fetched: s.now()}
	s.usersMu.Unlock()
	return u, nil
}

// FetchMessage fetches one message by id.
func (s *Source) FetchMessage(ctx context.Context, conv core.ConversationRef, messageID string) (core.Event, error) {
	m, err := s.getMessage(ctx, messageID)
	if err != nil {
		return core.Event{}, err
	}
	ev, _ := s.apiEvent(m, conv)
	return ev, nil
}

func (s *Source) getMessage(ctx context.Context, id string) (apiMessage, error) {
	var out struct {
		Items []apiMessage `json:"items"`
	}
	if err := s.call(ctx, "fetch message", http.MethodGet, "/open-apis/im/v1/messages/"+url.PathEscape(id), nil, &out); err != nil {
		return apiMessage{}, err
	}
	if len(out.Items) == 0 {
		return apiMessage{}, &core.CallError{Op: "fetch message", Permanent: true, Message: "message not found"}
	}
	return out.Items[0], nil
}

// FetchThread returns the thread rooted at conv.Thread, oldest first. A
// topic (the root has a thread_id) is listed directly; replies outside a
// topic are found by reading the chat's recent pages back for messages
// whose root is the thread's.
func (s *Source) FetchThread(ctx context.Context, conv core.ConversationRef, limit int) ([]core.Event, error) {
	if conv.Thread == "" {
		return nil, &core.CallError{Op: "fetch thread", Permanent: true, Message: "conversation has no thread"}
	}
	if limit <= 0 {
		limit = pageSize
	}
	root, err := s.getMessage(ctx, conv.Thread)
	if err != nil {
		return nil, err
	}
	var msgs []apiMessage
	if root.ThreadID != "" {
		msgs, err = s.listMessages(ctx, "thread", root.ThreadID, limit, nil)
	} else {
		msgs, err = s.listMessages(ctx, "chat", firstOf(root.ChatID, conv.Conversation), limit, func(m apiMessage) bool {
			return m.RootID == conv.Thread
		})
		if err == nil && len(msgs) < limit {
			msgs = append(msgs, root)
		}
	}
	if err != nil {
		return nil, err
	}
	out := make([]core.Event, 0, len(msgs))
	for _, m := range msgs {
		if ev, ok := s.apiEvent(m, conv); ok {
			out = append(out, ev)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// listMessages reads a container newest first until limit messages that
// pass keep (nil keeps all) are found; chats are read at most
// maxChatPages deep.
func (s *Source) listMessages(ctx context.Context, kind, id string, limit int, keep func(apiMessage) bool) ([]apiMessage, error) {
	var out []apiMessage
	pageToken := ""
	for page := 0; ; page++ {
		q := url.Values{
			"container_id_type": {kind},
			"container_id":      {id},
			"sort_type":         {"ByCreateTimeDesc"},
			"page_size":         {strconv.Itoa(min(pageSize, max(limit, 1)))},
		}
		if pageToken != "" {
			q.Set("page_token", pageToken)
		}
		var ans struct {
			HasMore   bool         `json:"has_more"`
			PageToken string       `json:"page_token"`
			Items     []apiMessage `json:"items"`
		}
		if err := s.call(ctx, "list messages", http.MethodGet, "/open-apis/im/v1/messages?"+q.Encode(), nil, &ans); err != nil {
			return nil, err
		}
		for _, m := range ans.Items {
			if keep == nil || keep(m) {
				out = append(out, m)
				if len(out) == limit {
					return out, nil
				}
			}
		}
		if !ans.HasMore || ans.PageToken == "" || (kind == "chat" && page+1 >= maxChatPages) {
			return out, nil
		}
		pageToken = ans.PageToken
	}
}

// apiEvent converts a message from the message APIs; ok is false for
// deleted messages and kinds without text or files.
func (s *Source) apiEvent(m apiMessage, conv core.ConversationRef) (core.Event, bool) {
	text, atts, ok := s.render(m.MsgType, m.Body.Content, m.MessageID, mentionNames(m.Mentions))
	if m.Deleted {
		ok = false
	}
	raw, _ := json.Marshal(m)
	return core.Event{
		Source:       s.id,
		EventID:      m.MessageID,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: firstOf(m.ChatID, conv.Conversation), Thread: m.RootID},
		Sender:       core.Sender{ID: m.Sender.ID, Role: role(m.Sender.SenderType)},
		Time:         msTime(m.CreateTime),
		Text:         text,
		Attachments:  atts,
		Meta:         map[string]any{source.MetaMessageID: m.MessageID, MetaMsgType: m.MsgType},
		Raw:          raw,
	}, ok
}

// FetchAttachment streams a message resource. Only URLs on our API host's
// resource path are fetched: the tenant token must not go elsewhere.
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	const op = "fetch attachment"
	prefix := s.api + "/open-apis/im/v1/messages/"
	if !strings.HasPrefix(a.URL, prefix) || !strings.Contains(a.URL, "/resources/") {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "attachment url is not a feishu message resource"}
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := s.tenantToken(ctx, stale)
		if err != nil {
			return nil, a, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.URL, nil)
		if err != nil {
			return nil, a, &core.CallError{Op: op, Permanent: true, Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := s.http.Do(req)
		if err != nil {
			return nil, a, &core.CallError{Op: op, Err: err}
		}
		if resp.StatusCode == http.StatusOK && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			fillInfo(&a, resp)
			return resp.Body, a, nil
		}
		// Errors come as JSON, on a 200 too; a JSON file is still a file,
		// so what was read to tell them apart is put back in front.
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var ans apiAnswer
		_ = json.Unmarshal(data, &ans)
		if resp.StatusCode == http.StatusOK && ans.Code == 0 {
			fillInfo(&a, resp)
			return readCloser{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}, a, nil
		}
		resp.Body.Close()
		if tokenCodes[ans.Code] && attempt == 0 {
			stale = tok
			continue
		}
		return nil, a, classify(op, resp.StatusCode, ans.Code, firstOf(ans.Msg, cut(string(data), 200)), resp.Header, s.now())
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

func fillInfo(a *core.Attachment, resp *http.Response) {
	if ct := resp.Header.Get("Content-Type"); ct != "" && a.ContentType == "" {
		a.ContentType = ct
	}
	if resp.ContentLength >= 0 && a.Size == 0 {
		a.Size = resp.ContentLength
	}
	if a.Name == "" {
		if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
			a.Name = params["filename"]
		}
	}
}

// Check proves the app credentials by obtaining a fresh tenant token.
func (s *Source) Check(ctx context.Context) error {
	s.tokens.mu.Lock()
	s.tokens.token = ""
	s.tokens.mu.Unlock()
	if _, err := s.tenantToken(ctx, ""); err != nil {
		var ce *core.CallError
		if errors.As(err, &ce) && ce.Permanent {
			return fmt.Errorf("feishu refused the app credentials (app_id %s): %s", s.s.AppID, ce.Message)
		}
		return fmt.Errorf("cannot reach feishu at %s: %w", s.api, err)
	}
	return nil
}
