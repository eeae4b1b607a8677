package feishuhelpdesk

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
const Type = "feishu_helpdesk"

// API hosts.
const (
	FeishuAPIURL = "https://open.feishu.cn"
	LarkAPIURL   = "https://open.larksuite.com"
)

// Defaults.
const (
	// DefaultRequestsPerMinute stays under the helpdesk API's 10
	// requests a second with room for the agents' own tools.
	DefaultRequestsPerMinute = 300
	// DefaultLookupWindow is how far back a look-up for our ticket reads.
	DefaultLookupWindow = 24 * time.Hour
	defaultTolerance    = 5 * time.Minute
	defaultTimeout      = 30 * time.Second
	maxCustomizedInfo   = 1024
)

// Ticket statuses (工单状态).
const (
	StatusCreated       = 1
	StatusProcessing    = 2
	StatusQueued        = 3
	StatusPending       = 4
	StatusWaitingOnUser = 5
	StatusClosedByBot   = 50
	StatusClosedByAgent = 51
	StatusClosedByUser  = 52
)

// Ticket stages: the bot answers first, then a human.
const (
	StageBot   = 1
	StageHuman = 2
)

// Settings is the sink's configuration entry.
type Settings struct {
	// AppID and AppSecret are a custom app's credentials; the app gets
	// the tenant_access_token and receives the helpdesk's events.
	AppID     string `yaml:"app_id"`
	AppSecret string `yaml:"app_secret"`
	// HelpdeskID and HelpdeskToken are the helpdesk's own credentials
	// (服务台 → 设置 → API), sent as X-Lark-Helpdesk-Authorization.
	HelpdeskID    string `yaml:"helpdesk_id"`
	HelpdeskToken string `yaml:"helpdesk_token"`
	// EncryptKey and VerificationToken are the app's event settings
	// (事件订阅): deliveries are AES-encrypted and signed with the key and
	// carry the token.
	EncryptKey        string `yaml:"encrypt_key"`
	VerificationToken string `yaml:"verification_token"`
	// RequesterOpenID raises a ticket when the chat's requester is not a
	// Feishu user we can find (by open_id or e-mail). Required.
	RequesterOpenID string `yaml:"requester_open_id"`
	// HumanService sends new tickets straight to an agent (default true);
	// false lets the helpdesk's bot answer first.
	HumanService *bool `yaml:"human_service"`
	// AppointedAgents are agents' open_ids the ticket goes to.
	AppointedAgents []string `yaml:"appointed_agents"`
	// CustomFields maps a key of mapping.custom to a ticket field's
	// key_name (服务台 → 工单字段); see the package doc for how it is used.
	CustomFields map[string]string `yaml:"custom_fields"`
	// Lark uses open.larksuite.com; APIURL overrides either.
	Lark   bool   `yaml:"lark"`
	APIURL string `yaml:"api_url"`
	// Tolerance is the signed-timestamp window of deliveries; default 5m.
	Tolerance time.Duration `yaml:"tolerance"`
	// LookupWindow bounds how far back a look-up for our ticket reads;
	// default 24h.
	LookupWindow time.Duration `yaml:"lookup_window"`
	// RequestsPerMinute is our budget; default 300.
	RequestsPerMinute int `yaml:"requests_per_minute"`
}

// Sink is a configured Feishu Helpdesk (飞书服务台).
type Sink struct {
	id  string
	s   Settings
	c   *sinkhttp.Client
	now func() time.Time
	log *slog.Logger

	// token is the tenant_access_token, shared by the calls.
	mu     sync.Mutex
	token  string
	expiry time.Time
	// tokenClient fetches the token (no Authorization header).
	tokenClient *sinkhttp.Client
	// names remembers agents' names from ticket updates (which carry
	// them) for the messages (which carry only an open_id).
	names *nameCache
}

// nameCache is bounded by dropping everything when full: crude, but it
// cannot grow forever, and a miss only shows "Support" for a name.
type nameCache struct {
	mu sync.Mutex
	m  map[string]string
}

const maxNames = 10000

func (c *nameCache) put(id, name string) {
	if id == "" || name == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxNames {
		clear(c.m)
	}
	c.m[id] = name
}

func (c *nameCache) get(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

var (
	_ sink.Sink             = (*Sink)(nil)
	_ sink.StatusReader     = (*Sink)(nil)
	_ sink.StateMapper      = (*Sink)(nil)
	_ sink.MappingValidator = (*Sink)(nil)
	_ sink.RateLimited      = (*Sink)(nil)
	_ sink.Checker          = (*Sink)(nil)
	_ sink.Challenger       = (*Sink)(nil)
)

// Factory builds the sink from its configuration entry.
func Factory(c config.Connector, d sink.Deps) (sink.Sink, error) {
	var s Settings
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	return New(c.ID, s, d)
}

// New builds the sink from typed settings; problems name the key.
func New(id string, s Settings, d sink.Deps) (*Sink, error) {
	d = sinkhttp.Deps(d, defaultTimeout)
	if err := s.validate(); err != nil {
		return nil, err
	}
	snk := &Sink{id: id, s: s, now: d.Now, log: d.Log, names: &nameCache{m: map[string]string{}}}
	base := strings.TrimRight(s.APIURL, "/")
	helpdeskAuth := base64.StdEncoding.EncodeToString([]byte(s.HelpdeskID + ":" + s.HelpdeskToken))
	snk.c = &sinkhttp.Client{HTTP: d.HTTP, Base: base, Now: d.Now,
		Auth: func(h http.Header) {
			h.Set("X-Lark-Helpdesk-Authorization", helpdeskAuth)
		},
		Classify: classifyFailure,
	}
	snk.tokenClient = &sinkhttp.Client{HTTP: d.HTTP, Base: base, Now: d.Now, Classify: classifyFailure}
	return snk, nil
}

func (s *Settings) validate() error {
	for _, r := range []struct{ key, val string }{
		{"app_id", s.AppID}, {"app_secret", s.AppSecret}, {"helpdesk_id", s.HelpdeskID},
		{"helpdesk_token", s.HelpdeskToken}, {"verification_token", s.VerificationToken},
		{"requester_open_id", s.RequesterOpenID},
	} {
		if strings.TrimSpace(r.val) == "" {
			return fmt.Errorf("%s: required", r.key)
		}
	}
	if s.APIURL == "" {
		s.APIURL = FeishuAPIURL
		if s.Lark {
			s.APIURL = LarkAPIURL
		}
	}
	if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("api_url: must be an absolute http or https URL")
	}
	if s.HumanService == nil {
		t := true
		s.HumanService = &t
	}
	if len(s.AppointedAgents) > 0 && !*s.HumanService {
		return errors.New("appointed_agents: needs human_service: true (Feishu refuses agents for a bot-first ticket)")
	}
	switch {
	case s.Tolerance == 0:
		s.Tolerance = defaultTolerance
	case s.Tolerance < 0:
		return errors.New("tolerance: must be positive")
	}
	switch {
	case s.LookupWindow == 0:
		s.LookupWindow = DefaultLookupWindow
	case s.LookupWindow < time.Minute:
		return errors.New("lookup_window: at least 1m")
	}
	switch {
	case s.RequestsPerMinute == 0:
		s.RequestsPerMinute = DefaultRequestsPerMinute
	case s.RequestsPerMinute < 0:
		return errors.New("requests_per_minute: must be positive")
	}
	for k, v := range s.CustomFields {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("custom_fields.%s: names no ticket field", k)
		}
	}
	return nil
}

// ID is the configured sink id.
func (s *Sink) ID() string { return s.id }

// RequestsPerMinute is the sink's budget.
func (s *Sink) RequestsPerMinute() int { return s.s.RequestsPerMinute }

// StatusName names a status number the way status maps read it.
func StatusName(n int) string {
	switch n {
	case StatusCreated:
		return "created"
	case StatusProcessing:
		return "processing"
	case StatusQueued:
		return "queued"
	case StatusPending:
		return "pending"
	case StatusWaitingOnUser:
		return "waiting_on_user"
	case StatusClosedByBot:
		return "closed_by_bot"
	case StatusClosedByAgent:
		return "closed_by_agent"
	case StatusClosedByUser:
		return "closed_by_user"
	}
	return fmt.Sprintf("status_%d", n)
}

// StateOf maps the helpdesk's statuses to the chat's states; a route's
// status_map wins over it.
func (s *Sink) StateOf(ev core.TicketEvent) (string, bool) {
	switch ev.To {
	case "created", "queued":
		return core.StateOpen, true
	case "processing", "pending":
		return core.StateInProgress, true
	case "waiting_on_user":
		return core.StateWaitingOnCustomer, true
	case "closed_by_bot", "closed_by_agent", "closed_by_user":
		if ev.ToCategory == "solved" {
			return core.StateResolved, true
		}
		return core.StateClosed, true
	}
	return "", false
}

// chatURL links the ticket's service chat (an AppLink, which opens the
// chat in the Feishu client).
func chatURL(chatID string) string {
	if chatID == "" {
		return ""
	}
	return "https://applink.feishu.cn/client/chat/open?openChatId=" + url.QueryEscape(chatID)
}
