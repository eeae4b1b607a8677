package gitlab

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
const Type = "gitlab"

// Defaults.
const (
	DefaultURL = "https://gitlab.com"
	// DefaultRequestsPerMinute stays far under GitLab.com's 2000
	// authenticated API requests a minute, shared with the token's users.
	DefaultRequestsPerMinute = 300
	// DefaultMaxAttachmentBytes is GitLab's default maximum attachment
	// size (Admin → Settings → General → Account and limit), 100 MiB.
	DefaultMaxAttachmentBytes = 100 << 20
	defaultTimeout            = 30 * time.Second
)

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the GitLab site; default https://gitlab.com.
	URL string `yaml:"url"`
	// Token is a personal, group or project access token with api scope.
	Token string `yaml:"token"`
	// Project is the numeric id or the full path ("group/project").
	Project string `yaml:"project"`
	// Labels go on every issue, beside the draft's.
	Labels []string `yaml:"labels"`
	// PriorityLabels maps our priority to a label.
	PriorityLabels map[string]string `yaml:"priority_labels"`
	// Confidential makes every issue confidential.
	Confidential bool `yaml:"confidential"`
	// WebhookToken is the webhook's secret token. Required.
	WebhookToken string `yaml:"webhook_token"`
	// MaxAttachmentBytes is the upload limit; default 100 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// RequestsPerMinute is our budget; default 300.
	RequestsPerMinute int `yaml:"requests_per_minute"`
}

// Sink is a configured GitLab sink.
type Sink struct {
	id  string
	s   Settings
	c   *sinkhttp.Client
	now func() time.Time
	log *slog.Logger

	mu       sync.Mutex
	username string
}

var (
	_ sink.Sink             = (*Sink)(nil)
	_ sink.Attacher         = (*Sink)(nil)
	_ sink.Transitioner     = (*Sink)(nil)
	_ sink.StatusReader     = (*Sink)(nil)
	_ sink.RateLimited      = (*Sink)(nil)
	_ sink.Checker          = (*Sink)(nil)
	_ sink.StateMapper      = (*Sink)(nil)
	_ sink.MappingValidator = (*Sink)(nil)
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
	if s.URL == "" {
		s.URL = DefaultURL
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	d = sinkhttp.Deps(d, defaultTimeout)
	base := strings.TrimSuffix(strings.TrimRight(s.URL, "/"), "/api/v4") + "/api/v4"
	return &Sink{id: id, s: s, now: d.Now, log: d.Log, c: newClient(d.HTTP, base, s.Token, d.Now)}, nil
}

func (s Settings) validate() error {
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return errors.New("url: must be an absolute http(s) URL like https://gitlab.example.com")
	}
	switch {
	case s.Token == "":
		return errors.New("token: required (an access token with the api scope)")
	case strings.Trim(s.Project, "/ ") == "":
		return errors.New("project: required (numeric id or group/project)")
	case s.WebhookToken == "":
		return errors.New("webhook_token: required (the secret token of the project's webhook)")
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	}
	for k, v := range s.PriorityLabels {
		if strings.TrimSpace(v) == "" || strings.Contains(v, ",") {
			return fmt.Errorf("priority_labels.%s: %q is not a label (empty, or has a comma)", k, v)
		}
	}
	for _, l := range s.Labels {
		if strings.Contains(l, ",") {
			return fmt.Errorf("labels: %q has a comma, which GitLab reads as two labels", l)
		}
	}
	return nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's request budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// StateOf: GitLab issues are opened or closed.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	switch ev.To {
	case "opened":
		return core.StateOpen, true
	case "closed":
		return core.StateClosed, true
	}
	return "", false
}

// projectPath is /projects/<id or url-encoded path>.
func (s *Sink) projectPath() string {
	return "/projects/" + url.PathEscape(strings.Trim(s.s.Project, "/ "))
}
