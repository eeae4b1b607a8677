package feishu

import (
	"crypto/subtle"
	"encoding/json"
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
const Type = "feishu"

// Hosts of the two editions of the platform.
const (
	FeishuURL = "https://open.feishu.cn"
	LarkURL   = "https://open.larksuite.com"
)

// Header names of signed deliveries.
const (
	HeaderTimestamp = "X-Lark-Request-Timestamp"
	HeaderNonce     = "X-Lark-Request-Nonce"
	HeaderSignature = "X-Lark-Signature"
)

const (
	defaultTolerance = 5 * time.Minute
	defaultTimeout   = 10 * time.Second
)

// Settings is the source's configuration entry.
type Settings struct {
	// AppID and AppSecret obtain the tenant access token. Required.
	AppID     string `yaml:"app_id"`
	AppSecret string `yaml:"app_secret"`
	// VerificationToken is checked on every delivery. Required.
	VerificationToken string `yaml:"verification_token"`
	// EncryptKey turns on decryption and the signature check. Optional,
	// but without it the token is the only authentication.
	EncryptKey string `yaml:"encrypt_key"`
	// APIURL is the open platform host; default FeishuURL, or LarkURL
	// with Lark set.
	APIURL string `yaml:"api_url"`
	// Lark is shorthand for api_url: https://open.larksuite.com.
	Lark bool `yaml:"lark"`
	// Tolerance is the signature timestamp window either way; default 5m.
	Tolerance time.Duration `yaml:"tolerance"`
}

// Source is a configured Feishu or Lark app.
type Source struct {
	id      string
	s       Settings
	api     string
	http    *http.Client
	now     func() time.Time
	log     *slog.Logger
	tokens  tokenCache
	usersMu sync.Mutex
	users   map[string]cachedUser
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
	switch {
	case s.AppID == "":
		return nil, errors.New("app_id: required")
	case s.AppSecret == "":
		return nil, errors.New("app_secret: required")
	case s.VerificationToken == "":
		return nil, errors.New("verification_token: required")
	case s.Tolerance < 0:
		return nil, errors.New("tolerance: must not be negative")
	}
	if s.Tolerance == 0 {
		s.Tolerance = defaultTolerance
	}
	api := s.APIURL
	switch {
	case api == "" && s.Lark:
		api = LarkURL
	case api == "":
		api = FeishuURL
	case s.Lark:
		return nil, errors.New("lark: set either lark or api_url, not both")
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, errors.New("api_url: must be an http or https host URL like " + FeishuURL)
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
		id:    id,
		s:     s,
		api:   strings.TrimSuffix(api, "/"),
		http:  d.HTTP,
		now:   d.Now,
		log:   d.Log,
		users: map[string]cachedUser{},
	}, nil
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

// Verify authenticates a delivery; see the package doc for the rules.
// It decrypts the body to reach the verification token, and Parse
// decrypts it again: decryption of a webhook body costs microseconds,
// and Verify and Parse stay free of shared state.
func (s *Source) Verify(r *http.Request, body []byte) error {
	if r.Method != http.MethodPost {
		return fmt.Errorf("%w: feishu deliveries are POST requests", core.ErrBadSignature)
	}
	signed := false
	if sig := r.Header.Get(HeaderSignature); sig != "" {
		if err := s.checkSignature(r.Header, sig, body); err != nil {
			return err
		}
		signed = true
	}
	env, _, err := s.open(body)
	if err != nil {
		return err
	}
	if !constantEqual(env.token(), s.s.VerificationToken) {
		return fmt.Errorf("%w: verification token does not match", core.ErrBadSignature)
	}
	// With an encrypt key Feishu signs every push; only the URL
	// verification, which proves itself by token, may come unsigned.
	if s.s.EncryptKey != "" && !signed && env.Type != "url_verification" {
		return fmt.Errorf("%w: %s header missing", core.ErrBadSignature, HeaderSignature)
	}
	return nil
}

// checkSignature accepts the event signature (SHA-256, encrypt key) and
// the card request signature (SHA-1, verification token), told apart by
// length, then checks the timestamp window the signature covers.
func (s *Source) checkSignature(h http.Header, sig string, body []byte) error {
	ts, nonce := h.Get(HeaderTimestamp), h.Get(HeaderNonce)
	var want string
	switch len(sig) {
	case 64:
		if s.s.EncryptKey == "" {
			return fmt.Errorf("%w: event signature but no encrypt_key configured", core.ErrBadSignature)
		}
		want = Signature(ts, nonce, s.s.EncryptKey, body)
	case 40:
		want = CardSignature(ts, nonce, s.s.VerificationToken, body)
	default:
		return fmt.Errorf("%w: %s has an unknown form", core.ErrBadSignature, HeaderSignature)
	}
	if !constantEqual(strings.ToLower(sig), want) {
		return fmt.Errorf("%w: %s does not match", core.ErrBadSignature, HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not a unix time", core.ErrStale, HeaderTimestamp, cut(ts, 20))
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > s.s.Tolerance || d < -s.s.Tolerance {
		return fmt.Errorf("%w: %s is %s away", core.ErrStale, HeaderTimestamp, d.Round(time.Second))
	}
	return nil
}

// open decodes a delivery, decrypting it when it is encrypted, and
// returns the envelope and the plaintext. Undecryptable bodies wrap
// core.ErrBadSignature, bodies that are not JSON core.ErrMalformed.
func (s *Source) open(body []byte) (*envelope, []byte, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, malformed("body: not a JSON object: %v", err)
	}
	if env.Encrypt == "" {
		return &env, body, nil
	}
	if s.s.EncryptKey == "" {
		return nil, nil, fmt.Errorf("%w: encrypted body but no encrypt_key configured", core.ErrBadSignature)
	}
	plain, err := Decrypt(s.s.EncryptKey, env.Encrypt)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: decrypt: %w", core.ErrBadSignature, err)
	}
	var inner envelope
	if err := json.Unmarshal(plain, &inner); err != nil {
		return nil, nil, malformed("decrypted body: not a JSON object: %v", err)
	}
	if inner.Encrypt != "" {
		return nil, nil, malformed("decrypted body: encrypted twice")
	}
	return &inner, plain, nil
}

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrMalformed}, args...)...)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
