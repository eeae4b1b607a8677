package wecomkf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/wxcrypt"
	"github.com/ticketbridge/ticketbridge/internal/wxwork"
)

// Type is the connector type name in the configuration.
const Type = "wecom_kf"

// DefaultAPIURL is WeCom's API host.
const DefaultAPIURL = "https://qyapi.weixin.qq.com"

// defaultTimeout bounds an API call when Deps carries no HTTP client.
const defaultTimeout = 10 * time.Second

// Cursors keeps each account's sync_msg cursor durably (the store's
// named cursors).
type Cursors interface {
	CursorGet(ctx context.Context, name string) (string, error)
	CursorSet(ctx context.Context, name, value string) error
}

// Settings is the source's configuration entry.
type Settings struct {
	// CorpID (企业ID) and Secret (微信客服 → API → Secret) make the
	// access_token.
	CorpID string `yaml:"corp_id"`
	Secret string `yaml:"secret"`
	// Token and EncodingAESKey are the callback settings (微信客服 → API →
	// 回调配置); they sign and encrypt the callbacks.
	Token          string `yaml:"token"`
	EncodingAESKey string `yaml:"encoding_aes_key"`
	// OpenKfIDs, when set, limits the source to these 客服帐号; callbacks
	// for other accounts are acknowledged and not read.
	OpenKfIDs []string `yaml:"open_kfids"`
	// APIURL is the API host; default https://qyapi.weixin.qq.com.
	APIURL string `yaml:"api_url"`
	// PullBudget bounds the time one callback spends reading pages of
	// messages (default 3s: WeCom waits 5 s for the answer). What is left
	// is read on the next callback, from the stored cursor.
	PullBudget time.Duration `yaml:"pull_budget"`
}

// Source is a configured WeCom 微信客服 (WeChat Customer Service) setup.
type Source struct {
	id       string
	cipher   *wxcrypt.Cipher
	accounts map[string]bool
	api      *wxwork.Client
	cursors  Cursors
	budget   time.Duration
	now      func() time.Time
	log      *slog.Logger
}

var (
	_ source.Source            = (*Source)(nil)
	_ source.AttachmentFetcher = (*Source)(nil)
	_ source.Checker           = (*Source)(nil)
)

// Factory returns the connector factory; cursors is the store (nil in
// `config check`, where nothing is opened and nothing is read).
func Factory(cursors Cursors) source.Factory {
	return func(c config.Connector, d source.Deps) (source.Source, error) {
		var s Settings
		if err := c.Decode(&s); err != nil {
			return nil, err
		}
		return New(c.ID, s, cursors, d)
	}
}

// New builds the source from typed settings. Problems name the key.
func New(id string, s Settings, cursors Cursors, d source.Deps) (*Source, error) {
	for _, r := range []struct{ key, val string }{
		{"corp_id", s.CorpID}, {"secret", s.Secret}, {"token", s.Token}, {"encoding_aes_key", s.EncodingAESKey},
	} {
		if strings.TrimSpace(r.val) == "" {
			return nil, fmt.Errorf("%s: required", r.key)
		}
	}
	// 微信客服 callbacks are encrypted for the corp: the receive id is
	// the CorpID.
	c, err := wxcrypt.New(s.Token, s.EncodingAESKey, s.CorpID)
	if err != nil {
		return nil, fmt.Errorf("encoding_aes_key: %w", err)
	}
	if s.APIURL == "" {
		s.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(s.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("api_url: must be an absolute http or https URL")
	}
	switch {
	case s.PullBudget == 0:
		s.PullBudget = 3 * time.Second
	case s.PullBudget < 0 || s.PullBudget > 4*time.Second:
		return nil, errors.New("pull_budget: must be between 0 and 4s (WeCom waits 5 s for the answer)")
	}
	var accounts map[string]bool
	for i, k := range s.OpenKfIDs {
		if strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("open_kfids[%d]: empty", i)
		}
		if accounts == nil {
			accounts = map[string]bool{}
		}
		accounts[k] = true
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
		id:       id,
		cipher:   c,
		accounts: accounts,
		api: &wxwork.Client{Base: strings.TrimRight(s.APIURL, "/"), CorpID: s.CorpID, Secret: s.Secret,
			HTTP: d.HTTP, Now: d.Now, Refine: refine},
		cursors: cursors,
		budget:  s.PullBudget,
		now:     d.Now,
		log:     d.Log,
	}, nil
}

// ID is the configured source id.
func (s *Source) ID() string { return s.id }

// cursorName is the store's name for an account's sync_msg cursor.
func (s *Source) cursorName(openKfID string) string {
	return "wecom_kf:" + s.id + ":" + openKfID
}
