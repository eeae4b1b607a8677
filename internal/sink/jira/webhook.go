package jira

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// futureSkew is how far ahead of our clock a delivery's timestamp may be.
const futureSkew = 5 * time.Minute

// Sign is the X-Hub-Signature value for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ParseWebhook verifies an admin webhook delivery (X-Hub-Signature, an
// HMAC-SHA256 of the raw body) and turns it into ticket events: status,
// priority and assignee changes of jira:issue_updated, and
// comment_created. Other
// events give none.
//
// Replays are judged on what the signature covers only. The window is
// checked against the delivery's timestamp or, when a delivery has none,
// the comment's or the issue's own time in the body; a delivery with no
// signed time at all is refused. The event id is a hash of the signed
// body, which Jira's retries repeat; X-Atlassian-Webhook-Identifier is not
// signed, so a captured delivery resent with a fresh one is still a
// duplicate.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	if err := s.verify(r.Header.Get(HeaderSignature), body); err != nil {
		return nil, err
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: not a Jira webhook: %w", core.ErrMalformed, err)
	}
	if w.WebhookEvent == "" {
		return nil, fmt.Errorf("%w: webhookEvent missing", core.ErrMalformed)
	}
	at, err := s.signedTime(w)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	id := "body-" + hex.EncodeToString(sum[:16])
	switch w.WebhookEvent {
	case EventIssueUpdated:
		return s.issueUpdated(w, id, at)
	case EventCommentCreated:
		return s.commentCreated(w, id, at)
	}
	return nil, nil
}

// jiraTime is how Jira writes times in issue and comment fields.
const jiraTime = "2006-01-02T15:04:05.000-0700"

// signedTime is the delivery's time from the signed body, checked against
// the replay window (webhook_max_age; 0 turns the window off).
func (s *Sink) signedTime(w Webhook) (time.Time, error) {
	var at time.Time
	switch {
	case w.Timestamp != 0:
		at = time.UnixMilli(w.Timestamp)
	case w.Comment != nil && w.Comment.Created != "":
		at, _ = time.Parse(jiraTime, w.Comment.Created)
	case w.Issue != nil && w.Issue.Fields.Updated != "":
		at, _ = time.Parse(jiraTime, w.Issue.Fields.Updated)
	}
	if s.s.WebhookMaxAge <= 0 {
		if at.IsZero() {
			return s.now().UTC(), nil
		}
		return at.UTC(), nil
	}
	if at.IsZero() {
		return time.Time{}, fmt.Errorf("%w: no signed time (timestamp, comment.created, issue.fields.updated) to check the replay window against", core.ErrStale)
	}
	if age := s.now().Sub(at); age > s.s.WebhookMaxAge || age < -futureSkew {
		return time.Time{}, fmt.Errorf("%w: delivery time %s", core.ErrStale, at.UTC().Format(time.RFC3339))
	}
	return at.UTC(), nil
}

func (s *Sink) verify(header string, body []byte) error {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return fmt.Errorf("%w: X-Hub-Signature missing or not sha256", core.ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: X-Hub-Signature is not hex", core.ErrBadSignature)
	}
	m := hmac.New(sha256.New, []byte(s.s.WebhookSecret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return fmt.Errorf("%w: X-Hub-Signature does not match", core.ErrBadSignature)
	}
	return nil
}

// base is the event every kind starts from.
func (s *Sink) base(w Webhook, id string, at time.Time) (core.TicketEvent, error) {
	if w.Issue == nil || w.Issue.Key == "" {
		return core.TicketEvent{}, fmt.Errorf("%w: issue.key missing in %s", core.ErrMalformed, w.WebhookEvent)
	}
	ev := core.TicketEvent{
		Sink:       s.id,
		EventID:    id,
		Ticket:     core.TicketRef{Sink: s.id, Key: w.Issue.Key, URL: s.browse(w.Issue.Key)},
		ExternalID: ExternalIDFromLabels(w.Issue.Fields.Labels),
		Time:       at,
	}
	if w.Issue.Fields.Status != nil {
		ev.Ticket.Status = w.Issue.Fields.Status.Name
	}
	return ev, nil
}

func (s *Sink) ours(u *User) bool {
	return u != nil && s.s.IntegrationAccountID != "" && u.AccountID == s.s.IntegrationAccountID
}

func (s *Sink) issueUpdated(w Webhook, id string, at time.Time) ([]core.TicketEvent, error) {
	base, err := s.base(w, id, at)
	if err != nil {
		return nil, err
	}
	base.Ours = s.ours(w.User)
	var out []core.TicketEvent
	assigned := false
	if w.Changelog != nil {
		for _, it := range w.Changelog.Items {
			ev := base
			switch {
			case it.Field == "status" || it.FieldID == "status":
				if it.ToString == "" {
					continue
				}
				ev.Kind = core.TicketStatusChanged
				ev.From, ev.To = it.FromString, it.ToString
				ev.Ticket.Status = it.ToString
				// The issue's fields show the status it has now; its
				// category is the new status's when the names agree.
				if st := w.Issue.Fields.Status; st != nil && strings.EqualFold(st.Name, it.ToString) {
					ev.ToCategory = st.StatusCategory.Key
				}
			case it.Field == "priority" || it.FieldID == "priority":
				if it.ToString == "" {
					continue
				}
				ev.Kind = core.TicketPriorityChanged
				ev.Priority = s.ourPriority(it.ToString)
			case it.Field == "assignee" || it.FieldID == "assignee":
				// toString is the display name; empty means unassigned.
				ev.Kind = core.TicketAssigned
				ev.Assignee = it.ToString
				assigned = true
			default:
				continue
			}
			out = append(out, ev)
		}
	}
	if !assigned && w.IssueEvent == EventIssueAssigned {
		ev := base
		ev.Kind = core.TicketAssigned
		if a := w.Issue.Fields.Assignee; a != nil {
			ev.Assignee = a.DisplayName
		}
		out = append(out, ev)
	}
	// One delivery may carry several changes: give each its own id so the
	// dedupe keeps them apart, the first keeping the delivery's id.
	for i := range out {
		if i > 0 {
			out[i].EventID = fmt.Sprintf("%s/%d", id, i)
		}
		if out[i].Kind == core.TicketStatusChanged {
			for j := range out {
				out[j].Ticket.Status = out[i].To
			}
		}
	}
	return out, nil
}

func (s *Sink) commentCreated(w Webhook, id string, at time.Time) ([]core.TicketEvent, error) {
	ev, err := s.base(w, id, at)
	if err != nil {
		return nil, err
	}
	c := w.Comment
	if c == nil {
		return nil, fmt.Errorf("%w: comment missing in comment_created", core.ErrMalformed)
	}
	text := bodyText(c.Body)
	if text == "" {
		// Nothing a chat could show (an attachment-only comment).
		return nil, nil
	}
	author := ""
	if c.Author != nil {
		author = c.Author.DisplayName
	}
	ev.Kind = core.TicketCommentAdded
	ev.Comment = &core.Comment{Body: text, Public: isPublic(c), Author: author}
	ev.Ours = s.ours(c.Author)
	return []core.TicketEvent{ev}, nil
}

// isPublic is true only when nothing marks the comment internal: a
// visibility restriction, JSM's sd.public.comment {"internal": true}, or
// jsdPublic false. Any one of them wins over the others, because Jira has
// been seen to send jsdPublic true for internal notes.
func isPublic(c *WebhookComment) bool {
	if c.Visibility != nil && (c.Visibility.Type != "" || c.Visibility.Value != "") {
		return false
	}
	for _, p := range c.Properties {
		if p.Key != PropertyPublicComment {
			continue
		}
		var v struct {
			Internal any `json:"internal"`
		}
		if json.Unmarshal(p.Value, &v) != nil {
			return false
		}
		switch in := v.Internal.(type) {
		case bool:
			if in {
				return false
			}
		case string:
			if in != "false" {
				return false
			}
		case nil:
		default:
			return false
		}
	}
	if c.JSDPublic != nil && !*c.JSDPublic {
		return false
	}
	return true
}
