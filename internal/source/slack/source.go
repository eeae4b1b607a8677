package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Type is the connector type name in the configuration.
const Type = "slack"

// Defaults of the settings.
const (
	DefaultAPIURL     = "https://slack.com/api"
	DefaultReaction   = "ticket"
	DefaultCallbackID = "create_ticket"
	DefaultCommand    = "ticket"
	// Tolerance is how far a request's timestamp may be from our clock,
	// either way; Slack's own SDKs use five minutes.
	Tolerance = 5 * time.Minute
	// defaultUserTTL is how long a users.info answer is reused.
	defaultUserTTL = time.Hour
	// defaultTimeout bounds a call when Deps carries no HTTP client.
	defaultTimeout = 15 * time.Second
)

// Request headers Slack signs with.
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	HeaderRetryNum  = "X-Slack-Retry-Num"
)

// Settings is the source's configuration entry.
type Settings struct {
	// SigningSecret verifies inbound requests (app settings → Basic
	// Information → Signing Secret). Required.
	SigningSecret string `yaml:"signing_secret"`
	// BotToken (xoxb-…) authenticates Web API calls. Required.
	BotToken string `yaml:"bot_token"`
	// APIURL is the Web API base; default https://slack.com/api.
	APIURL string `yaml:"api_url"`
	// BotUserID is the bot's own user id ("U…"); learned from deliveries
	// and auth.test when empty.
	BotUserID string `yaml:"bot_user_id"`
	// Reaction is the emoji name (no colons) that asks for a ticket;
	// default "ticket". The connector reports every reaction; the rules
	// read this name from the event's meta.
	Reaction string `yaml:"reaction"`
	// ShortcutCallbackID is the message shortcut's callback id; default
	// "create_ticket".
	ShortcutCallbackID string `yaml:"shortcut_callback_id"`
	// ShortcutCommand is the command a message shortcut becomes; default
	// "ticket", the routes' default trigger command.
	ShortcutCommand string `yaml:"shortcut_command"`
	// UserCacheTTL is how long users.info answers are reused; default 1h.
	UserCacheTTL time.Duration `yaml:"user_cache_ttl"`
}

// Source is a configured Slack source.
type Source struct {
	id       string
	secret   []byte
	token    string
	api      *url.URL
	reaction string
	callback string
	command  string
	http     *http.Client
	now      func() time.Time
	log      *slog.Logger
	users    *userCache

	mu        sync.Mutex
	botUserID string // configured, or learned; guarded by mu
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
	if strings.TrimSpace(s.SigningSecret) == "" {
		return nil, errors.New("signing_secret: required")
	}
	switch {
	case s.BotToken == "":
		return nil, errors.New("bot_token: required")
	case !strings.HasPrefix(s.BotToken, "xoxb-"):
		return nil, errors.New("bot_token: must be a bot token (xoxb-…)")
	}
	if s.APIURL == "" {
		s.APIURL = DefaultAPIURL
	}
	api, err := url.Parse(strings.TrimRight(s.APIURL, "/"))
	if err != nil || (api.Scheme != "http" && api.Scheme != "https") || api.Host == "" {
		return nil, errors.New("api_url: must be an absolute http or https URL")
	}
	if s.BotUserID != "" && !validID(s.BotUserID) {
		return nil, errors.New("bot_user_id: must be a Slack user id like U0123ABCD")
	}
	s.Reaction = strings.Trim(s.Reaction, ":")
	if s.Reaction == "" {
		s.Reaction = DefaultReaction
	}
	if s.ShortcutCallbackID == "" {
		s.ShortcutCallbackID = DefaultCallbackID
	}
	s.ShortcutCommand = strings.TrimPrefix(s.ShortcutCommand, "/")
	if s.ShortcutCommand == "" {
		s.ShortcutCommand = DefaultCommand
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
	return &Source{
		id:        id,
		secret:    []byte(s.SigningSecret),
		token:     s.BotToken,
		api:       api,
		reaction:  s.Reaction,
		callback:  s.ShortcutCallbackID,
		command:   s.ShortcutCommand,
		http:      d.HTTP,
		now:       d.Now,
		log:       d.Log,
		users:     newUserCache(s.UserCacheTTL, d.Now),
		botUserID: s.BotUserID,
	}, nil
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

// Reaction is the emoji name that asks for a ticket.
func (s *Source) Reaction() string { return s.reaction }

// Verify checks the v0 signature over "v0:{timestamp}:{body}" and that the
// timestamp is within Tolerance of the clock. Retried deliveries
// (X-Slack-Retry-Num) are verified like any other; the store drops them by
// their event id.
func (s *Source) Verify(r *http.Request, body []byte) error {
	sig := r.Header.Get(HeaderSignature)
	tsText := r.Header.Get(HeaderTimestamp)
	if sig == "" || tsText == "" {
		return fmt.Errorf("%w: missing %s or %s header", core.ErrBadSignature, HeaderSignature, HeaderTimestamp)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not a unix time", core.ErrBadSignature, HeaderTimestamp)
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return fmt.Errorf("%w: unknown signature version", core.ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || !hmac.Equal(got, Sign(s.secret, tsText, body)) {
		return fmt.Errorf("%w: signature does not match", core.ErrBadSignature)
	}
	// Checked after the signature, so an unsigned request learns nothing
	// about our clock.
	if d := s.now().Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: request timestamp is %s away from now", core.ErrStale, d.Round(time.Second))
	}
	return nil
}

// Sign returns the raw HMAC-SHA256 Slack puts, hex-encoded after "v0=",
// in X-Slack-Signature.
func Sign(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("v0:" + timestamp + ":"))
	m.Write(body)
	return m.Sum(nil)
}

// SignatureHeader is the X-Slack-Signature value for a request.
func SignatureHeader(secret, timestamp string, body []byte) string {
	return "v0=" + hex.EncodeToString(Sign([]byte(secret), timestamp, body))
}

// botUser returns the bot's own user id, "" while unknown.
func (s *Source) botUser() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botUserID
}

// learnBotUser remembers the bot's user id when none is known yet.
func (s *Source) learnBotUser(id string) {
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.botUserID == "" {
		s.botUserID = id
	}
}

// validID reports whether id looks like a Slack object id (upper-case
// letters and digits), so that it can be put into URLs and compared.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
