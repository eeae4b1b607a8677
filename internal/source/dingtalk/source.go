package dingtalk

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Type is the connector type name in the configuration.
const Type = "dingtalk"

// Default hosts: the new (v1.0) API and the old "oapi" API, which also
// serves session webhooks and the custom robot.
const (
	DefaultAPIURL  = "https://api.dingtalk.com"
	DefaultOAPIURL = "https://oapi.dingtalk.com"
)

// DefaultTolerance is the robot callback's signed timestamp window.
const DefaultTolerance = time.Hour

// defaultTimeout bounds an API call when Deps carries no HTTP client.
const defaultTimeout = 10 * time.Second

// Modes: which of DingTalk's push channels this source accepts.
const (
	ModeRobot  = "robot"
	ModeEvents = "events"
	ModeBoth   = "both"
)

// Settings is the source's configuration entry.
type Settings struct {
	// AppKey (Client ID) and AppSecret (Client Secret) of the internal
	// app. AppSecret signs robot callbacks; both get access tokens.
	AppKey    string `yaml:"app_key"`
	AppSecret string `yaml:"app_secret"`
	// RobotCode is the robot's code for the robot API; default AppKey.
	RobotCode string `yaml:"robot_code"`
	// Mode is robot (default: the robot's HTTP message callback), events
	// (event subscription, HTTP push) or both on the same URL.
	Mode string `yaml:"mode"`
	// Token, AESKey and OwnerKey are the event subscription's crypto
	// settings; OwnerKey defaults to AppKey.
	Token    string `yaml:"token"`
	AESKey   string `yaml:"aes_key"`
	OwnerKey string `yaml:"owner_key"`
	// APIURL is the v1.0 API host; OAPIURL the old API host. Session
	// webhooks are only followed when they point at OAPIURL's host.
	APIURL  string `yaml:"api_url"`
	OAPIURL string `yaml:"oapi_url"`
	// Tolerance is how far a robot callback's timestamp may be from our
	// clock; default one hour, DingTalk's own limit.
	Tolerance time.Duration `yaml:"tolerance"`
}

// Source is a configured DingTalk internal app robot.
type Source struct {
	id        string
	mode      string
	secret    string
	robotCode string
	crypto    *Crypto
	tolerance time.Duration
	oapi      *url.URL
	api       *apiClient
	sessions  *sessionCache
	users     *userCache
	now       func() time.Time
	log       *slog.Logger
}

var (
	_ source.Source            = (*Source)(nil)
	_ source.AttachmentFetcher = (*Source)(nil)
	_ source.UserResolver      = (*Source)(nil)
	_ source.Checker           = (*Source)(nil)
)

// Factory builds the source from its configuration entry.
func Factory(c config.Connector, d source.Deps) (source.Source, error) {
	var s Settings
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	return New(c.ID, s, d)
}

// New builds the source from typed settings. Problems name the key.
func New(id string, s Settings, d source.Deps) (*Source, error) {
	switch s.Mode {
	case "":
		s.Mode = ModeRobot
	case ModeRobot, ModeEvents, ModeBoth:
	default:
		return nil, fmt.Errorf("mode: must be robot, events or both, got %q", s.Mode)
	}
	robot := s.Mode != ModeEvents
	events := s.Mode != ModeRobot
	if robot && strings.TrimSpace(s.AppSecret) == "" {
		return nil, errors.New("app_secret: required (it signs the robot's callbacks)")
	}
	if s.RobotCode == "" {
		s.RobotCode = s.AppKey
	}
	var crypto *Crypto
	if events {
		if s.OwnerKey == "" {
			s.OwnerKey = s.AppKey
		}
		for _, r := range []struct{ key, val string }{{"token", s.Token}, {"aes_key", s.AESKey}, {"owner_key", s.OwnerKey}} {
			if strings.TrimSpace(r.val) == "" {
				return nil, fmt.Errorf("%s: required in mode %s", r.key, s.Mode)
			}
		}
		c, err := NewCrypto(s.Token, s.AESKey, s.OwnerKey)
		if err != nil {
			return nil, fmt.Errorf("aes_key: %w", err)
		}
		crypto = c
	}
	if s.Tolerance < 0 {
		return nil, errors.New("tolerance: must not be negative")
	}
	if s.Tolerance == 0 {
		s.Tolerance = DefaultTolerance
	}
	apiBase, err := baseURL("api_url", s.APIURL, DefaultAPIURL)
	if err != nil {
		return nil, err
	}
	oapiBase, err := baseURL("oapi_url", s.OAPIURL, DefaultOAPIURL)
	if err != nil {
		return nil, err
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
	ou, _ := url.Parse(oapiBase)
	return &Source{
		id:        id,
		mode:      s.Mode,
		secret:    s.AppSecret,
		robotCode: s.RobotCode,
		crypto:    crypto,
		tolerance: s.Tolerance,
		oapi:      ou,
		api: &apiClient{
			api: apiBase, oapi: oapiBase,
			appKey: s.AppKey, appSecret: s.AppSecret,
			http: d.HTTP, now: d.Now,
		},
		sessions: newSessionCache(maxSessions),
		users:    &userCache{entries: map[string]cachedUser{}},
		now:      d.Now,
		log:      d.Log,
	}, nil
}

func baseURL(key, v, def string) (string, error) {
	if v == "" {
		v = def
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s: must be an absolute http or https URL", key)
	}
	return strings.TrimRight(v, "/"), nil
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

// hasRobotAPI reports whether the robot API (and the other server APIs)
// can be called: it needs the app's key as well as its secret.
func (s *Source) hasRobotAPI() bool { return s.api.appKey != "" && s.api.appSecret != "" }
