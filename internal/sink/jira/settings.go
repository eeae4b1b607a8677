package jira

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Type is the connector type name in the configuration.
const Type = "jira"

// Defaults.
const (
	DefaultIssueType = "Task"
	// DefaultRequestsPerMinute stays well under Jira Cloud's burst limits
	// for one API token, which are shared with the token's other users.
	DefaultRequestsPerMinute = 100
	// DefaultMaxAttachmentBytes is 10 MiB; Jira Cloud's own limit is set
	// by the site admin, so raise this to match it.
	DefaultMaxAttachmentBytes = 10 << 20
	// DefaultWebhookMaxAge covers Jira's retries, which may come about
	// 30 minutes late.
	DefaultWebhookMaxAge = time.Hour
	defaultTimeout       = 30 * time.Second
)

// DefaultPriorityMap maps our priorities to Jira's default scheme.
func DefaultPriorityMap() map[string]string {
	return map[string]string{"low": "Low", "normal": "Medium", "high": "High", "urgent": "Highest"}
}

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the site, https://<site>.atlassian.net. Required.
	URL string `yaml:"url"`
	// Email and APIToken authenticate (Basic). Required.
	Email    string `yaml:"email"`
	APIToken string `yaml:"api_token"`
	// Project is the project key ("OPS"). Required.
	Project string `yaml:"project"`
	// IssueType is the issue type's name; default Task.
	IssueType string `yaml:"issue_type"`
	// ServiceDeskID and RequestTypeID, both or neither: create requests
	// through Jira Service Management.
	ServiceDeskID string `yaml:"service_desk_id"`
	RequestTypeID string `yaml:"request_type_id"`
	// PriorityMap maps our priority to a Jira priority name; entries
	// replace the defaults key by key.
	PriorityMap map[string]string `yaml:"priority_map"`
	// ReporterFallbackAccountID is the reporter when the requester's
	// e-mail finds no Jira user.
	ReporterFallbackAccountID string `yaml:"reporter_fallback_account_id"`
	// CustomFields maps a key of the route's mapping.custom to a field id
	// (customfield_10050).
	CustomFields map[string]string `yaml:"custom_fields"`
	// CSATField is the number custom field (customfield_10070) a CSAT
	// answer's score is written into; CSATCommentField, optional, a
	// single-line text field for its comment. Without CSATField the answer
	// is an internal note; without CSATCommentField a comment goes in a
	// note beside the score.
	CSATField        string `yaml:"csat_field"`
	CSATCommentField string `yaml:"csat_comment_field"`
	// StatusOverrides, per project key: Jira status name → chat state,
	// for statuses whose category misleads.
	StatusOverrides map[string]map[string]string `yaml:"status_overrides"`
	// TransitionNames maps a chat state to the transition (or target
	// status) name to use for it.
	TransitionNames map[string]string `yaml:"transition_names"`
	// InternalVisibilityRole restricts internal comments in plain Jira
	// (e.g. "Administrators"); without it they are ordinary comments.
	InternalVisibilityRole string `yaml:"internal_visibility_role"`
	// MaxAttachmentBytes is the upload limit; default 10 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// WebhookSecret verifies X-Hub-Signature. Required.
	WebhookSecret string `yaml:"webhook_secret"`
	// WebhookMaxAge refuses deliveries whose timestamp is older (replays);
	// default 1h, negative disables the check.
	WebhookMaxAge time.Duration `yaml:"webhook_max_age"`
	// IntegrationAccountID is the accountId of the API token's user; its
	// changes are ours and are not echoed to the chat.
	IntegrationAccountID string `yaml:"integration_account_id"`
	// RequestsPerMinute is our budget; default 100.
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// PollInterval > 0 polls the project for changes; 0 = webhooks only.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// Sink is a configured Jira sink.
type Sink struct {
	id  string
	s   Settings
	c   *client
	now func() time.Time
	log *slog.Logger
	// overrides is StatusOverrides with project keys upper-cased and
	// status names folded, for lookups.
	overrides map[string]map[string]string
	zone      pollZone
}

var (
	_ sink.Sink             = (*Sink)(nil)
	_ sink.Attacher         = (*Sink)(nil)
	_ sink.Transitioner     = (*Sink)(nil)
	_ sink.StatusReader     = (*Sink)(nil)
	_ sink.MappingValidator = (*Sink)(nil)
	_ sink.Poller           = (*Sink)(nil)
	_ sink.RateLimited      = (*Sink)(nil)
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

var (
	projectKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,254}$`)
	fieldID    = regexp.MustCompile(`^(customfield_[0-9]+|[a-z][A-Za-z0-9_]*)$`)
	numericID  = regexp.MustCompile(`^[0-9]+$`)
)

// New builds the sink from typed settings. Problems name the key.
func New(id string, s Settings, d sink.Deps) (*Sink, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	s.URL = strings.TrimRight(s.URL, "/")
	if s.IssueType == "" {
		s.IssueType = DefaultIssueType
	}
	pm := DefaultPriorityMap()
	for k, v := range s.PriorityMap {
		pm[strings.ToLower(k)] = v
	}
	s.PriorityMap = pm
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.WebhookMaxAge == 0 {
		s.WebhookMaxAge = DefaultWebhookMaxAge
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
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
	ov := map[string]map[string]string{}
	for p, m := range s.StatusOverrides {
		folded := map[string]string{}
		for name, state := range m {
			folded[fold(name)] = state
		}
		ov[strings.ToUpper(p)] = folded
	}
	return &Sink{
		id:        id,
		s:         s,
		c:         newClient(d.HTTP, s.URL, s.Email, s.APIToken, d.Now),
		now:       d.Now,
		log:       d.Log,
		overrides: ov,
	}, nil
}

func (s Settings) validate() error {
	if s.URL == "" {
		return errors.New("url: required")
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("url: must be an absolute https URL like https://example.atlassian.net")
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return errors.New("url: must be the site's root, without a path or query")
	}
	switch {
	case s.Email == "":
		return errors.New("email: required")
	case s.APIToken == "":
		return errors.New("api_token: required")
	case s.Project == "":
		return errors.New("project: required")
	case !projectKey.MatchString(s.Project):
		return fmt.Errorf("project: %q is not a project key (upper-case letters and digits, like OPS)", s.Project)
	case (s.ServiceDeskID == "") != (s.RequestTypeID == ""):
		return errors.New("service_desk_id: set it together with request_type_id, or neither")
	case s.ServiceDeskID != "" && !numericID.MatchString(s.ServiceDeskID):
		return errors.New("service_desk_id: must be a number")
	case s.RequestTypeID != "" && !numericID.MatchString(s.RequestTypeID):
		return errors.New("request_type_id: must be a number")
	case s.WebhookSecret == "":
		return errors.New("webhook_secret: required (the secret of the Jira webhook)")
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	case s.PollInterval < 0:
		return errors.New("poll_interval: must not be negative")
	case s.PollInterval > 0 && s.PollInterval < 10*time.Second:
		return errors.New("poll_interval: must be at least 10s (or 0 for webhooks only)")
	}
	for k, v := range s.PriorityMap {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("priority_map.%s: empty priority name", k)
		}
	}
	for k, v := range s.CustomFields {
		if !fieldID.MatchString(v) {
			return fmt.Errorf("custom_fields.%s: %q is not a field id like customfield_10050", k, v)
		}
	}
	if s.CSATField != "" && !fieldID.MatchString(s.CSATField) {
		return fmt.Errorf("csat_field: %q is not a field id like customfield_10070", s.CSATField)
	}
	if s.CSATCommentField != "" && (s.CSATField == "" || !fieldID.MatchString(s.CSATCommentField)) {
		return fmt.Errorf("csat_comment_field: %q must be a field id like customfield_10071, set with csat_field", s.CSATCommentField)
	}
	for p, m := range s.StatusOverrides {
		for name, state := range m {
			if !isChatState(state) {
				return fmt.Errorf("status_overrides.%s.%s: unknown chat state %q (want one of %s)", p, name, state, strings.Join(core.ChatStates, ", "))
			}
		}
	}
	for state, name := range s.TransitionNames {
		if !isChatState(state) {
			return fmt.Errorf("transition_names.%s: not a chat state (want one of %s)", state, strings.Join(core.ChatStates, ", "))
		}
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("transition_names.%s: empty name", state)
		}
	}
	return nil
}

func isChatState(s string) bool {
	for _, st := range core.ChatStates {
		if s == st {
			return true
		}
	}
	return false
}

// fold compares status and transition names the way people write them.
func fold(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's request budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// PollInterval is how often Poll should run; 0 means webhooks only.
func (s *Sink) PollInterval() time.Duration { return s.s.PollInterval }

// jsm reports whether requests go through Jira Service Management.
func (s *Sink) jsm() bool { return s.s.ServiceDeskID != "" }

func (s *Sink) browse(key string) string { return s.s.URL + "/browse/" + key }

// ChatState maps a status of an issue in project to the chat-facing
// state by the status_overrides and, failing them, the status category
// (new → open, indeterminate → in_progress, done → resolved). ok is false
// when neither says anything. Exported for the wiring of status maps.
func (s *Sink) ChatState(project, status, category string) (state string, ok bool) {
	return s.chatState(project, status, category)
}

// StateOf implements sink.StateMapper: a status change's chat state by
// the project's overrides and the new status's category.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	project, _, _ := strings.Cut(ev.Ticket.Key, "-")
	return s.chatState(project, ev.To, ev.ToCategory)
}

func (s *Sink) chatState(project, status, category string) (state string, ok bool) {
	if st, found := s.overrides[strings.ToUpper(project)][fold(status)]; found {
		return st, true
	}
	switch category {
	case "new":
		return core.StateOpen, true
	case "indeterminate":
		return core.StateInProgress, true
	case "done":
		return core.StateResolved, true
	}
	return "", false
}
