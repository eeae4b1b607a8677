package jirafake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
)

// Agent is a human agent of the site, for changes made "in Jira".
var Agent = jira.User{AccountID: "agent-kim", DisplayName: "Kim Agent", Active: true, AccountType: "atlassian"}

// Visibility says how a comment is shown.
type Visibility int

const (
	// Public: shared with the customer.
	Public Visibility = iota
	// InternalJSM: a JSM internal note (sd.public.comment internal, and
	// jsdPublic false).
	InternalJSM
	// InternalJSMMislabelled: an internal note whose jsdPublic says true,
	// as Jira has been seen to send.
	InternalJSMMislabelled
	// RoleRestricted: a comment restricted to the Administrators role.
	RoleRestricted
)

// Move changes an issue's status as actor, recording the change in its
// changelog, and returns the status it left.
func (s *Site) Move(key, status, actor string) (jira.Status, error) {
	var to jira.Status
	for _, st := range []jira.Status{StatusToDo, StatusInProgress, StatusDone, StatusWontDo, StatusWaiting} {
		if st.Name == status {
			to = st
		}
	}
	if to.Name == "" {
		return jira.Status{}, fmt.Errorf("no status %q in the workflow", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		return jira.Status{}, fmt.Errorf("no issue %s", key)
	}
	from := is.Status
	s.nextID++
	now := s.o.Now().UTC()
	author := s.user(actor)
	is.History = append(is.History, jira.History{
		ID: strconv.Itoa(s.nextID), Author: &author, Created: now.Format(jira.TimeFormat),
		Items: []jira.ChangeItem{{Field: "status", FieldID: "status", From: from.ID, FromString: from.Name, To: to.ID, ToString: to.Name}},
	})
	is.Status, is.Updated = to, now
	return from, nil
}

func (s *Site) user(accountID string) jira.User {
	if accountID == s.o.AccountID {
		return s.bot()
	}
	if accountID == Agent.AccountID {
		return Agent
	}
	return jira.User{AccountID: accountID, DisplayName: accountID, Active: true}
}

// AddComment adds a comment by author (an accountId) inside the site.
func (s *Site) AddComment(key, text, author string, v Visibility) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		return Comment{}, fmt.Errorf("no issue %s", key)
	}
	s.nextID++
	c := Comment{ID: strconv.Itoa(s.nextID), Body: jira.Doc(text), Author: s.user(author), Created: s.o.Now().UTC()}
	switch v {
	case InternalJSM, InternalJSMMislabelled:
		c.Properties = []jira.EntityProperty{{Key: jira.PropertyPublicComment, Value: json.RawMessage(`{"internal":true}`)}}
	case RoleRestricted:
		c.Visibility = &jira.Visibility{Type: "role", Value: "Administrators"}
	}
	is.Comments = append(is.Comments, c)
	is.Updated = c.Created
	return c, nil
}

// SendWebhook signs body as an admin webhook with the secret and posts it
// to serverURL/hooks/tickets/{sinkID} with the given identifier.
func (s *Site) SendWebhook(ctx context.Context, serverURL, sinkID, identifier string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL+"/hooks/tickets/"+sinkID, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(jira.HeaderSignature, jira.Sign(s.o.WebhookSecret, body))
	req.Header.Set(jira.HeaderIdentifier, identifier)
	req.Header.Set("X-Atlassian-Webhook-Retry", "0")
	req.Header.Set("X-Atlassian-Webhook-Flow", "Primary")
	return http.DefaultClient.Do(req)
}

// StatusWebhook is the jira:issue_updated body for a status change.
func (s *Site) StatusWebhook(key string, from jira.Status, actor string) ([]byte, error) {
	is, ok := s.Issue(key)
	if !ok {
		return nil, fmt.Errorf("no issue %s", key)
	}
	u := s.user(actor)
	return json.Marshal(map[string]any{
		"timestamp": s.o.Now().UnixMilli(), "webhookEvent": jira.EventIssueUpdated,
		"issue_event_type_name": "issue_generic", "user": u, "issue": s.render(is, false),
		"changelog": map[string]any{"id": strconv.Itoa(len(is.History) + 50000), "items": []jira.ChangeItem{
			{Field: "status", FieldID: "status", From: from.ID, FromString: from.Name, To: is.Status.ID, ToString: is.Status.Name},
		}},
	})
}

// CommentWebhook is the comment_created body for a comment.
func (s *Site) CommentWebhook(key string, c Comment) ([]byte, error) {
	is, ok := s.Issue(key)
	if !ok {
		return nil, fmt.Errorf("no issue %s", key)
	}
	public := c.Visibility == nil && len(c.Properties) == 0
	cm := map[string]any{
		"id": c.ID, "body": c.Body, "author": c.Author, "updateAuthor": c.Author,
		"created": c.Created.Format(jira.TimeFormat), "jsdPublic": public,
	}
	if c.Visibility != nil {
		cm["visibility"] = c.Visibility
	}
	if c.Properties != nil {
		cm["properties"] = c.Properties
	}
	issue := s.render(is, false)
	return json.Marshal(map[string]any{
		"timestamp": s.o.Now().UnixMilli(), "webhookEvent": jira.EventCommentCreated,
		"comment": cm, "issue": issue,
	})
}

// SendStatusChange moves an issue inside the site as actor and sends the
// matching signed webhook.
func (s *Site) SendStatusChange(ctx context.Context, serverURL, sinkID, key, status, actor string) (*http.Response, error) {
	from, err := s.Move(key, status, actor)
	if err != nil {
		return nil, err
	}
	body, err := s.StatusWebhook(key, from, actor)
	if err != nil {
		return nil, err
	}
	return s.SendWebhook(ctx, serverURL, sinkID, s.newIdentifier(), body)
}

// SendComment adds a comment inside the site and sends the matching
// signed webhook.
func (s *Site) SendComment(ctx context.Context, serverURL, sinkID, key, text, author string, v Visibility) (*http.Response, error) {
	c, err := s.AddComment(key, text, author, v)
	if err != nil {
		return nil, err
	}
	body, err := s.CommentWebhook(key, c)
	if err != nil {
		return nil, err
	}
	if v == InternalJSMMislabelled {
		body = bytes.Replace(body, []byte(`"jsdPublic":false`), []byte(`"jsdPublic":true`), 1)
	}
	return s.SendWebhook(ctx, serverURL, sinkID, s.newIdentifier(), body)
}

func (s *Site) newIdentifier() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return "wh-" + strconv.Itoa(s.nextID)
}

// SendPriorityChange sets an issue's priority inside the site as actor
// (a person editing the issue) and sends the matching signed
// jira:issue_updated webhook, whose changelog carries the priority item.
func (s *Site) SendPriorityChange(ctx context.Context, serverURL, sinkID, key, priority, actor string) (*http.Response, error) {
	if !slices.Contains(Priorities, priority) {
		return nil, fmt.Errorf("no priority %q on the site", priority)
	}
	s.mu.Lock()
	is := s.find(key)
	if is == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("no issue %s", key)
	}
	var from string
	if p, ok := is.Fields["priority"].(map[string]any); ok {
		from, _ = p["name"].(string)
	}
	s.nextID++
	now := s.o.Now().UTC()
	author := s.user(actor)
	item := jira.ChangeItem{Field: "priority", FieldID: "priority", FromString: from, ToString: priority}
	is.History = append(is.History, jira.History{ID: strconv.Itoa(s.nextID), Author: &author, Created: now.Format(jira.TimeFormat),
		Items: []jira.ChangeItem{item}})
	is.Fields["priority"] = map[string]any{"name": priority}
	is.Updated = now
	body, err := json.Marshal(map[string]any{
		"timestamp": now.UnixMilli(), "webhookEvent": jira.EventIssueUpdated,
		"issue_event_type_name": "issue_updated", "user": author, "issue": s.render(*is, false),
		"changelog": map[string]any{"id": strconv.Itoa(len(is.History) + 50000), "items": []jira.ChangeItem{item}},
	})
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.SendWebhook(ctx, serverURL, sinkID, s.newIdentifier(), body)
}
