package wecom

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/wxwork"
)

// Type is the connector type name in the configuration.
const Type = "wecom"

// DefaultAPIURL is WeCom's API host.
const DefaultAPIURL = "https://qyapi.weixin.qq.com"

// defaultTimeout bounds an API call when Deps carries no HTTP client.
const defaultTimeout = 10 * time.Second

// Callback body formats.
const (
	FormatXML  = "xml"
	FormatJSON = "json"
)

// Settings is the source's configuration entry.
type Settings struct {
	// CorpID (企业ID) and CorpSecret (the app's Secret) get access tokens.
	CorpID     string `yaml:"corp_id"`
	CorpSecret string `yaml:"corp_secret"`
	// AgentID is the self-built app's AgentId; messages are sent as it.
	AgentID int64 `yaml:"agent_id"`
	// Token and EncodingAESKey are the app's callback settings
	// (接收消息 → API 接收): they sign and encrypt callbacks.
	Token          string `yaml:"token"`
	EncodingAESKey string `yaml:"encoding_aes_key"`
	// APIURL is the API host; default https://qyapi.weixin.qq.com.
	APIURL string `yaml:"api_url"`
	// Format is the callback body form: xml (default) or json.
	Format string `yaml:"format"`
	// ReceiveID is what decrypted callbacks must end with; default CorpID.
	ReceiveID string `yaml:"receive_id"`
	// Cards renders confirmation prompts as button cards (default true);
	// false sends text asking for 1/是 or 2/否 instead.
	Cards *bool `yaml:"cards"`
}

// Source is a configured WeCom self-built app.
type Source struct {
	id      string
	cipher  *Cipher
	format  string
	agentID int64
	cards   bool
	api     *wxwork.Client
	users   *userCache
	now     func() time.Time
	log     *slog.Logger
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
	required := []struct{ key, val string }{
		{"corp_id", s.CorpID}, {"corp_secret", s.CorpSecret},
		{"token", s.Token}, {"encoding_aes_key", s.EncodingAESKey},
	}
	for _, r := range required {
		if strings.TrimSpace(r.val) == "" {
			return nil, fmt.Errorf("%s: required", r.key)
		}
	}
	if s.AgentID <= 0 {
		return nil, errors.New("agent_id: required (the app's AgentId, a positive number)")
	}
	if s.ReceiveID == "" {
		s.ReceiveID = s.CorpID
	}
	c, err := NewCipher(s.Token, s.EncodingAESKey, s.ReceiveID)
	if err != nil {
		return nil, fmt.Errorf("encoding_aes_key: %w", err)
	}
	switch s.Format {
	case "":
		s.Format = FormatXML
	case FormatXML, FormatJSON:
	default:
		return nil, fmt.Errorf("format: must be xml or json, got %q", s.Format)
	}
	if s.APIURL == "" {
		s.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(s.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("api_url: must be an absolute http or https URL")
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
	return &Source{
		id:      id,
		cipher:  c,
		format:  s.Format,
		agentID: s.AgentID,
		cards:   s.Cards == nil || *s.Cards,
		api: &wxwork.Client{
			Base:   strings.TrimRight(s.APIURL, "/"),
			CorpID: s.CorpID,
			Secret: s.CorpSecret,
			HTTP:   d.HTTP,
			Now:    d.Now,
		},
		users: &userCache{entries: map[string]cachedUser{}},
		now:   d.Now,
		log:   d.Log,
	}, nil
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

// userCache remembers looked-up users for a while; it is bounded by
// dropping everything when full, which is crude but cannot grow forever.
type userCache struct {
	mu      sync.Mutex
	entries map[string]cachedUser
}

type cachedUser struct {
	name, email string
	until       time.Time
}
