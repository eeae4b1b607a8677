package zendeskfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk"
)

var invocations atomic.Int64

// Delivery is one webhook request as Zendesk would make it.
type Delivery struct {
	// InvocationID is kept by Zendesk's retries; empty means a fresh one.
	InvocationID string
	// At is the signature timestamp; zero means now.
	At   time.Time
	Body []byte
}

// Deliver signs d with the webhook's secret and posts it to
// serverURL/hooks/tickets/{sinkID}.
func (s *Server) Deliver(ctx context.Context, serverURL, sinkID string, d Delivery) (*http.Response, error) {
	if d.InvocationID == "" {
		d.InvocationID = strconv.FormatInt(8350205000+invocations.Add(1), 10)
	}
	if d.At.IsZero() {
		d.At = s.o.Now()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL+"/hooks/tickets/"+sinkID, bytes.NewReader(d.Body))
	if err != nil {
		return nil, fmt.Errorf("build webhook: %w", err)
	}
	SignRequest(req.Header, s.o.WebhookSecret, d.InvocationID, d.At, d.Body)
	return http.DefaultClient.Do(req)
}

// SignRequest sets the headers Zendesk puts on a webhook request.
func SignRequest(h http.Header, secret, invocationID string, at time.Time, body []byte) {
	ts := at.UTC().Format(time.RFC3339)
	h.Set("Content-Type", "application/json")
	h.Set("X-Zendesk-Account-Id", "123456")
	h.Set(zendesk.HeaderWebhookID, "01F1KRFQ6BG29CNWFR60NK5FNY")
	h.Set(zendesk.HeaderInvocation, invocationID)
	h.Set(zendesk.HeaderTimestamp, ts)
	h.Set(zendesk.HeaderSignature, zendesk.Sign(secret, ts, body))
}

// SendWebhook delivers a trigger body with a fresh invocation id.
func (s *Server) SendWebhook(ctx context.Context, serverURL, sinkID string, w zendesk.Webhook) (*http.Response, error) {
	body, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encode webhook: %w", err)
	}
	return s.Deliver(ctx, serverURL, sinkID, Delivery{Body: body})
}

// hookTicket renders the ticket part of a trigger body; needs no lock.
func (s *Server) hookTicket(t Ticket) zendesk.HookTicket {
	return zendesk.HookTicket{
		ID:         zendesk.Flex(strconv.FormatInt(t.ID, 10)),
		ExternalID: t.ExternalID,
		// {{ticket.status}} renders the status's display name.
		Status: titleCase(t.Status),
		URL:    s.srv.URL + "/agent/tickets/" + strconv.FormatInt(t.ID, 10),
	}
}

// SendStatusChange moves a ticket to status as user updater and fires the
// status trigger's webhook.
func (s *Server) SendStatusChange(ctx context.Context, serverURL, sinkID string, id int64, status string, updater int64) (*http.Response, error) {
	if !s.SetStatus(id, status) {
		return nil, fmt.Errorf("no ticket %d", id)
	}
	t, _ := s.Ticket(id)
	return s.SendWebhook(ctx, serverURL, sinkID, zendesk.Webhook{
		Kind: zendesk.KindStatusChanged, Ticket: s.hookTicket(t),
		Updater: zendesk.Flex(strconv.FormatInt(updater, 10)),
	})
}

// SendComment adds a comment (public or an internal note) by author and
// fires the comment trigger's webhook, rendering is_public as text the way
// the placeholder does.
func (s *Server) SendComment(ctx context.Context, serverURL, sinkID string, id int64, c Comment, authorName string) (*http.Response, error) {
	if !s.AddComment(id, c) {
		return nil, fmt.Errorf("no ticket %d", id)
	}
	t, _ := s.Ticket(id)
	author := zendesk.Flex(strconv.FormatInt(c.AuthorID, 10))
	return s.SendWebhook(ctx, serverURL, sinkID, zendesk.Webhook{
		Kind:   zendesk.KindCommentAdded,
		Ticket: s.hookTicket(t),
		Comment: &zendesk.HookComment{
			ID: zendesk.Flex(strconv.Itoa(len(t.Comments))), Body: c.Body,
			Public: zendesk.Flex(strconv.FormatBool(c.Public)), AuthorID: author, AuthorName: authorName,
		},
		Updater: author,
	})
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
