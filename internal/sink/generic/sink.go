package generic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// Type is the connector type name in the configuration.
const Type = "generic"

// defaultTimeout bounds a call when Deps carries no HTTP client.
const defaultTimeout = 15 * time.Second

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the base URL of the ticket service. Required.
	URL string `yaml:"url"`
	// Secret (whsec_…) signs our requests. Required.
	Secret string `yaml:"secret"`
	// WebhookSecret verifies the service's webhooks; default Secret.
	WebhookSecret string `yaml:"webhook_secret"`
	// Tolerance is the webhook timestamp window either way; default 5m.
	Tolerance time.Duration `yaml:"tolerance"`
}

// Sink is a configured generic sink.
type Sink struct {
	id       string
	base     string
	client   stdwebhook.Client
	verifier stdwebhook.Verifier
	now      func() time.Time
	log      *slog.Logger
}

var _ sink.Sink = (*Sink)(nil)

// Factory builds the sink from its configuration entry.
func Factory(c config.Connector, d sink.Deps) (sink.Sink, error) {
	var s Settings
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	return New(c.ID, s, d)
}

// New builds the sink from typed settings. Problems name the key.
func New(id string, s Settings, d sink.Deps) (*Sink, error) {
	if s.URL == "" {
		return nil, errors.New("url: required")
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("url: must be an absolute http or https URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("url: must not have a query or fragment")
	}
	if s.Secret == "" {
		return nil, errors.New("secret: required")
	}
	key, err := stdwebhook.ParseSecret(s.Secret)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	hookKey := key
	if s.WebhookSecret != "" {
		if hookKey, err = stdwebhook.ParseSecret(s.WebhookSecret); err != nil {
			return nil, fmt.Errorf("webhook_secret: %w", err)
		}
	}
	if s.Tolerance < 0 {
		return nil, errors.New("tolerance: must not be negative")
	}
	if s.Tolerance == 0 {
		s.Tolerance = stdwebhook.DefaultTolerance
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: defaultTimeout}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Sink{
		id:       id,
		base:     strings.TrimRight(s.URL, "/"),
		client:   stdwebhook.Client{HTTP: d.HTTP, Key: key, Now: d.Now},
		verifier: stdwebhook.Verifier{Keys: []stdwebhook.Secret{hookKey}, Tolerance: s.Tolerance, Now: d.Now},
		now:      d.Now,
		log:      d.Log,
	}, nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// Create posts the draft to {url}/tickets.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create ticket"
	resp, err := s.client.Do(ctx, stdwebhook.Request{Op: op, Method: http.MethodPost, URL: s.base + "/tickets", Body: t})
	if err != nil {
		return core.TicketRef{}, err
	}
	var got Ticket
	if err := json.Unmarshal(resp.Body, &got); err != nil || got.Key == "" {
		// The service answered success, so the ticket may exist: leave the
		// error transient and let the retry find it by external id.
		return core.TicketRef{}, &core.CallError{Op: op, Status: resp.Status, Message: "answer has no ticket key"}
	}
	return s.ref(got), nil
}

// Check makes the one harmless signed call the protocol has: a look-up of
// an external id no ticket carries. It proves the URL answers and accepts
// our signature.
func (s *Sink) Check(ctx context.Context) error {
	if _, _, err := s.FindByExternalID(ctx, "tb-doctor-probe"); err != nil {
		return fmt.Errorf("look-up at %s/tickets: %w", s.base, err)
	}
	return nil
}

// FindByExternalID looks the ticket up with GET {url}/tickets?external_id=.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	const op = "find ticket"
	resp, err := s.client.Do(ctx, stdwebhook.Request{
		Op:     op,
		Method: http.MethodGet,
		URL:    s.base + "/tickets?external_id=" + url.QueryEscape(externalID),
	})
	if err != nil {
		return core.TicketRef{}, false, err
	}
	var list TicketList
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return core.TicketRef{}, false, &core.CallError{Op: op, Status: resp.Status, Message: "answer is not a ticket list", Err: err}
	}
	for _, t := range list.Tickets {
		// A service that ignores the filter must not make us adopt some
		// other conversation's ticket; one that omits the field is trusted.
		if t.Key != "" && (t.ExternalID == "" || t.ExternalID == externalID) {
			return s.ref(t), true, nil
		}
	}
	return core.TicketRef{}, false, nil
}

// Comment posts to {url}/tickets/{key}/comments.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	if ref.Key == "" {
		return &core.CallError{Op: "add comment", Permanent: true, Message: "ticket key is empty"}
	}
	_, err := s.client.Do(ctx, stdwebhook.Request{
		Op:     "add comment",
		Method: http.MethodPost,
		URL:    s.base + "/tickets/" + url.PathEscape(ref.Key) + "/comments",
		// Our key as the webhook-id: the service drops a repeat.
		ID:   c.Key,
		Body: CommentBody{Body: c.Body, Public: c.Public, Author: c.Author},
	})
	return err
}

// CommentsIdempotently: a comment carrying our key goes out with it as its
// webhook-id, by which the receiving service drops a repeat.
func (s *Sink) CommentsIdempotently() bool { return true }

func (s *Sink) ref(t Ticket) core.TicketRef {
	return core.TicketRef{Sink: s.id, Key: t.Key, URL: t.URL, Status: t.Status}
}
