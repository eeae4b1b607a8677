package agora

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Type is the connector type name in the configuration.
const Type = "agora"

// KindCallSignal is one RTC channel notification (create, destroy, join,
// leave, role change). Signals are folded into sessions by internal/calls;
// the rules ignore them. It lives here until the lead moves it to core.
const KindCallSignal = core.KindCallSignal

// DefaultChatFrom is the user our replies come from.
const DefaultChatFrom = "admin"

// Call kinds a channel can be classified as.
const (
	CallVoice = "voice"
	CallVideo = "video"
	CallLive  = "live"
)

// defaultTimeout bounds an API call when Deps carries no HTTP client.
const defaultTimeout = 10 * time.Second

// Settings is the source's configuration entry. One source takes both RTC
// notifications (NCS) and Agora Chat callbacks on the same URL; either half
// may be left out.
type Settings struct {
	// NCSSecret is the Notifications secret from the Agora Console; it
	// signs NCS notices (Agora-Signature / Agora-Signature-V2).
	NCSSecret string `yaml:"ncs_secret"`
	// ChatAppKey is the Chat app key, "orgname#appname".
	ChatAppKey string `yaml:"chat_app_key"`
	// ChatSecret is the HTTP callback secret that makes `security`.
	ChatSecret string `yaml:"chat_secret"`
	// ChatAPIURL is the Chat REST host, like https://a41.chat.agora.io.
	ChatAPIURL string `yaml:"chat_api_url"`
	// ChatClientID and ChatClientSecret get app tokens; ChatAppToken is a
	// fixed token instead (it is not refreshed).
	ChatClientID     string `yaml:"chat_client_id"`
	ChatClientSecret string `yaml:"chat_client_secret"`
	ChatAppToken     string `yaml:"chat_app_token"`
	// ChatFrom is the user our replies come from (default "admin");
	// messages from it are our own and get the bot role.
	ChatFrom string `yaml:"chat_from"`
	// CallKinds classifies RTC channels by name; the first match wins and
	// channels matching none are voice calls.
	CallKinds []CallKind `yaml:"call_kinds"`
}

// CallKind maps channel names matching Pattern (path.Match syntax) to a
// kind: voice, video or live.
type CallKind struct {
	Pattern string `yaml:"pattern"`
	Kind    string `yaml:"kind"`
}

// Source is one configured Agora project: RTC notifications in, Agora
// Chat callbacks in, Agora Chat messages out.
type Source struct {
	id         string
	ncsSecret  string
	chatSecret string
	appKey     string
	chatFrom   string
	kinds      []CallKind
	api        *apiClient // nil without Chat REST settings
	now        func() time.Time
	log        *slog.Logger
}

var (
	_ source.Source  = (*Source)(nil)
	_ source.Checker = (*Source)(nil)
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
	if strings.TrimSpace(s.NCSSecret) == "" && strings.TrimSpace(s.ChatSecret) == "" {
		return nil, errors.New("ncs_secret or chat_secret: at least one is required")
	}
	if s.ChatFrom == "" {
		s.ChatFrom = DefaultChatFrom
	}
	kinds, err := checkKinds(s.CallKinds)
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
	src := &Source{
		id:         id,
		ncsSecret:  s.NCSSecret,
		chatSecret: s.ChatSecret,
		appKey:     s.ChatAppKey,
		chatFrom:   s.ChatFrom,
		kinds:      kinds,
		now:        d.Now,
		log:        d.Log,
	}
	if s.ChatSecret != "" && s.ChatAppKey == "" {
		return nil, errors.New("chat_app_key: required with chat_secret (\"orgname#appname\")")
	}
	if s.ChatAppKey == "" {
		if s.ChatAPIURL != "" || s.ChatClientID != "" || s.ChatAppToken != "" {
			return nil, errors.New("chat_app_key: required with the chat_* REST settings (\"orgname#appname\")")
		}
		return src, nil
	}
	org, app, ok := strings.Cut(s.ChatAppKey, "#")
	if !ok || org == "" || app == "" || strings.ContainsAny(s.ChatAppKey, "/?") {
		return nil, fmt.Errorf("chat_app_key: must be \"orgname#appname\", got %q", s.ChatAppKey)
	}
	if s.ChatAPIURL == "" {
		// A Chat host is assigned per project; there is no default to
		// fall back on, so posting stays off without one.
		if s.ChatClientID != "" || s.ChatAppToken != "" {
			return nil, errors.New("chat_api_url: required to post (the REST host from the Console, like https://a41.chat.agora.io)")
		}
		return src, nil
	}
	u, err := url.Parse(s.ChatAPIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("chat_api_url: must be an absolute http or https URL")
	}
	switch {
	case s.ChatAppToken != "" && (s.ChatClientID != "" || s.ChatClientSecret != ""):
		return nil, errors.New("chat_app_token: set either chat_app_token or chat_client_id and chat_client_secret, not both")
	case s.ChatAppToken == "" && (s.ChatClientID == "" || s.ChatClientSecret == ""):
		return nil, errors.New("chat_client_id and chat_client_secret: required with chat_api_url (or set chat_app_token)")
	}
	src.api = &apiClient{
		base:         strings.TrimRight(s.ChatAPIURL, "/") + "/" + url.PathEscape(org) + "/" + url.PathEscape(app),
		clientID:     s.ChatClientID,
		clientSecret: s.ChatClientSecret,
		fixedToken:   s.ChatAppToken,
		http:         d.HTTP,
		now:          d.Now,
	}
	return src, nil
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

func checkKinds(in []CallKind) ([]CallKind, error) {
	out := make([]CallKind, 0, len(in))
	for i, k := range in {
		if k.Pattern == "" {
			return nil, fmt.Errorf("call_kinds[%d].pattern: required", i)
		}
		if _, err := path.Match(k.Pattern, ""); err != nil {
			return nil, fmt.Errorf("call_kinds[%d].pattern: %w", i, err)
		}
		switch k.Kind {
		case CallVoice, CallVideo, CallLive:
		default:
			return nil, fmt.Errorf("call_kinds[%d].kind: must be voice, video or live, got %q", i, k.Kind)
		}
		out = append(out, k)
	}
	return out, nil
}

// callKind classifies a channel by the first matching pattern.
func (s *Source) callKind(channel string) string {
	for _, k := range s.kinds {
		if ok, _ := path.Match(k.Pattern, channel); ok {
			return k.Kind
		}
	}
	return CallVoice
}
