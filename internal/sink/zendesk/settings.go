package zendesk

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Type is the connector type name in the configuration.
const Type = "zendesk"

// Defaults for settings left empty.
const (
	// DefaultRequestsPerMinute is below the Team plan's 700 with room for
	// agents' own apps on the same account.
	DefaultRequestsPerMinute = 700
	// DefaultMaxAttachmentBytes is Zendesk's per-file upload limit.
	DefaultMaxAttachmentBytes = 50 << 20
	// DefaultTolerance is the webhook timestamp window either way.
	DefaultTolerance = 5 * time.Minute
	defaultTimeout   = 30 * time.Second
)

// Zendesk's fixed priorities and statuses.
var (
	Priorities = []string{"low", "normal", "high", "urgent"}
	Statuses   = []string{"new", "open", "pending", "hold", "solved", "closed"}
)

// defaultTransitions is the Zendesk status each chat-facing state asks for.
var defaultTransitions = map[string]string{
	core.StateOpen:              "open",
	core.StateInProgress:        "open",
	core.StateWaitingOnCustomer: "pending",
	core.StateResolved:          "solved",
	core.StateClosed:            "closed",
}

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the account's address, https://{subdomain}.zendesk.com.
	URL string `yaml:"url"`
	// Email and APIToken authenticate as {email}/token:{api_token}.
	Email    string `yaml:"email"`
	APIToken string `yaml:"api_token"`
	// GroupID and BrandID, when set, are put on every new ticket.
	GroupID int64 `yaml:"group_id"`
	BrandID int64 `yaml:"brand_id"`
	// PriorityMap turns our priorities into Zendesk's low|normal|high|urgent;
	// a priority not in it is sent as it is when Zendesk knows it.
	PriorityMap map[string]string `yaml:"priority_map"`
	// CustomFields maps a key of mapping.custom to a ticket field id.
	CustomFields map[string]int64 `yaml:"custom_fields"`
	// WebhookSecret is the Zendesk webhook's signing secret, used as is.
	WebhookSecret string `yaml:"webhook_secret"`
	// Tolerance is the webhook timestamp window either way; default 5m.
	Tolerance time.Duration `yaml:"tolerance"`
	// IntegrationUserID is the Zendesk user id of the API user; changes it
	// makes are ours and not echoed to the chat.
	IntegrationUserID int64 `yaml:"integration_user_id"`
	// RequestsPerMinute is our request budget; default 700.
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// PollInterval enables polling the incremental export; 0 = webhooks only.
	PollInterval time.Duration `yaml:"poll_interval"`
	// MaxAttachmentBytes is the largest file we upload; default 50 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// Transitions overrides the Zendesk status a chat-facing state
	// (resolved, closed, …) moves a ticket to.
	Transitions map[string]string `yaml:"transitions"`
}

// Sink is a configured Zendesk sink.
type Sink struct {
	id          string
	base        string
	auth        string
	set         Settings
	transitions map[string]string
	http        *http.Client
	now         func() time.Time
	log         *slog.Logger
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

// New builds the sink from typed settings. Problems name the key.
func New(id string, s Settings, d sink.Deps) (*Sink, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.Tolerance == 0 {
		s.Tolerance = DefaultTolerance
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	tr := map[string]string{}
	for k, v := range defaultTransitions {
		tr[k] = v
	}
	for k, v := range s.Transitions {
		tr[k] = strings.ToLower(v)
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
		id:          id,
		base:        strings.TrimRight(s.URL, "/"),
		auth:        basicAuth(s.Email, s.APIToken),
		set:         s,
		transitions: tr,
		http:        d.HTTP,
		now:         d.Now,
		log:         d.Log,
	}, nil
}

func (s Settings) check() error {
	if s.URL == "" {
		return errors.New("url: required")
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("url: must be an absolute https URL like https://acme.zendesk.com")
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return errors.New("url: must be the account's address only, like https://acme.zendesk.com")
	}
	switch {
	case s.Email == "":
		return errors.New("email: required (the API user's address)")
	case !strings.Contains(s.Email, "@"):
		return errors.New("email: not an e-mail address")
	case s.APIToken == "":
		return errors.New("api_token: required")
	case s.WebhookSecret == "":
		return errors.New("webhook_secret: required (the webhook's signing secret)")
	case s.GroupID < 0:
		return errors.New("group_id: must be a positive id")
	case s.BrandID < 0:
		return errors.New("brand_id: must be a positive id")
	case s.IntegrationUserID < 0:
		return errors.New("integration_user_id: must be a positive id")
	case s.Tolerance < 0:
		return errors.New("tolerance: must not be negative")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	case s.PollInterval < 0:
		return errors.New("poll_interval: must not be negative")
	case s.PollInterval > 0 && s.PollInterval < 10*time.Second:
		return errors.New("poll_interval: at least 10s (the incremental export allows 10 requests a minute)")
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	}
	for _, k := range sortedKeys(s.PriorityMap) {
		if !slices.Contains(Priorities, strings.ToLower(s.PriorityMap[k])) {
			return fmt.Errorf("priority_map.%s: %q is not a Zendesk priority (%s)", k, s.PriorityMap[k], strings.Join(Priorities, ", "))
		}
	}
	for _, k := range sortedKeys(s.CustomFields) {
		if s.CustomFields[k] <= 0 {
			return fmt.Errorf("custom_fields.%s: must be a positive ticket field id", k)
		}
	}
	for _, k := range sortedKeys(s.Transitions) {
		if !slices.Contains(core.ChatStates, k) {
			return fmt.Errorf("transitions.%s: not a chat state (%s)", k, strings.Join(core.ChatStates, ", "))
		}
		if v := strings.ToLower(s.Transitions[k]); !slices.Contains(Statuses, v) || v == "new" {
			return fmt.Errorf("transitions.%s: %q is not a Zendesk status to move to (open, pending, hold, solved, closed)", k, s.Transitions[k])
		}
	}
	return nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the request budget the caller spaces calls by.
func (s *Sink) RequestsPerMinute() int { return s.set.RequestsPerMinute }

// PollInterval is how often Poll runs; 0 means webhooks only.
func (s *Sink) PollInterval() time.Duration { return s.set.PollInterval }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
