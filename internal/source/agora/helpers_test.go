package agora_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
	"github.com/ticketbridge/ticketbridge/internal/source/agora/agorafake"
)

const (
	ncsSecret    = "secret" // the secret of the official vectors
	appKey       = "61117440#460199"
	chatSecret   = "chat-callback-secret"
	clientID     = "YXA6client"
	clientSecret = "YXA6secret"
)

var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

// settings configures both halves; an empty apiURL leaves posting off.
func settings(apiURL string) agora.Settings {
	if apiURL == "" {
		s := settings("x")
		s.ChatAPIURL, s.ChatClientID, s.ChatClientSecret = "", "", ""
		return s
	}
	return agora.Settings{
		NCSSecret: ncsSecret, ChatAppKey: appKey, ChatSecret: chatSecret,
		ChatAPIURL: apiURL, ChatClientID: clientID, ChatClientSecret: clientSecret,
		CallKinds: []agora.CallKind{{Pattern: "live-*", Kind: agora.CallLive}, {Pattern: "vid_*", Kind: agora.CallVideo}},
	}
}

func newSource(t testing.TB, s agora.Settings) *agora.Source {
	t.Helper()
	src, err := agora.New("ag", s, source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src
}

func signer() *agorafake.ChatSigner {
	return &agorafake.ChatSigner{AppKey: appKey, Secret: chatSecret, Now: fixedNow}
}

// request is what ingress hands the source.
func request(body []byte, h http.Header) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/ag", bytes.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

func strictDecode(b []byte, v any) error { return json.Unmarshal(b, v) }

// yamlSource is the source entry "ag" with the given YAML keys (indented
// four spaces), read as a config file would be. (config.Connector.Set
// keeps the quotes of values containing '#', like an app key.)
func yamlSource(t testing.TB, keys string) config.Connector {
	t.Helper()
	doc := "sources:\n  - id: ag\n    type: agora" + keys + "\n"
	cfg, err := config.Parse("agora.yaml", []byte(doc), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return cfg.Sources[0]
}
