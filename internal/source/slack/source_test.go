package slack_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/slack"
	"github.com/ticketbridge/ticketbridge/internal/source/slack/slackfake"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

var clock = time.Date(2026, 11, 28, 10, 0, 30, 0, time.UTC)

func fixedNow() time.Time { return clock }

func newSource(t testing.TB, s slack.Settings) *slack.Source {
	t.Helper()
	if s.SigningSecret == "" {
		s.SigningSecret = secret
	}
	if s.BotToken == "" {
		s.BotToken = slackfake.Token
	}
	src, err := slack.New("sl", s, source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src
}

// signed builds an inbound request as Slack would send it.
func signed(t testing.TB, sec string, ts time.Time, contentType string, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/sl", bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	slackfake.Sign(r.Header, sec, ts, body)
	return r
}

func TestNewSettings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		s       slack.Settings
		wantErr string
	}{
		"minimal":         {s: slack.Settings{SigningSecret: secret, BotToken: "xoxb-1"}},
		"full":            {s: slack.Settings{SigningSecret: secret, BotToken: "xoxb-1", APIURL: "http://127.0.0.1:9/api/", BotUserID: "U123", Reaction: ":ticket:", ShortcutCallbackID: "mk", UserCacheTTL: time.Minute}},
		"no secret":       {s: slack.Settings{BotToken: "xoxb-1"}, wantErr: "signing_secret: required"},
		"no token":        {s: slack.Settings{SigningSecret: secret}, wantErr: "bot_token: required"},
		"user token":      {s: slack.Settings{SigningSecret: secret, BotToken: "xoxp-1"}, wantErr: "bot_token: must be a bot token"},
		"relative api":    {s: slack.Settings{SigningSecret: secret, BotToken: "xoxb-1", APIURL: "/api"}, wantErr: "api_url: must be"},
		"bad bot user":    {s: slack.Settings{SigningSecret: secret, BotToken: "xoxb-1", BotUserID: "u-1"}, wantErr: "bot_user_id:"},
		"negative ttl":    {s: slack.Settings{SigningSecret: secret, BotToken: "xoxb-1", UserCacheTTL: -time.Second}, wantErr: "user_cache_ttl:"},
		"blank secret ws": {s: slack.Settings{SigningSecret: "  ", BotToken: "xoxb-1"}, wantErr: "signing_secret: required"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := slack.New("sl", tt.s, source.Deps{})
			if tt.wantErr == "" {
				if err != nil || src.ID() != "sl" {
					t.Fatalf("New = %v, %v", src, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
	t.Run("reaction colons trimmed", func(t *testing.T) {
		t.Parallel()
		if got := newSource(t, slack.Settings{Reaction: ":sos:"}).Reaction(); got != "sos" {
			t.Fatalf("reaction = %q", got)
		}
	})
}

func TestFactoryUsesDecode(t *testing.T) {
	t.Parallel()
	c := config.NewConnector("sources[0]", "sl", "slack")
	if _, err := slack.Factory(c, source.Deps{}); err == nil || !strings.Contains(err.Error(), "signing_secret") {
		t.Fatalf("empty entry: %v", err)
	}
	c.Set("signing_secret", secret)
	c.Set("bot_token", "xoxb-1")
	c.Set("reaction", "sos")
	src, err := slack.Factory(c, source.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if src.ID() != "sl" || src.(*slack.Source).Reaction() != "sos" {
		t.Fatalf("factory built %+v", src)
	}
	c.Set("no_such_key", "x")
	if _, err := slack.Factory(c, source.Deps{}); err == nil || !strings.Contains(err.Error(), "no_such_key") {
		t.Fatalf("unknown key: %v", err)
	}
}

// The official vectors S1 (Slack's doc, a slash command form) and S2
// (slack-go, an app_mention), each at its own clock.
const (
	s1Body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	s1Sig  = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	s2Body = `{"token":"aF5ynEYQH0dFN9imlgcADxDB","team_id":"XXXXXXXXX","api_app_id":"YYYYYYYYY","event":{"type":"app_mention","user":"AAAAAAAAA","text":"<@EEEEEEEEE> hello world","client_msg_id":"477cc591-ch73-a14z-4db8-g0cd76321bec","ts":"1531431954.000073","channel":"TTTTTTTTT","event_ts":"1531431954.000073"},"type":"event_callback","event_id":"TvBP7LRED7","event_time":1531431954,"authed_users":["EEEEEEEEE"]}`
	s2Sig  = "v0=adada4ed31709aef585c2580ca3267678c6a8eaeb7e0c1aca3ee57b656886b2c"
)

func TestOfficialVectors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		secret, body, sig, contentType string
		ts                             int64
		now                            time.Time
		want                           error
	}{
		"S1":                 {secret: "8f742231b10e8888abcd99yyyzzz85a5", body: s1Body, sig: s1Sig, ts: 1531420618, now: time.Unix(1531420618, 0), contentType: "application/x-www-form-urlencoded"},
		"S2":                 {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: s2Sig, ts: 1531431954, now: time.Unix(1531431954, 0), contentType: "application/json"},
		"S1 one minute late": {secret: "8f742231b10e8888abcd99yyyzzz85a5", body: s1Body, sig: s1Sig, ts: 1531420618, now: time.Unix(1531420618+60, 0), contentType: "application/x-www-form-urlencoded"},
		"S1 at window end":   {secret: "8f742231b10e8888abcd99yyyzzz85a5", body: s1Body, sig: s1Sig, ts: 1531420618, now: time.Unix(1531420618+300, 0), contentType: "application/x-www-form-urlencoded"},
		"S1 stale":           {secret: "8f742231b10e8888abcd99yyyzzz85a5", body: s1Body, sig: s1Sig, ts: 1531420618, now: time.Unix(1531420618+301, 0), want: core.ErrStale},
		"S2 from the future": {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: s2Sig, ts: 1531431954, now: time.Unix(1531431954-301, 0), want: core.ErrStale},
		"S2 today":           {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: s2Sig, ts: 1531431954, now: clock, want: core.ErrStale},
		"S1 other secret":    {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s1Body, sig: s1Sig, ts: 1531420618, now: time.Unix(1531420618, 0), want: core.ErrBadSignature},
		"S2 body changed":    {secret: "e6b19c573432dcc6b075501d51b51bb8", body: strings.Replace(s2Body, "hello", "hullo", 1), sig: s2Sig, ts: 1531431954, now: time.Unix(1531431954, 0), want: core.ErrBadSignature},
		"S2 timestamp moved": {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: s2Sig, ts: 1531431955, now: time.Unix(1531431954, 0), want: core.ErrBadSignature},
		"S2 upper-case hex":  {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: "v0=" + strings.ToUpper(s2Sig[3:]), ts: 1531431954, now: time.Unix(1531431954, 0)},
		"S2 v1 prefix":       {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: "v1=" + s2Sig[3:], ts: 1531431954, now: time.Unix(1531431954, 0), want: core.ErrBadSignature},
		"S2 truncated":       {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: s2Sig[:40], ts: 1531431954, now: time.Unix(1531431954, 0), want: core.ErrBadSignature},
		"S2 not hex":         {secret: "e6b19c573432dcc6b075501d51b51bb8", body: s2Body, sig: "v0=zz" + s2Sig[5:], ts: 1531431954, now: time.Unix(1531431954, 0), want: core.ErrBadSignature},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := tt.now
			src, err := slack.New("sl", slack.Settings{SigningSecret: tt.secret, BotToken: "xoxb-1"}, source.Deps{Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			body := []byte(tt.body)
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/sl", bytes.NewReader(body))
			r.Header.Set(slack.HeaderTimestamp, strconv.FormatInt(tt.ts, 10))
			r.Header.Set(slack.HeaderSignature, tt.sig)
			r.Header.Set("Content-Type", tt.contentType)
			err = src.Verify(r, body)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("Verify = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify = %v", err)
			}
			// The vector's body must also parse.
			in, err := src.Parse(context.Background(), r, body)
			if err != nil || len(in.Events) != 1 {
				t.Fatalf("Parse = %+v, %v", in, err)
			}
		})
	}
	if got := slack.SignatureHeader("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", []byte(s1Body)); got != s1Sig {
		t.Fatalf("SignatureHeader(S1) = %s", got)
	}
}

func TestVerifyHeaders(t *testing.T) {
	t.Parallel()
	src := newSource(t, slack.Settings{})
	body := []byte(`{"type":"event_callback"}`)
	tests := map[string]struct {
		mutate func(h http.Header)
		want   error
	}{
		"good":              {mutate: func(http.Header) {}},
		"no signature":      {mutate: func(h http.Header) { h.Del(slack.HeaderSignature) }, want: core.ErrBadSignature},
		"no timestamp":      {mutate: func(h http.Header) { h.Del(slack.HeaderTimestamp) }, want: core.ErrBadSignature},
		"timestamp not int": {mutate: func(h http.Header) { h.Set(slack.HeaderTimestamp, "soon") }, want: core.ErrBadSignature},
		"empty signature":   {mutate: func(h http.Header) { h.Set(slack.HeaderSignature, "v0=") }, want: core.ErrBadSignature},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := signed(t, secret, clock, "application/json", body)
			tt.mutate(r.Header)
			if err := src.Verify(r, body); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		r := signed(t, "another-secret", clock, "application/json", body)
		if err := src.Verify(r, body); !errors.Is(err, core.ErrBadSignature) {
			t.Fatalf("Verify = %v", err)
		}
	})
	t.Run("GET without signature", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest(http.MethodGet, "/hooks/im/sl", nil)
		if err := src.Verify(r, nil); !errors.Is(err, core.ErrBadSignature) {
			t.Fatalf("Verify = %v", err)
		}
	})
}

func sourceDeps(now func() time.Time) source.Deps {
	return source.Deps{Now: now, HTTP: &http.Client{Timeout: 5 * time.Second}}
}
