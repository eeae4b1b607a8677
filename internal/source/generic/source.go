package generic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Type is the connector type name in the configuration.
const Type = "generic"

// defaultTimeout bounds a reply when Deps carries no HTTP client.
const defaultTimeout = 10 * time.Second

// Settings is the source's configuration entry.
type Settings struct {
	// Secret (whsec_…) verifies inbound requests. Required.
	Secret string `yaml:"secret"`
	// Secrets are further accepted keys, for rotating Secret.
	Secrets []string `yaml:"secrets"`
	// ReplyURL is where replies are posted; without it they go to the
	// chat inbox when the source has one, and fail permanently otherwise.
	ReplyURL string `yaml:"reply_url"`
	// ReplySecret signs replies; default Secret.
	ReplySecret string `yaml:"reply_secret"`
	// Tolerance is the timestamp window either way; default 5m.
	Tolerance time.Duration `yaml:"tolerance"`
}

// Source is a configured generic source.
type Source struct {
	id       string
	verifier stdwebhook.Verifier
	replyURL string
	client   stdwebhook.Client
	now      func() time.Time
	log      *slog.Logger
	// inbox keeps replies when there is no replyURL; nil when the store
	// has none (`config check` builds sources without a store).
	inbox store.ChatInbox
}

var _ source.Source = (*Source)(nil)

// Factory builds the source from its configuration entry.
func Factory(c config.Connector, d source.Deps) (source.Source, error) {
	var s Settings
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	return New(c.ID, s, d)
}

// New builds the source from typed settings. Problems name the key.
func New(id string, s Settings, d source.Deps) (*Source, error) {
	if s.Secret == "" {
		return nil, errors.New("secret: required")
	}
	key, err := stdwebhook.ParseSecret(s.Secret)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	keys := []stdwebhook.Secret{key}
	for i, extra := range s.Secrets {
		k, err := stdwebhook.ParseSecret(extra)
		if err != nil {
			return nil, fmt.Errorf("secrets[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	replyKey := key
	if s.ReplySecret != "" {
		if replyKey, err = stdwebhook.ParseSecret(s.ReplySecret); err != nil {
			return nil, fmt.Errorf("reply_secret: %w", err)
		}
	}
	if s.ReplyURL != "" {
		u, err := url.Parse(s.ReplyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("reply_url: must be an absolute http or https URL")
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
	return &Source{
		id:       id,
		verifier: stdwebhook.Verifier{Keys: keys, Tolerance: s.Tolerance, Now: d.Now},
		replyURL: s.ReplyURL,
		client:   stdwebhook.Client{HTTP: d.HTTP, Key: replyKey, Now: d.Now},
		now:      d.Now,
		log:      d.Log,
	}, nil
}

// InboxFactory builds sources that keep their replies in inbox when no
// reply_url is configured, so the bot's side of a conversation stays
// readable (`ticketbridge chat tail`, GET /api/v1/chat/messages).
func InboxFactory(inbox store.ChatInbox) source.Factory {
	return func(c config.Connector, d source.Deps) (source.Source, error) {
		s, err := Factory(c, d)
		if err != nil || inbox == nil {
			return s, err
		}
		s.(*Source).inbox = inbox
		return s, nil
	}
}

// Replies says in plain words where this source's replies go.
func (s *Source) Replies() string {
	switch {
	case s.replyURL != "":
		return "POST " + s.replyURL
	case s.inbox != nil:
		return "the chat inbox (read it with: ticketbridge chat tail)"
	default:
		return "nowhere: set reply_url"
	}
}

// Unchecked says why doctor cannot check this source: without reply_url
// there is nothing to reach.
func (s *Source) Unchecked() string {
	if s.replyURL != "" {
		return ""
	}
	return "no reply_url: replies stay in ticketbridge (the chat inbox when serving), nothing to reach"
}

// Check asks reply_url for its headers: any HTTP answer shows it is
// reachable. It posts nothing, so the chat system's signature check is
// not exercised.
func (s *Source) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, s.replyURL, nil)
	if err != nil {
		return fmt.Errorf("reply_url %s: %w", s.replyURL, err)
	}
	resp, err := s.client.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("reply_url %s does not answer: %w", s.replyURL, err)
	}
	resp.Body.Close()
	return nil
}

// CheckCovers is doctor's word for a successful Check.
func (s *Source) CheckCovers() string {
	return "reply_url answers HTTP (the reply signature is only proven by a real reply)"
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

// Verify checks the Standard Webhooks signature and timestamp window.
func (s *Source) Verify(r *http.Request, body []byte) error {
	_, err := s.verifier.Verify(r.Header, body)
	return err
}

// Post sends a reply to the conversation; see the package doc.
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = "post message"
	if s.replyURL == "" && s.inbox != nil {
		return s.keep(ctx, to, msg)
	}
	if s.replyURL == "" {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Message: "reply_url is not configured"}
	}
	resp, err := s.client.Do(ctx, stdwebhook.Request{
		Op:     op,
		Method: http.MethodPost,
		URL:    s.replyURL,
		ID:     msg.Key,
		Body: Reply{
			Type:         "reply",
			Conversation: Conversation{ID: to.Conversation, Thread: to.Thread},
			Text:         msg.Text,
			Prompt:       msg.Prompt,
			Rating:       msg.Rating,
		},
	})
	if err != nil {
		return core.PostedRef{}, err
	}
	var ans ReplyAnswer
	// The answer's body is optional; an unreadable one still means posted.
	if json.Unmarshal(resp.Body, &ans) == nil && ans.ID != "" {
		return core.PostedRef{ID: ans.ID}, nil
	}
	return core.PostedRef{ID: resp.ID}, nil
}

// keep stores a reply in the inbox. A message without a key (none of
// ours today) gets a fresh one, as a post without webhook-id would.
func (s *Source) keep(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	key := msg.Key
	if key == "" {
		key = fmt.Sprintf("%s/%d", to.Key(), s.now().UnixNano())
	}
	m, err := s.inbox.ChatInboxAdd(ctx, store.ChatMessage{Source: s.id, Conversation: to.Conversation,
		Thread: to.Thread, Key: key, Text: msg.Text, Prompt: msg.Prompt})
	if err != nil {
		return core.PostedRef{}, &core.CallError{Op: "keep message in the chat inbox", Err: err}
	}
	return core.PostedRef{ID: fmt.Sprintf("inbox-%d", m.ID)}, nil
}

// FetchAttachment downloads an attachment from the URL the event gave.
// The URL is the chat system's own, so the request is not signed; a
// customer needing auth there should hand out pre-signed URLs.
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	const op = "fetch attachment"
	u, err := url.Parse(a.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "attachment has no http(s) url"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.URL, nil)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Permanent: true, Err: err}
	}
	resp, err := s.client.HTTP.Do(req)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, a, core.ClassifyStatus(op, resp.StatusCode, stdwebhook.ErrorMessage(data),
			stdwebhook.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now()))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && a.ContentType == "" {
		a.ContentType = ct
	}
	if resp.ContentLength >= 0 && a.Size == 0 {
		a.Size = resp.ContentLength
	}
	return resp.Body, a, nil
}

// PostsIdempotently: replies carry the notice's key as their Standard
// Webhooks webhook-id, by which the receiver drops a repeat.
func (s *Source) PostsIdempotently() bool { return true }
