package linear

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Sign is the Linear-Signature of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ParseWebhook verifies Linear-Signature and the webhookTimestamp window,
// then turns Issue updates that change the state or the assignee, and
// created Comments, into ticket events. The event id is Linear-Delivery.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	got, err := hex.DecodeString(strings.TrimSpace(r.Header.Get(HeaderSignature)))
	if err != nil || len(got) == 0 {
		return nil, fmt.Errorf("%w: %s missing or not hex", core.ErrBadSignature, HeaderSignature)
	}
	want, _ := hex.DecodeString(Sign(s.s.WebhookSecret, body))
	if !hmac.Equal(got, want) {
		return nil, fmt.Errorf("%w: %s does not match", core.ErrBadSignature, HeaderSignature)
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: not a Linear webhook: %w", core.ErrMalformed, err)
	}
	at := time.UnixMilli(w.WebhookTimestamp)
	if d := s.now().Sub(at); w.WebhookTimestamp == 0 || s.s.WebhookMaxAge > 0 && (d > s.s.WebhookMaxAge || d < -s.s.WebhookMaxAge) {
		return nil, fmt.Errorf("%w: webhookTimestamp %s", core.ErrStale, at.UTC().Format(time.RFC3339))
	}
	id := r.Header.Get(HeaderDelivery)
	if id == "" {
		sum := sha256.Sum256(body)
		id = "body-" + hex.EncodeToString(sum[:16])
	}
	ev := core.TicketEvent{Sink: s.id, EventID: id, Time: at.UTC()}
	if w.Actor != nil {
		ev.Ours = w.Actor.ID != "" && w.Actor.ID == s.knownViewer()
	}
	switch {
	case w.Type == "Comment" && w.Action == "create":
		var c WebhookComment
		if err := json.Unmarshal(w.Data, &c); err != nil || c.IssueID == "" {
			return nil, fmt.Errorf("%w: comment without an issue", core.ErrMalformed)
		}
		ev.Kind = core.TicketCommentAdded
		ev.Ticket = core.TicketRef{Sink: s.id, Key: c.IssueID}
		if c.Issue != nil {
			ev.Ticket.URL = c.Issue.URL
		}
		author := ""
		if c.User != nil {
			author = c.User.Name
		}
		ev.Ours = ev.Ours || c.UserID != "" && c.UserID == s.knownViewer()
		ev.Comment = &core.Comment{Body: c.Body, Public: true, Author: author}
	case w.Type == "Issue" && w.Action == "update":
		var is WebhookIssue
		if err := json.Unmarshal(w.Data, &is); err != nil || is.ID == "" {
			return nil, fmt.Errorf("%w: issue without an id", core.ErrMalformed)
		}
		ev.Ticket = s.ref(is.Issue)
		ev.ExternalID = ExternalIDOf(is.Description)
		switch {
		case hasKey(w.UpdatedFrom, "stateId"):
			ev.Kind, ev.To, ev.ToCategory = core.TicketStatusChanged, is.State.Name, is.State.Type
		case hasKey(w.UpdatedFrom, "assigneeId"):
			ev.Kind = core.TicketAssigned
			if is.Assignee != nil {
				ev.Assignee = is.Assignee.Name
			}
		default:
			return nil, nil
		}
	default:
		return nil, nil
	}
	return []core.TicketEvent{ev}, nil
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// viewer is the API key's user id, read once.
func (s *Sink) viewer(ctx context.Context) (string, error) {
	if v := s.knownViewer(); v != "" {
		return v, nil
	}
	var out struct {
		Viewer struct {
			ID string `json:"id"`
		} `json:"viewer"`
	}
	if err := s.c.do(ctx, "read viewer", "Viewer", qViewer, nil, &out); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.viewerID = out.Viewer.ID
	s.mu.Unlock()
	return out.Viewer.ID, nil
}

func (s *Sink) knownViewer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewerID
}

// Check answers doctor: the key works and the team exists with states
// for every chat state we may be asked to set.
func (s *Sink) Check(ctx context.Context) error {
	if _, err := s.viewer(ctx); err != nil {
		return fmt.Errorf("linear: api_key: %w", err)
	}
	if _, err := s.teamStates(ctx, true); err != nil {
		return fmt.Errorf("linear: team_id: %w", err)
	}
	for _, st := range []string{core.StateOpen, core.StateInProgress, core.StateResolved} {
		if _, err := s.target(ctx, st); err != nil {
			return fmt.Errorf("linear: %w", err)
		}
	}
	return nil
}

// ValidateMapping reads the viewer at start-up (so our own changes are
// known in webhooks) and reports state_names the team lacks.
func (s *Sink) ValidateMapping(ctx context.Context, _ sink.MappingSpec) ([]string, error) {
	if _, err := s.viewer(ctx); err != nil {
		return nil, err
	}
	var out []string
	for st := range s.s.StateNames {
		if _, err := s.target(ctx, st); err != nil {
			if !core.IsPermanent(err) {
				return nil, err
			}
			out = append(out, err.Error())
		}
	}
	return out, nil
}
