package feishu_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
)

const (
	appID     = "cli_a1b2c3"
	appSecret = "secret-0123456789"
	vtoken    = "vtoken-abc"
	encKey    = "encrypt-key-xyz"
)

var clock = time.Date(2026, 11, 28, 10, 0, 30, 0, time.UTC)

func fixedNow() time.Time { return clock }

func newSource(t testing.TB, s feishu.Settings) *feishu.Source {
	t.Helper()
	if s.AppID == "" {
		s.AppID, s.AppSecret = appID, appSecret
	}
	if s.VerificationToken == "" {
		s.VerificationToken = vtoken
	}
	src, err := feishu.New("fs", s, source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src
}

// delivery builds the request Feishu would send for plaintext: encrypted
// and signed at ts when key is set, plain otherwise.
func delivery(t testing.TB, key string, ts time.Time, plaintext []byte) (*http.Request, []byte) {
	t.Helper()
	body := plaintext
	if key != "" {
		enc, err := feishu.Encrypt(key, plaintext, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = json.Marshal(map[string]string{"encrypt": enc})
	}
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/fs", bytes.NewReader(body))
	if key != "" {
		sec := strconv.FormatInt(ts.Unix(), 10)
		r.Header.Set(feishu.HeaderTimestamp, sec)
		r.Header.Set(feishu.HeaderNonce, "n0nce")
		r.Header.Set(feishu.HeaderSignature, feishu.Signature(sec, "n0nce", key, body))
	}
	return r, body
}
