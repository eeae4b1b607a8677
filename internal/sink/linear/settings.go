package linear

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Type is the connector type name in the configuration.
const Type = "linear"

// Defaults.
const (
	DefaultURL = "https://api.linear.app/graphql"
	// DefaultRequestsPerMinute: an API key may make 1500 requests an hour
	// (25 a minute); 20 leaves room for the key's other uses.
	DefaultRequestsPerMinute = 20
	// DefaultMaxAttachmentBytes is a conservative upload size.
	DefaultMaxAttachmentBytes = 25 << 20
	// DefaultWebhookMaxAge is Linear's advice: refuse deliveries whose
	// webhookTimestamp is more than a minute away from now.
	DefaultWebhookMaxAge = time.Minute
	defaultTimeout       = 30 * time.Second
)

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the GraphQL endpoint; default https://api.linear.app/graphql.
	URL string `yaml:"url"`
	// APIKey is a personal API key (Settings → Security & access). Required.
	APIKey string `yaml:"api_key"`
	// TeamID is the team's UUID. Required.
	TeamID string `yaml:"team_id"`
	// LabelIDs are label UUIDs put on every issue.
	LabelIDs []string `yaml:"label_ids"`
	// StateNames maps a chat state to a workflow state name; without an
	// entry the first state of the fitting type is taken (unstarted for
	// open, started for in_progress, completed for resolved and closed).
	StateNames map[string]string `yaml:"state_names"`
	// WebhookSecret verifies Linear-Signature. Required.
	WebhookSecret string `yaml:"webhook_secret"`
	// WebhookMaxAge bounds webhookTimestamp's distance from now; default 1m.
	WebhookMaxAge time.Duration `yaml:"webhook_max_age"`
	// MaxAttachmentBytes is the upload limit; default 25 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// RequestsPerMinute is our budget; default 20.
	RequestsPerMinute int `yaml:"requests_per_minute"`
}

// Sink is a configured Linear sink.
type Sink struct {
	id  string
	s   Settings
	c   *client
	now func() time.Time
	log *slog.Logger

	mu       sync.Mutex
	viewerID string
	states   []State
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

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// New builds the sink from typed settings. Problems name the key.
func New(id string, s Settings, d sink.Deps) (*Sink, error) {
	if s.URL == "" {
		s.URL = DefaultURL
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.WebhookMaxAge == 0 {
		s.WebhookMaxAge = DefaultWebhookMaxAge
	}
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	d = sinkhttp.Deps(d, defaultTimeout)
	return &Sink{id: id, s: s, now: d.Now, log: d.Log, c: &client{http: d.HTTP, url: s.URL, key: s.APIKey, now: d.Now}}, nil
}

func (s Settings) validate() error {
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("url: must be an absolute http(s) URL")
	}
	switch {
	case s.APIKey == "":
		return errors.New("api_key: required (Linear → Settings → Security & access → API keys)")
	case s.TeamID == "":
		return errors.New("team_id: required (the team's UUID; `ticketbridge doctor` lists them)")
	case !uuidRE.MatchString(s.TeamID):
		return fmt.Errorf("team_id: %q is not a UUID", s.TeamID)
	case s.WebhookSecret == "":
		return errors.New("webhook_secret: required (the signing secret of the Linear webhook)")
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	}
	for i, l := range s.LabelIDs {
		if !uuidRE.MatchString(l) {
			return fmt.Errorf("label_ids[%d]: %q is not a UUID", i, l)
		}
	}
	for st, name := range s.StateNames {
		if !sinkhttp.IsChatState(st) {
			return fmt.Errorf("state_names.%s: not a chat state (want one of %s)", st, strings.Join(core.ChatStates, ", "))
		}
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("state_names.%s: empty state name", st)
		}
	}
	return nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's request budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// IssueID is the issue id we choose for an external id: a name-based
// UUID (version 5 layout, SHA-256 truncated) so every retry of one draft
// names the same issue.
func IssueID(externalID string) string {
	return uuidOf("ticketbridge/linear/" + externalID)
}

// uuidOf is a name-based UUID (its version and variant bits set) of name.
func uuidOf(name string) string {
	sum := sha256.Sum256([]byte(name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CommentID is the id a keyed comment (core.Comment.Key) is created
// under, derived from the key as IssueID is from the external id.
func CommentID(key string) string {
	return uuidOf("ticketbridge/linear/comment/" + key)
}

// AttachmentID is the id a keyed file (core.File.Key) is attached under.
func AttachmentID(key string) string {
	return uuidOf("ticketbridge/linear/attachment/" + key)
}

// StateOf maps a state change by state_names, else by the state's type.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	for st, name := range s.s.StateNames {
		if strings.EqualFold(name, ev.To) {
			return st, true
		}
	}
	switch ev.ToCategory {
	case "triage", "backlog", "unstarted":
		return core.StateOpen, true
	case "started":
		return core.StateInProgress, true
	case "completed":
		return core.StateResolved, true
	case "canceled":
		return core.StateClosed, true
	}
	return "", false
}
