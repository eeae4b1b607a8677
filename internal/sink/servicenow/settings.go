package servicenow

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Type is the connector type name in the configuration.
const Type = "servicenow"

// Defaults for optional settings.
const (
	DefaultRequestsPerMinute  = 60
	DefaultMaxAttachmentBytes = 1024 << 20 // the instance's stock com.glide.attachment.max_size
	DefaultCloseCode          = "Solution provided"
	DefaultCloseNotes         = "Resolved from the chat conversation (ticketbridge)."
	DefaultTolerance          = 5 * time.Minute
	defaultTimeout            = 30 * time.Second
)

// Settings is the sink's configuration entry.
type Settings struct {
	// URL is the instance, https://<instance>.service-now.com. Required.
	URL string `yaml:"url"`
	// Username and Password authenticate with Basic auth; OAuthToken
	// with Bearer instead. Exactly one of the two is required.
	Username   string `yaml:"username"`
	Password   string `yaml:"password"`
	OAuthToken string `yaml:"oauth_token"`
	// AssignmentGroup is a sys_user_group sys_id or name (looked up once).
	AssignmentGroup string `yaml:"assignment_group"`
	// CallerFallback is the sys_user sys_id used when the requester's
	// e-mail matches no user.
	CallerFallback string `yaml:"caller_fallback"`
	// Category is put into every incident's category when set.
	Category string `yaml:"category"`
	// UrgencyMap and ImpactMap turn our priority into 1/2/3; the
	// instance derives the incident's priority from the two.
	UrgencyMap map[string]string `yaml:"urgency_map"`
	ImpactMap  map[string]string `yaml:"impact_map"`
	// CustomFields maps a key of the route's mapping.custom to an
	// incident column; unmapped keys are used as column names.
	CustomFields map[string]string `yaml:"custom_fields"`
	// CSATField is an incident column (u_csat_score) a CSAT answer's
	// score is written into; CSATCommentField, optional, one for its
	// comment. Without CSATField the answer is a work note; without
	// CSATCommentField a comment goes in a work note beside the score.
	CSATField        string `yaml:"csat_field"`
	CSATCommentField string `yaml:"csat_comment_field"`
	// LabelsField is a column for the draft's labels (comma separated);
	// empty appends them to the description.
	LabelsField string `yaml:"labels_field"`
	// StateNames overrides or adds state code → name (custom states).
	StateNames map[string]string `yaml:"state_names"`
	// CloseCode and CloseNotes go with a resolution from the chat.
	CloseCode  string `yaml:"close_code"`
	CloseNotes string `yaml:"close_notes"`
	// WebhookSecret is the HMAC key the business rule signs with. Required.
	WebhookSecret string `yaml:"webhook_secret"`
	// Tolerance is the webhook timestamp window either way; default 5m.
	Tolerance time.Duration `yaml:"tolerance"`
	// IntegrationUser is the sys_user user_name we call as; changes it
	// made are ours. Default Username.
	IntegrationUser    string        `yaml:"integration_user"`
	RequestsPerMinute  int           `yaml:"requests_per_minute"`
	PollInterval       time.Duration `yaml:"poll_interval"`
	MaxAttachmentBytes int64         `yaml:"max_attachment_bytes"`
}

// Sink is a configured ServiceNow sink.
type Sink struct {
	id   string
	base string
	s    Settings
	auth func(h http.Header)
	hc   *http.Client
	now  func() time.Time
	log  *slog.Logger
	key  []byte

	mu      sync.Mutex
	groupID string            // resolved assignment group sys_id
	sysIDs  map[string]string // number → sys_id, for refs without our URL
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

var sysIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// New builds the sink from typed settings. Problems name the key.
func New(id string, s Settings, d sink.Deps) (*Sink, error) {
	if s.URL == "" {
		return nil, errors.New("url: required")
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("url: must be an absolute http or https URL")
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return nil, errors.New("url: must be the instance root, like https://acme.service-now.com")
	}
	var auth func(h http.Header)
	switch {
	case s.OAuthToken != "" && (s.Username != "" || s.Password != ""):
		return nil, errors.New("oauth_token: set either oauth_token or username and password, not both")
	case s.OAuthToken != "":
		tok := s.OAuthToken
		auth = func(h http.Header) { h.Set("Authorization", "Bearer "+tok) }
	case s.Username == "":
		return nil, errors.New("username: required (or oauth_token)")
	case s.Password == "":
		return nil, errors.New("password: required with username")
	default:
		user, pass := s.Username, s.Password
		auth = func(h http.Header) {
			r := http.Request{Header: h}
			r.SetBasicAuth(user, pass)
		}
	}
	if s.WebhookSecret == "" {
		return nil, errors.New("webhook_secret: required (the business rule signs with it)")
	}
	if len(s.WebhookSecret) < 16 {
		return nil, errors.New("webhook_secret: must be at least 16 characters")
	}
	if s.CallerFallback != "" && !sysIDPattern.MatchString(s.CallerFallback) {
		return nil, errors.New("caller_fallback: must be a sys_user sys_id (32 hex digits)")
	}
	if s.UrgencyMap == nil {
		s.UrgencyMap = map[string]string{"urgent": "1", "high": "1", "normal": "2", "low": "3"}
	}
	if s.ImpactMap == nil {
		s.ImpactMap = map[string]string{"urgent": "1", "high": "2", "normal": "2", "low": "2"}
	}
	for key, m := range map[string]map[string]string{"urgency_map": s.UrgencyMap, "impact_map": s.ImpactMap} {
		for p, v := range m {
			if v != "1" && v != "2" && v != "3" {
				return nil, fmt.Errorf("%s.%s: must be 1, 2 or 3, not %q", key, p, v)
			}
		}
	}
	for k, col := range s.CustomFields {
		if !columnPattern.MatchString(col) {
			return nil, fmt.Errorf("custom_fields.%s: %q is not a column name", k, col)
		}
	}
	if s.CSATField != "" && !columnPattern.MatchString(s.CSATField) {
		return nil, fmt.Errorf("csat_field: %q is not a column name", s.CSATField)
	}
	if s.CSATCommentField != "" && (s.CSATField == "" || !columnPattern.MatchString(s.CSATCommentField)) {
		return nil, fmt.Errorf("csat_comment_field: %q must be a column name, set with csat_field", s.CSATCommentField)
	}
	if s.LabelsField != "" && !columnPattern.MatchString(s.LabelsField) {
		return nil, fmt.Errorf("labels_field: %q is not a column name", s.LabelsField)
	}
	states := map[string]string{}
	for code, name := range defaultStateNames {
		states[code] = name
	}
	for code, name := range s.StateNames {
		if name == "" {
			return nil, fmt.Errorf("state_names.%s: must not be empty", code)
		}
		states[code] = name
	}
	s.StateNames = states
	if s.CloseCode == "" {
		s.CloseCode = DefaultCloseCode
	}
	if s.CloseNotes == "" {
		s.CloseNotes = DefaultCloseNotes
	}
	switch {
	case s.Tolerance < 0:
		return nil, errors.New("tolerance: must not be negative")
	case s.Tolerance == 0:
		s.Tolerance = DefaultTolerance
	}
	switch {
	case s.RequestsPerMinute < 0:
		return nil, errors.New("requests_per_minute: must not be negative")
	case s.RequestsPerMinute == 0:
		s.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if s.PollInterval < 0 {
		return nil, errors.New("poll_interval: must not be negative")
	}
	if s.PollInterval > 0 && s.PollInterval < 10*time.Second {
		return nil, errors.New("poll_interval: must be 0 (webhooks only) or at least 10s")
	}
	switch {
	case s.MaxAttachmentBytes < 0:
		return nil, errors.New("max_attachment_bytes: must not be negative")
	case s.MaxAttachmentBytes == 0:
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if s.IntegrationUser == "" {
		s.IntegrationUser = s.Username
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
	sn := &Sink{
		id:     id,
		base:   strings.TrimRight(s.URL, "/"),
		s:      s,
		auth:   auth,
		hc:     d.HTTP,
		now:    d.Now,
		log:    d.Log,
		key:    []byte(s.WebhookSecret),
		sysIDs: map[string]string{},
	}
	if sysIDPattern.MatchString(s.AssignmentGroup) {
		sn.groupID = s.AssignmentGroup
	}
	return sn, nil
}

// columnPattern is what an incident column name looks like.
var columnPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,79}$`)

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the budget the caller spaces our calls with. The
// instance's own limits are rate-limit rules per hour, set by its admin.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// PollInterval is how often to poll; 0 means webhooks only.
func (s *Sink) PollInterval() time.Duration { return s.s.PollInterval }
