package mattermost

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
)

// Type is the connector type name in the configuration.
const Type = "mattermost"

// Defaults of the settings.
const (
	DefaultCommand    = "ticket"
	DefaultCommandAck = "Got it. ticketbridge will answer in this channel."
	defaultUserTTL    = time.Hour
	defaultTimeout    = 15 * time.Second
	// lookupTimeout bounds the one API call Parse may make (finding a
	// post's thread root), so a slow server cannot stall ingress.
	lookupTimeout = 3 * time.Second
)

// Settings is the source's configuration entry.
type Settings struct {
	// URL is the Mattermost server, like https://chat.example.com.
	// Required; the REST API is under URL/api/v4.
	URL string `yaml:"url"`
	// BotToken is a bot account's access token (REST API, Bearer).
	// Required.
	BotToken string `yaml:"bot_token"`
	// OutgoingToken is the outgoing webhook's token; OutgoingTokens are
	// further ones (one outgoing webhook per channel has one token each).
	OutgoingToken  string   `yaml:"outgoing_token"`
	OutgoingTokens []string `yaml:"outgoing_tokens"`
	// CommandToken is the slash command's token; CommandTokens are
	// further ones (a command per team).
	CommandToken  string   `yaml:"command_token"`
	CommandTokens []string `yaml:"command_tokens"`
	// ActionSecret signs the context of our interactive buttons, so that
	// a button press posted back to us can be trusted. With PublicURL it
	// turns prompts into buttons; without either, prompts are text.
	ActionSecret string `yaml:"action_secret"`
	// PublicURL is ticketbridge's own public base URL; the buttons call
	// PublicURL/hooks/im/<source id>.
	PublicURL string `yaml:"public_url"`
	// BotUserID is the bot account's user id; learned from users/me and
	// from our own posts when empty.
	BotUserID string `yaml:"bot_user_id"`
	// Command is the command a "Create ticket" action becomes; default
	// "ticket", the routes' default trigger command.
	Command string `yaml:"command"`
	// CommandAck is the ephemeral text a slash command is answered with.
	CommandAck string `yaml:"command_ack"`
	// UserCacheTTL is how long users/{id} answers are reused; default 1h.
	UserCacheTTL time.Duration `yaml:"user_cache_ttl"`
}

// Source is a configured Mattermost source.
type Source struct {
	id             string
	base           *url.URL // the server, no trailing slash
	token          string
	outgoingTokens [][]byte
	commandTokens  [][]byte
	actionSecret   []byte
	actionURL      string // "" when prompts are text
	command        string
	commandAck     string
	http           *http.Client
	now            func() time.Time
	log            *slog.Logger
	users          *userCache

	mu        sync.Mutex
	botUserID string // guarded by mu
	botName   string // guarded by mu
}

var (
	_ source.Source            = (*Source)(nil)
	_ source.AttachmentFetcher = (*Source)(nil)
	_ source.UserResolver      = (*Source)(nil)
	_ source.ThreadFetcher     = (*Source)(nil)
	_ source.MessageFetcher    = (*Source)(nil)
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
	if s.URL == "" {
		return nil, errors.New("url: required (the Mattermost server, like https://chat.example.com)")
	}
	base, err := absURL(s.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if strings.TrimSpace(s.BotToken) == "" {
		return nil, errors.New("bot_token: required")
	}
	out, err := tokens("outgoing_token", s.OutgoingToken, "outgoing_tokens", s.OutgoingTokens)
	if err != nil {
		return nil, err
	}
	cmd, err := tokens("command_token", s.CommandToken, "command_tokens", s.CommandTokens)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 && len(cmd) == 0 {
		return nil, errors.New("outgoing_token: required (or command_token): nothing could reach ticketbridge without one")
	}
	src := &Source{
		id:             id,
		base:           base,
		token:          s.BotToken,
		outgoingTokens: out,
		commandTokens:  cmd,
		command:        strings.TrimPrefix(strings.TrimSpace(s.Command), "/"),
		commandAck:     s.CommandAck,
		botUserID:      s.BotUserID,
	}
	if s.BotUserID != "" && !validID(s.BotUserID) {
		return nil, errors.New("bot_user_id: must be a Mattermost id (26 lower-case letters and digits)")
	}
	switch {
	case s.ActionSecret != "" && len(s.ActionSecret) < 16:
		return nil, errors.New("action_secret: must be at least 16 characters")
	case s.ActionSecret != "" && s.PublicURL == "":
		return nil, errors.New("public_url: required with action_secret (the buttons call PUBLIC_URL/hooks/im/" + id + ")")
	case s.PublicURL != "" && s.ActionSecret == "":
		return nil, errors.New("action_secret: required with public_url (it signs the buttons)")
	case s.PublicURL != "":
		pub, err := absURL(s.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("public_url: %w", err)
		}
		src.actionURL = pub.JoinPath("hooks", "im", id).String()
		src.actionSecret = []byte(s.ActionSecret)
	}
	if src.command == "" {
		src.command = DefaultCommand
	}
	if src.commandAck == "" {
		src.commandAck = DefaultCommandAck
	}
	if s.UserCacheTTL < 0 {
		return nil, errors.New("user_cache_ttl: must not be negative")
	}
	if s.UserCacheTTL == 0 {
		s.UserCacheTTL = defaultUserTTL
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
	src.http, src.now, src.log = d.HTTP, d.Now, d.Log
	src.users = newUserCache(s.UserCacheTTL, d.Now)
	return src, nil
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

// Buttons reports whether prompts are posted as interactive buttons.
func (s *Source) Buttons() bool { return s.actionURL != "" }

func absURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("must be an absolute http or https URL")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, errors.New("must not carry a query, fragment or credentials")
	}
	return u, nil
}

func tokens(oneKey, one, manyKey string, many []string) ([][]byte, error) {
	var out [][]byte
	if one != "" {
		out = append(out, []byte(one))
	}
	for i, t := range many {
		if t == "" {
			return nil, fmt.Errorf("%s[%d]: empty", manyKey, i)
		}
		out = append(out, []byte(t))
	}
	for i, t := range out {
		if len(t) < 8 {
			if i == 0 && one != "" {
				return nil, fmt.Errorf("%s: too short to be a Mattermost token", oneKey)
			}
			return nil, fmt.Errorf("%s: too short to be a Mattermost token", manyKey)
		}
	}
	return out, nil
}

// botUser returns the bot's own user id and username, "" while unknown.
func (s *Source) botUser() (id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botUserID, s.botName
}

// learnBot remembers the bot's identity when it was not known yet.
func (s *Source) learnBot(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.botUserID == "" && validID(id) {
		s.botUserID = id
	}
	if s.botName == "" && id == s.botUserID {
		s.botName = name
	}
}

// validID reports whether id looks like a Mattermost id (26 lower-case
// letters and digits), so that it can go into a URL path.
func validID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for _, c := range id {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
