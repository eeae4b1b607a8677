package generictest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// SendWebhook signs ev with the webhook secret and posts it to
// serverURL/hooks/tickets/{sinkID} with a fresh webhook-id.
func (d *Desk) SendWebhook(ctx context.Context, serverURL, sinkID string, ev generic.Webhook) (*http.Response, error) {
	return d.SendWebhookWithID(ctx, serverURL, sinkID, stdwebhook.NewMessageID(), ev)
}

// SendWebhookWithID is SendWebhook with a chosen webhook-id, to test
// redelivery.
func (d *Desk) SendWebhookWithID(ctx context.Context, serverURL, sinkID, msgID string, ev generic.Webhook) (*http.Response, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL+"/hooks/tickets/"+sinkID, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	stdwebhook.SetHeaders(req.Header, d.webhookKey, msgID, time.Now(), body)
	return http.DefaultClient.Do(req)
}

// SendStatusChange moves a ticket to status inside the desk and sends the
// matching webhook.
func (d *Desk) SendStatusChange(ctx context.Context, serverURL, sinkID, key, to string) (*http.Response, error) {
	t, ok := d.Ticket(key)
	if !ok {
		return nil, fmt.Errorf("no ticket %s", key)
	}
	d.SetStatus(key, to)
	from := t.Status
	t.Status = to
	return d.SendWebhook(ctx, serverURL, sinkID, generic.Webhook{
		Type: generic.TypeStatusChanged, Ticket: t.Ticket, From: from, To: to,
	})
}

// SendComment adds an agent's comment (public or internal) to a ticket
// inside the desk and sends the matching webhook.
func (d *Desk) SendComment(ctx context.Context, serverURL, sinkID, key string, c generic.CommentBody) (*http.Response, error) {
	d.mu.Lock()
	var found *Ticket
	for _, t := range d.tickets {
		if t.Key == key {
			found = t
			t.Comments = append(t.Comments, c)
		}
	}
	var tk generic.Ticket
	if found != nil {
		tk = found.Ticket
	}
	d.mu.Unlock()
	if found == nil {
		return nil, fmt.Errorf("no ticket %s", key)
	}
	return d.SendWebhook(ctx, serverURL, sinkID, generic.Webhook{Type: generic.TypeCommentAdded, Ticket: tk, Comment: &c})
}
