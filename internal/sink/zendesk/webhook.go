package zendesk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Zendesk's webhook headers.
const (
	HeaderSignature  = "X-Zendesk-Webhook-Signature"
	HeaderTimestamp  = "X-Zendesk-Webhook-Signature-Timestamp"
	HeaderInvocation = "X-Zendesk-Webhook-Invocation-Id"
	HeaderWebhookID  = "X-Zendesk-Webhook-Id"
)

// Webhook kinds of the trigger bodies (see the package doc).
const (
	KindStatusChanged = "status_changed"
	KindCommentAdded  = "comment_added"
	KindAssigned      = "assigned"
	KindPriority      = "priority_changed"
)

var kinds = map[string]core.TicketEventKind{
	KindStatusChanged: core.TicketStatusChanged,
	KindCommentAdded:  core.TicketCommentAdded,
	KindAssigned:      core.TicketAssigned,
	KindPriority:      core.TicketPriorityChanged,
}

// Sign computes Zendesk's signature: base64(HMAC-SHA256(secret,
// timestamp+body)), the secret used as is.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// verify checks the signature (constant time) and the timestamp window.
func (s *Sink) verify(h http.Header, body []byte) (time.Time, error) {
	sig, ts := h.Get(HeaderSignature), h.Get(HeaderTimestamp)
	if sig == "" || ts == "" {
		return time.Time{}, fmt.Errorf("%w: missing %s or %s", core.ErrBadSignature, HeaderSignature, HeaderTimestamp)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: signature is not base64", core.ErrBadSignature)
	}
	want, _ := base64.StdEncoding.DecodeString(Sign(s.set.WebhookSecret, ts, body))
	if !hmac.Equal(got, want) {
		return time.Time{}, fmt.Errorf("%w: signature does not match", core.ErrBadSignature)
	}
	// Only a signed timestamp is worth reading.
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp %q is not RFC 3339", core.ErrBadSignature, cutText(ts, 40))
	}
	if d := s.now().Sub(at); d > s.set.Tolerance || d < -s.set.Tolerance {
		return time.Time{}, fmt.Errorf("%w: signed at %s", core.ErrStale, at.UTC().Format(time.RFC3339))
	}
	return at, nil
}

// ParseWebhook verifies a Zendesk webhook and turns the trigger's body
// into one TicketEvent. The event id is Zendesk's invocation id, which a
// retried delivery keeps; without that header it is a hash of the body.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	at, err := s.verify(r.Header, body)
	if err != nil {
		return nil, err
	}
	var w Webhook
	if err := json.Unmarshal(body, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, malformed("%s: must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return nil, malformed("body: not the JSON object of the trigger: %v", err)
	}
	kind, ok := kinds[w.Kind]
	switch {
	case w.Kind == "":
		return nil, malformed("kind: missing")
	case !ok:
		return nil, malformed("kind: unknown %q", cutText(w.Kind, 40))
	case w.Ticket.ID.ID() == 0:
		return nil, malformed("ticket.id: missing or not a ticket number")
	}
	id := r.Header.Get(HeaderInvocation)
	if id == "" {
		sum := sha256.Sum256(body)
		id = "sha256:" + hex.EncodeToString(sum[:16])
	}
	ref := core.TicketRef{Sink: s.id, Key: strconv.FormatInt(w.Ticket.ID.ID(), 10), Status: w.Ticket.Status}
	ref.URL = s.base + "/agent/tickets/" + ref.Key
	ev := core.TicketEvent{
		Sink:       s.id,
		EventID:    cutText(id, 200),
		Kind:       kind,
		Ticket:     ref,
		ExternalID: w.Ticket.ExternalID,
		Time:       at.UTC(),
		Ours:       s.ours(w.Updater),
	}
	switch kind {
	case core.TicketStatusChanged:
		if w.Ticket.Status == "" {
			return nil, malformed("ticket.status: missing for %s", w.Kind)
		}
		ev.From, ev.To = w.From, w.Ticket.Status
	case core.TicketCommentAdded:
		if w.Comment == nil || strings.TrimSpace(w.Comment.Body) == "" {
			return nil, malformed("comment.body: missing for %s", w.Kind)
		}
		author := w.Comment.AuthorName
		if author == "" {
			author = string(w.Comment.AuthorID)
		}
		// Public only when Zendesk says so in plain words: an internal
		// note must never reach the customer.
		ev.Comment = &core.Comment{Body: w.Comment.Body, Public: w.Comment.Public.True(), Author: author}
		ev.Ours = ev.Ours || s.ours(w.Comment.AuthorID)
	case core.TicketPriorityChanged:
		if strings.TrimSpace(w.Ticket.Priority) == "" {
			return nil, malformed("ticket.priority: missing for %s", w.Kind)
		}
		ev.Priority = s.ourPriority(strings.TrimSpace(w.Ticket.Priority))
	case core.TicketAssigned:
		// An empty assignee means the ticket was unassigned.
		if w.Assignee != nil {
			ev.Assignee = w.Assignee.Name
			if ev.Assignee == "" {
				ev.Assignee = string(w.Assignee.ID)
			}
		}
	}
	if w.Time != "" {
		// Placeholders like ticket.updated_at_with_timestamp drop seconds.
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
			if t, err := time.Parse(layout, w.Time); err == nil {
				ev.Time = t.UTC()
				break
			}
		}
	}
	return []core.TicketEvent{ev}, nil
}

// ours reports whether a user id is the integration user's.
func (s *Sink) ours(id Flex) bool {
	return s.set.IntegrationUserID != 0 && id.ID() == s.set.IntegrationUserID
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrMalformed}, args...)...)
}

func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
