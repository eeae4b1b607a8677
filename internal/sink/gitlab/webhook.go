package gitlab

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// ParseWebhook checks X-Gitlab-Token (GitLab sends the secret itself, so
// it is compared in constant time) and turns Issue Hook (close, reopen,
// assignee changes) and Note Hook (notes on issues) deliveries into
// ticket events. The event id is X-Gitlab-Event-UUID, kept across GitLab's
// retries. GitLab signs no timestamp; replays are stopped by that id.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	got := r.Header.Get(HeaderToken)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.s.WebhookToken)) != 1 {
		return nil, fmt.Errorf("%w: %s missing or wrong", core.ErrBadSignature, HeaderToken)
	}
	var h Hook
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("%w: not a GitLab hook: %w", core.ErrMalformed, err)
	}
	id := r.Header.Get(HeaderEventUUID)
	if id == "" {
		sum := sha256.Sum256(body)
		id = "body-" + hex.EncodeToString(sum[:16])
	}
	issue := h.ObjectAttributes
	if h.ObjectKind == "note" {
		if h.Issue == nil || h.ObjectAttributes.NoteableType != "Issue" {
			return nil, nil
		}
		issue = *h.Issue
	}
	if issue.IID == 0 {
		if h.ObjectKind == "issue" || h.ObjectKind == "note" {
			return nil, fmt.Errorf("%w: %s hook without an issue", core.ErrMalformed, h.ObjectKind)
		}
		return nil, nil
	}
	ev := core.TicketEvent{
		Sink: s.id, EventID: id, ExternalID: sinkhttp.ExternalIDOf(issue.Description), Time: s.now().UTC(),
		Ticket: core.TicketRef{Sink: s.id, Key: strconv.Itoa(issue.IID), URL: issue.URL, Status: issue.State},
		Ours:   h.User.Username != "" && h.User.Username == s.knownUsername(),
	}
	switch {
	case h.ObjectKind == "note":
		a := h.ObjectAttributes
		ev.Kind = core.TicketCommentAdded
		ev.EventID += "-note-" + strconv.FormatInt(a.ID, 10)
		ev.Ours = ev.Ours || strings.Contains(a.Note, NoteMarker)
		ev.Comment = &core.Comment{Body: strings.TrimSpace(strings.ReplaceAll(a.Note, NoteMarker, "")),
			Public: !a.Internal && !a.Confidential, Author: h.User.Name}
	case h.ObjectKind == "issue" && (issue.Action == "close" || issue.Action == "reopen"):
		ev.Kind = core.TicketStatusChanged
		ev.From, ev.To = "opened", "closed"
		if issue.Action == "reopen" {
			ev.From, ev.To = "closed", "opened"
		}
	case h.ObjectKind == "issue" && issue.Action == "update" && h.Changes["assignees"].Current != nil:
		ev.Kind = core.TicketAssigned
		if len(h.Assignees) > 0 {
			ev.Assignee = h.Assignees[0].Username
		}
	default:
		return nil, nil
	}
	return []core.TicketEvent{ev}, nil
}

// Check answers doctor: the token works, the project is visible, and it
// has issues turned on.
func (s *Sink) Check(ctx context.Context) error {
	me, err := s.self(ctx)
	if err != nil {
		return fmt.Errorf("gitlab: token: %w", err)
	}
	var p Project
	if err := s.c.JSON(ctx, "read project", "GET", s.projectPath(), nil, &p); err != nil {
		return fmt.Errorf("gitlab: project %s (as %s): %w", s.s.Project, me, err)
	}
	if !p.IssuesEnabled {
		return fmt.Errorf("gitlab: project %s has issues turned off", p.PathWithNamespace)
	}
	return nil
}

// ValidateMapping has nothing to check in the mapping; it reads the
// token's username at start-up so hooks of our own changes are known as
// ours from the first one.
func (s *Sink) ValidateMapping(ctx context.Context, _ sink.MappingSpec) ([]string, error) {
	_, err := s.self(ctx)
	return nil, err
}
