package redmine

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Type is the connector type name in the configuration.
const Type = "redmine"

// Defaults.
const (
	// DefaultRequestsPerMinute: Redmine has no rate limit of its own, but
	// it is often a single Rails process on a small machine.
	DefaultRequestsPerMinute = 300
	// DefaultMaxAttachmentBytes is Redmine's own default limit
	// (Administration → Settings → Files: 5120 KB).
	DefaultMaxAttachmentBytes = 5120 << 10
	// DefaultPollInterval: there are no webhooks, so polling is always on.
	DefaultPollInterval = 30 * time.Second
	defaultTimeout      = 30 * time.Second
)

// DefaultPriorityMap maps our priorities to Redmine's stock priorities.
func DefaultPriorityMap() map[string]string {
	return map[string]string{"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
}

// DefaultStatusNames maps chat states to Redmine's stock statuses.
func DefaultStatusNames() map[string]string {
	return map[string]string{
		core.StateOpen: "New", core.StateInProgress: "In Progress",
		core.StateWaitingOnCustomer: "Feedback", core.StateResolved: "Resolved",
		core.StateClosed: "Closed",
	}
}

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is where Redmine is served, with its sub-path if any. Required.
	URL string `yaml:"url"`
	// APIKey is a user's API key (My account → API access key). Required.
	APIKey string `yaml:"api_key"`
	// Project is the project's identifier ("ops"). Required.
	Project string `yaml:"project"`
	// Tracker is the tracker's name; empty takes the project's default.
	Tracker string `yaml:"tracker"`
	// PriorityMap maps our priority to a Redmine priority name; entries
	// replace the defaults key by key.
	PriorityMap map[string]string `yaml:"priority_map"`
	// StatusNames maps a chat state to a Redmine status name, both ways:
	// for Transition and for telling the chat what a status means.
	// Entries replace the defaults key by key.
	StatusNames map[string]string `yaml:"status_names"`
	// CustomFields maps a key of the route's mapping.custom to a custom
	// field's numeric id.
	CustomFields map[string]int `yaml:"custom_fields"`
	// MaxAttachmentBytes is the upload limit; default 5 MiB, Redmine's.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// RequestsPerMinute is our budget; default 300.
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// PollInterval is how often changes are read back; default 30s.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// Sink is a configured Redmine sink.
type Sink struct {
	id   string
	s    Settings
	c    *sinkhttp.Client
	now  func() time.Time
	log  *slog.Logger
	meta metaCache
	// states is StatusNames inverted with folded status names.
	states map[string]string
}

var (
	_ sink.Sink             = (*Sink)(nil)
	_ sink.Attacher         = (*Sink)(nil)
	_ sink.Transitioner     = (*Sink)(nil)
	_ sink.StatusReader     = (*Sink)(nil)
	_ sink.MappingValidator = (*Sink)(nil)
	_ sink.Poller           = (*Sink)(nil)
	_ sink.RateLimited      = (*Sink)(nil)
	_ sink.StateMapper      = (*Sink)(nil)
	_ sink.Checker          = (*Sink)(nil)
)

// Factory builds the sink from its configuration entry.
func Factory(c config.Connector, d sink.Deps) (sink.Sink, error) {
	var s Settings
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	return New(c.ID, s, d)
}

// projectIdentifier is Redmine's rule for identifiers (or a numeric id).
var projectIdentifier = regexp.MustCompile(`^([a-z][a-z0-9_-]{0,99}|[0-9]+)$`)

// New builds the sink from typed settings. Problems name the key.
func New(id string, s Settings, d sink.Deps) (*Sink, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	s.URL = strings.TrimRight(s.URL, "/")
	s.PriorityMap = merged(DefaultPriorityMap(), s.PriorityMap)
	s.StatusNames = merged(DefaultStatusNames(), s.StatusNames)
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if s.PollInterval == 0 {
		s.PollInterval = DefaultPollInterval
	}
	d = sinkhttp.Deps(d, defaultTimeout)
	states := map[string]string{}
	for state, name := range s.StatusNames {
		states[fold(name)] = state
	}
	return &Sink{
		id:     id,
		s:      s,
		c:      newClient(d.HTTP, s.URL, s.APIKey, d.Now),
		now:    d.Now,
		log:    d.Log,
		states: states,
	}, nil
}

func merged(def, over map[string]string) map[string]string {
	for k, v := range over {
		def[strings.ToLower(k)] = v
	}
	return def
}

func (s Settings) validate() error {
	if s.URL == "" {
		return errors.New("url: required")
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("url: must be an absolute http(s) URL like https://redmine.example.com")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("url: must not have a query or fragment")
	}
	switch {
	case s.APIKey == "":
		return errors.New("api_key: required (My account → API access key)")
	case s.Project == "":
		return errors.New("project: required")
	case !projectIdentifier.MatchString(s.Project):
		return fmt.Errorf("project: %q is not a project identifier (lower-case letters, digits, - and _, like ops)", s.Project)
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	case s.PollInterval < 0:
		return errors.New("poll_interval: must not be negative")
	case s.PollInterval > 0 && s.PollInterval < time.Second:
		return errors.New("poll_interval: must be at least 1s")
	}
	for k, v := range s.PriorityMap {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("priority_map.%s: empty priority name", k)
		}
	}
	for state, name := range s.StatusNames {
		if !sinkhttp.IsChatState(state) {
			return fmt.Errorf("status_names.%s: not a chat state (want one of %s)", state, strings.Join(core.ChatStates, ", "))
		}
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("status_names.%s: empty status name", state)
		}
	}
	for k, v := range s.CustomFields {
		if v <= 0 {
			return fmt.Errorf("custom_fields.%s: %d is not a custom field id", k, v)
		}
	}
	return nil
}

// fold compares status and priority names the way people write them.
func fold(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's request budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// PollInterval is how often Poll runs; Redmine has no webhooks.
func (s *Sink) PollInterval() time.Duration { return s.s.PollInterval }

// StateOf maps a status change to a chat state by status_names.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	st, ok := s.states[fold(ev.To)]
	return st, ok
}

// IssueURL is the issue's page.
func (s *Sink) IssueURL(id int) string { return fmt.Sprintf("%s/issues/%d", s.s.URL, id) }
