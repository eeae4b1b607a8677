package freshdesk

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Type is the connector type name in the configuration.
const Type = "freshdesk"

// Freshdesk's status numbers.
const (
	StatusOpen     = 2
	StatusPending  = 3
	StatusResolved = 4
	StatusClosed   = 5
)

// Defaults.
const (
	// DefaultRequestsPerMinute: the smallest plan allows 50 a minute for
	// the whole account.
	DefaultRequestsPerMinute = 40
	// DefaultMaxAttachmentBytes is Freshdesk's 20 MB per request.
	DefaultMaxAttachmentBytes = 20 << 20
	DefaultWebhookHeader      = "X-Ticketbridge-Token"
	defaultTimeout            = 30 * time.Second
)

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the helpdesk, https://<domain>.freshdesk.com. Required.
	URL string `yaml:"url"`
	// APIKey is an agent's API key (Profile settings). Required.
	APIKey string `yaml:"api_key"`
	// FallbackEmail is the requester when the chat gives no e-mail.
	FallbackEmail string `yaml:"fallback_email"`
	// GroupID routes new tickets to a group (0: none).
	GroupID int64 `yaml:"group_id"`
	// Tags go on every ticket, beside the draft's.
	Tags []string `yaml:"tags"`
	// CustomFields maps a key of mapping.custom to a custom field name
	// (cf_…).
	CustomFields map[string]string `yaml:"custom_fields"`
	// PublicComments: "note" (default) adds public notes; "reply" sends
	// replies, which Freshdesk e-mails to the requester.
	PublicComments string `yaml:"public_comments"`
	// WebhookHeader and WebhookToken authenticate the automation
	// webhooks: the rule sends the header with the token.
	WebhookHeader string `yaml:"webhook_header"`
	WebhookToken  string `yaml:"webhook_token"`
	// MaxAttachmentBytes is the upload limit; default 20 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// RequestsPerMinute is our budget; default 40.
	RequestsPerMinute int `yaml:"requests_per_minute"`
}

// Sink is a configured Freshdesk sink.
type Sink struct {
	id  string
	s   Settings
	c   *sinkhttp.Client
	now func() time.Time
	log *slog.Logger
}

var (
	_ sink.Sink             = (*Sink)(nil)
	_ sink.Attacher         = (*Sink)(nil)
	_ sink.Transitioner     = (*Sink)(nil)
	_ sink.StatusReader     = (*Sink)(nil)
	_ sink.RateLimited      = (*Sink)(nil)
	_ sink.Checker          = (*Sink)(nil)
	_ sink.MappingValidator = (*Sink)(nil)
	_ sink.StateMapper      = (*Sink)(nil)
)

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
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.PublicComments == "" {
		s.PublicComments = "note"
	}
	if s.WebhookHeader == "" {
		s.WebhookHeader = DefaultWebhookHeader
	}
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	d = sinkhttp.Deps(d, defaultTimeout)
	return &Sink{id: id, s: s, now: d.Now, log: d.Log,
		c: newClient(d.HTTP, strings.TrimRight(s.URL, "/")+"/api/v2", s.APIKey, d.Now)}, nil
}

func (s Settings) validate() error {
	u, err := url.Parse(s.URL)
	if s.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return errors.New("url: required, the helpdesk's root like https://acme.freshdesk.com")
	}
	switch {
	case s.APIKey == "":
		return errors.New("api_key: required (Profile settings → View API key)")
	case s.FallbackEmail != "" && !strings.Contains(s.FallbackEmail, "@"):
		return fmt.Errorf("fallback_email: %q is not an e-mail address", s.FallbackEmail)
	case s.PublicComments != "" && s.PublicComments != "note" && s.PublicComments != "reply":
		return fmt.Errorf("public_comments: %q is neither note nor reply", s.PublicComments)
	case s.WebhookToken == "":
		return errors.New("webhook_token: required (sent by the automation rule in webhook_header)")
	case len(s.WebhookToken) < 16:
		return errors.New("webhook_token: too short; use at least 16 random characters")
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	}
	for k, v := range s.CustomFields {
		if !strings.HasPrefix(v, "cf_") {
			return fmt.Errorf("custom_fields.%s: %q is not a custom field name (cf_…)", k, v)
		}
	}
	return nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's request budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// StatusName names a status number as Freshdesk's agent view does.
func StatusName(n int) string {
	switch n {
	case StatusOpen:
		return "Open"
	case StatusPending:
		return "Pending"
	case StatusResolved:
		return "Resolved"
	case StatusClosed:
		return "Closed"
	}
	return fmt.Sprintf("status %d", n)
}

// StateOf maps Freshdesk's statuses to chat states.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	switch strings.ToLower(ev.To) {
	case "open":
		return core.StateOpen, true
	case "pending", "waiting on customer":
		return core.StateWaitingOnCustomer, true
	case "resolved":
		return core.StateResolved, true
	case "closed":
		return core.StateClosed, true
	}
	return "", false
}

// TicketURL is the agent view of a ticket.
func (s *Sink) TicketURL(id int64) string {
	return fmt.Sprintf("%s/a/tickets/%d", strings.TrimRight(s.s.URL, "/"), id)
}
