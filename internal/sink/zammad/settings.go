package zammad

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Type is the connector type name in the configuration.
const Type = "zammad"

// Defaults.
const (
	DefaultRequestsPerMinute = 120
	// DefaultMaxAttachmentBytes: Zammad keeps attachments in its database
	// by default; 10 MiB is a sane ceiling for chat files.
	DefaultMaxAttachmentBytes = 10 << 20
	defaultTimeout            = 30 * time.Second
)

// DefaultStateNames maps chat states to Zammad's stock states.
func DefaultStateNames() map[string]string {
	return map[string]string{
		core.StateOpen: "open", core.StateInProgress: "open",
		core.StateWaitingOnCustomer: "pending reminder", core.StateResolved: "closed", core.StateClosed: "closed",
	}
}

// DefaultPriorityMap maps our priorities to Zammad's stock priority ids
// (1 low, 2 normal, 3 high).
func DefaultPriorityMap() map[string]int {
	return map[string]int{"low": 1, "normal": 2, "high": 3, "urgent": 3}
}

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the Zammad site. Required.
	URL string `yaml:"url"`
	// Token is an access token (Profile → Token Access) with the
	// ticket.agent permission. Required.
	Token string `yaml:"token"`
	// Group new tickets go to. Required.
	Group string `yaml:"group"`
	// FallbackCustomer is the customer's e-mail when the requester has
	// none. Required.
	FallbackCustomer string `yaml:"fallback_customer"`
	// PriorityMap maps our priority to a priority id.
	PriorityMap map[string]int `yaml:"priority_map"`
	// StateNames maps a chat state to a Zammad state name, both ways.
	StateNames map[string]string `yaml:"state_names"`
	// Tags go on every ticket, beside the draft's.
	Tags []string `yaml:"tags"`
	// WebhookSecret is the webhook's HMAC SHA1 signature token. Required.
	WebhookSecret string `yaml:"webhook_secret"`
	// MaxAttachmentBytes is the upload limit; default 10 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// RequestsPerMinute is our budget; default 120.
	RequestsPerMinute int `yaml:"requests_per_minute"`
}

// Sink is a configured Zammad sink.
type Sink struct {
	id  string
	s   Settings
	c   *sinkhttp.Client
	now func() time.Time
	log *slog.Logger
	// states is StateNames inverted; a name several states share maps to
	// the first in ChatStates order.
	states map[string]string

	mu     sync.Mutex
	selfID int
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
	names := DefaultStateNames()
	for k, v := range s.StateNames {
		names[k] = v
	}
	s.StateNames = names
	pm := DefaultPriorityMap()
	for k, v := range s.PriorityMap {
		pm[strings.ToLower(k)] = v
	}
	s.PriorityMap = pm
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	d = sinkhttp.Deps(d, defaultTimeout)
	states := map[string]string{}
	for i := len(core.ChatStates) - 1; i >= 0; i-- {
		st := core.ChatStates[i]
		states[strings.ToLower(s.StateNames[st])] = st
	}
	base := strings.TrimRight(s.URL, "/")
	return &Sink{id: id, s: s, now: d.Now, log: d.Log, states: states,
		c: newClient(d.HTTP, base, s.Token, d.Now)}, nil
}

func (s Settings) validate() error {
	u, err := url.Parse(s.URL)
	if s.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return errors.New("url: required, an absolute http(s) URL like https://zammad.example.com")
	}
	switch {
	case s.Token == "":
		return errors.New("token: required (Profile → Token Access, permission ticket.agent)")
	case strings.TrimSpace(s.Group) == "":
		return errors.New("group: required (the group new tickets go to)")
	case !strings.Contains(s.FallbackCustomer, "@"):
		return errors.New("fallback_customer: required, an e-mail address")
	case s.WebhookSecret == "":
		return errors.New("webhook_secret: required (the webhook's HMAC SHA1 signature token)")
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	}
	for st, name := range s.StateNames {
		if !sinkhttp.IsChatState(st) || strings.TrimSpace(name) == "" {
			return fmt.Errorf("state_names.%s: want a chat state (%s) and a state name", st, strings.Join(core.ChatStates, ", "))
		}
	}
	for p, id := range s.PriorityMap {
		if id <= 0 {
			return fmt.Errorf("priority_map.%s: %d is not a priority id", p, id)
		}
	}
	return nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's request budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// StateOf maps a Zammad state name by state_names.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	st, ok := s.states[strings.ToLower(ev.To)]
	return st, ok
}

// TicketURL is the ticket's page in the agent interface.
func (s *Sink) TicketURL(id int) string { return fmt.Sprintf("%s/#ticket/zoom/%d", s.c.Base, id) }

// Tag is the tag that carries an external id.
func Tag(externalID string) string { return externalID }
