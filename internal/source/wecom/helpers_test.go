package wecom_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom/wecomfake"
)

// The official sample's callback settings (im-protocols.md §3.6).
const (
	sampleToken  = "QDG6eK"
	sampleCorpID = "wx5823bf96d3bd56c7"
	sampleAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	otherAESKey  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	corpSecret   = "app-secret-1"
	agentID      = 1000002
)

var clock = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

func settings() wecom.Settings {
	return wecom.Settings{
		CorpID: sampleCorpID, CorpSecret: corpSecret, AgentID: agentID,
		Token: sampleToken, EncodingAESKey: sampleAESKey,
	}
}

func newSource(t *testing.T, s wecom.Settings) *wecom.Source {
	t.Helper()
	src, err := wecom.New("wc", s, source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src
}

func newSender(t testing.TB, format string) *wecomfake.Sender {
	t.Helper()
	snd, err := wecomfake.NewSender(sampleToken, sampleAESKey, sampleCorpID, agentID, format)
	if err != nil {
		t.Fatal(err)
	}
	snd.Now = fixedNow
	return snd
}

// request turns a sealed callback into the request ingress would see.
func request(sg wecomfake.Signed) *http.Request {
	return httptest.NewRequest(http.MethodPost, "/hooks/im/wc?"+sg.Query.Encode(), bytes.NewReader(sg.Body))
}

func depsFixed() source.Deps { return source.Deps{Now: fixedNow} }
