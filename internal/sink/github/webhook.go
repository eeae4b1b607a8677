package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Sign is the signature of body under secret as the dialect's header
// carries it: "sha256=<hex>" on GitHub, bare hex on Gitea.
func Sign(dialect, secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	sum := hex.EncodeToString(m.Sum(nil))
	if dialect == TypeGitHub {
		return "sha256=" + sum
	}
	return sum
}

// ParseWebhook verifies the delivery's HMAC-SHA256 signature and turns
// issues (closed, reopened, assigned) and issue_comment (created) events
// into ticket events; the others, ping included, give none. Neither site
// signs a timestamp, so replays are stopped by the delivery id, which
// both keep across redeliveries and which is the event id.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	sigHeader, eventHeader, deliveryHeader := HeaderGitHubSignature, HeaderGitHubEvent, HeaderGitHubDelivery
	if s.dialect == TypeGitea {
		sigHeader, eventHeader, deliveryHeader = HeaderGiteaSignature, HeaderGiteaEvent, HeaderGiteaDelivery
	}
	got := strings.TrimSpace(r.Header.Get(sigHeader))
	if got == "" {
		return nil, fmt.Errorf("%w: %s missing", core.ErrBadSignature, sigHeader)
	}
	if !hmac.Equal([]byte(got), []byte(Sign(s.dialect, s.s.WebhookSecret, body))) {
		return nil, fmt.Errorf("%w: %s does not match", core.ErrBadSignature, sigHeader)
	}
	event := r.Header.Get(eventHeader)
	if event != "issues" && event != "issue_comment" {
		return nil, nil
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: not an %s event: %w", core.ErrMalformed, event, err)
	}
	if w.Issue == nil || w.Issue.Number == 0 {
		return nil, fmt.Errorf("%w: %s event without an issue", core.ErrMalformed, event)
	}
	if w.Issue.PullRequest != nil {
		return nil, nil // comments on pull requests come as issue_comment too
	}
	id := r.Header.Get(deliveryHeader)
	if id == "" {
		sum := sha256.Sum256(body)
		id = "body-" + hex.EncodeToString(sum[:16])
	}
	ev := core.TicketEvent{
		Sink: s.id, EventID: id, Ticket: s.ref(*w.Issue),
		ExternalID: sinkhttp.ExternalIDOf(w.Issue.Body), Time: s.now().UTC(),
		Ours: w.Sender.Login != "" && w.Sender.Login == s.knownLogin(),
	}
	switch {
	case event == "issue_comment" && w.Action == "created" && w.Comment != nil:
		text := strings.TrimSpace(strings.ReplaceAll(w.Comment.Body, CommentMarker, ""))
		ev.Kind = core.TicketCommentAdded
		ev.EventID += "-comment-" + strconv.FormatInt(w.Comment.ID, 10)
		ev.Ours = ev.Ours || strings.Contains(w.Comment.Body, CommentMarker)
		ev.Comment = &core.Comment{Body: text, Public: true, Author: w.Comment.User.Login}
	case event == "issues" && (w.Action == "closed" || w.Action == "reopened"):
		ev.Kind = core.TicketStatusChanged
		ev.From, ev.To = "closed", "open"
		if w.Action == "closed" {
			ev.From, ev.To = "open", "closed"
		}
	case event == "issues" && w.Action == "assigned":
		ev.Kind = core.TicketAssigned
		switch {
		case w.Assignee != nil:
			ev.Assignee = w.Assignee.Login
		case w.Issue.Assignee != nil:
			ev.Assignee = w.Issue.Assignee.Login
		}
	default:
		return nil, nil
	}
	return []core.TicketEvent{ev}, nil
}
