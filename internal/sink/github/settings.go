package github

import (
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

// Connector type names, one per dialect.
const (
	TypeGitHub = "github"
	TypeGitea  = "gitea"
)

// Defaults.
const (
	DefaultGitHubURL = "https://api.github.com"
	// DefaultRequestsPerMinute: GitHub allows 5000 requests an hour to a
	// token and at most 80 content-creating requests a minute (secondary
	// limit); 60 a minute stays under both.
	DefaultRequestsPerMinute = 60
	// DefaultMaxAttachmentBytes is Gitea's default [attachment] MAX_SIZE,
	// 2048 MiB, lowered to something a chat file plausibly is.
	DefaultMaxAttachmentBytes = 25 << 20
	defaultTimeout            = 30 * time.Second
)

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the API root: https://api.github.com (GitHub's default),
	// https://github.example.com/api/v3 for GitHub Enterprise, or the
	// Gitea site (https://gitea.example.com; /api/v1 is added).
	URL string `yaml:"url"`
	// Token is a personal access token (GitHub: issues read/write; Gitea:
	// write:issue and read:repository scopes). Required.
	Token string `yaml:"token"`
	// Repository is "owner/name". Required.
	Repository string `yaml:"repository"`
	// Labels are added to every issue, beside the draft's.
	Labels []string `yaml:"labels"`
	// PriorityLabels maps our priority to a label name.
	PriorityLabels map[string]string `yaml:"priority_labels"`
	// InternalComments: "skip" (default) keeps internal comments off the
	// issue, which the public may read; "post" posts them with an
	// "Internal:" prefix.
	InternalComments string `yaml:"internal_comments"`
	// WebhookSecret verifies the webhook signature. Required.
	WebhookSecret string `yaml:"webhook_secret"`
	// MaxAttachmentBytes is the Gitea upload limit; default 25 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// RequestsPerMinute is our budget; default 60.
	RequestsPerMinute int `yaml:"requests_per_minute"`
}

// Sink is a configured GitHub or Gitea sink.
type Sink struct {
	id      string
	dialect string
	s       Settings
	c       *sinkhttp.Client
	now     func() time.Time
	log     *slog.Logger
	owner   string
	repo    string

	mu     sync.Mutex
	login  string           // the token's user, once known
	labels map[string]int64 // Gitea: folded label name → id
}

// GiteaSink is a Gitea sink; it also takes attachments.
type GiteaSink struct{ *Sink }

var (
	_ sink.Sink             = (*Sink)(nil)
	_ sink.Transitioner     = (*Sink)(nil)
	_ sink.StatusReader     = (*Sink)(nil)
	_ sink.RateLimited      = (*Sink)(nil)
	_ sink.Checker          = (*Sink)(nil)
	_ sink.MappingValidator = (*Sink)(nil)
	_ sink.StateMapper      = (*Sink)(nil)
	_ sink.Attacher         = GiteaSink{}
	_ sink.AttachmentFinder = GiteaSink{}
)

// FactoryGitHub builds a "github" sink.
func FactoryGitHub(c config.Connector, d sink.Deps) (sink.Sink, error) {
	var s Settings
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	return New(c.ID, TypeGitHub, s, d)
}

// FactoryGitea builds a "gitea" sink.
func FactoryGitea(c config.Connector, d sink.Deps) (sink.Sink, error) {
	var s Settings
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	sk, err := New(c.ID, TypeGitea, s, d)
	if err != nil {
		return nil, err
	}
	return GiteaSink{sk}, nil
}

var repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// New builds a sink of dialect TypeGitHub or TypeGitea. Problems name the
// key.
func New(id, dialect string, s Settings, d sink.Deps) (*Sink, error) {
	if dialect != TypeGitHub && dialect != TypeGitea {
		return nil, fmt.Errorf("unknown dialect %q", dialect)
	}
	if s.URL == "" && dialect == TypeGitHub {
		s.URL = DefaultGitHubURL
	}
	if err := s.validate(dialect); err != nil {
		return nil, err
	}
	base := strings.TrimRight(s.URL, "/")
	if dialect == TypeGitea {
		base = strings.TrimSuffix(base, "/api/v1") + "/api/v1"
	}
	if s.InternalComments == "" {
		s.InternalComments = "skip"
	}
	if s.MaxAttachmentBytes == 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	d = sinkhttp.Deps(d, defaultTimeout)
	owner, repo, _ := strings.Cut(s.Repository, "/")
	return &Sink{
		id: id, dialect: dialect, s: s, now: d.Now, log: d.Log, owner: owner, repo: repo,
		c: newClient(d.HTTP, base, s.Token, dialect == TypeGitHub, d.Now),
	}, nil
}

func (s Settings) validate(dialect string) error {
	if s.URL == "" {
		return errors.New("url: required (the Gitea site, like https://gitea.example.com)")
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return errors.New("url: must be an absolute http(s) URL without a query")
	}
	switch {
	case s.Token == "":
		return errors.New("token: required")
	case s.Repository == "":
		return errors.New("repository: required (owner/name)")
	case !repoName.MatchString(s.Repository):
		return fmt.Errorf("repository: %q is not owner/name", s.Repository)
	case s.WebhookSecret == "":
		return errors.New("webhook_secret: required (the secret of the repository's webhook)")
	case s.InternalComments != "" && s.InternalComments != "skip" && s.InternalComments != "post":
		return fmt.Errorf("internal_comments: %q is neither skip nor post", s.InternalComments)
	case s.MaxAttachmentBytes < 0:
		return errors.New("max_attachment_bytes: must not be negative")
	case s.MaxAttachmentBytes > 0 && dialect == TypeGitHub:
		return errors.New("max_attachment_bytes: GitHub's API takes no attachments (files are linked); remove it")
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must not be negative")
	}
	for k, v := range s.PriorityLabels {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("priority_labels.%s: empty label", k)
		}
	}
	return nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's request budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// StateOf: an issue is open or closed, nothing between.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	switch ev.To {
	case "open":
		return core.StateOpen, true
	case "closed":
		return core.StateClosed, true
	}
	return "", false
}

func (s *Sink) repoPath() string {
	return "/repos/" + url.PathEscape(s.owner) + "/" + url.PathEscape(s.repo)
}
