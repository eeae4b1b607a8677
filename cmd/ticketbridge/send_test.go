package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// hookServer is a fake ticketbridge: it verifies the Standard Webhooks
// signature with secret, keeps what it got, and answers status.
type hookServer struct {
	mu     sync.Mutex
	paths  []string
	bodies []map[string]any
	errs   []error
}

func newHookServer(t *testing.T, secret string, status int) (*hookServer, *httptest.Server) {
	t.Helper()
	key, err := stdwebhook.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	v := &stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}}
	h := &hookServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.paths = append(h.paths, r.Method+" "+r.URL.Path)
		if _, err := v.Verify(r.Header, body); err != nil {
			h.errs = append(h.errs, err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil {
			h.errs = append(h.errs, err)
		}
		h.bodies = append(h.bodies, ev)
		if a := r.Header.Get("Accept"); a != "application/json" {
			h.errs = append(h.errs, fmt.Errorf("Accept %q: send asks for the counts", a))
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"accepted":1,"duplicates":0}`))
	}))
	t.Cleanup(srv.Close)
	return h, srv
}

func writeDevSecret(t *testing.T) string {
	t.Helper()
	secret, err := stdwebhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "dev-secret"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestSend(t *testing.T) {
	inTempDir(t)
	secret := writeDevSecret(t)
	h, srv := newHookServer(t, secret, http.StatusOK)

	r := run(t, "", "send", "--url", srv.URL+"/", "--text", "I was charged twice for order 1042", "--conversation", "c-42")
	if r.err != nil {
		t.Fatalf("send: %v (server errors: %v)", r.err, h.errs)
	}
	if r.stdout != "200 OK {\"accepted\":1,\"duplicates\":0}\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	r = run(t, "", "send", "--url", srv.URL, "--type", "command", "--command", "ticket", "--action", "confirm", "--source", "web")
	if r.err != nil {
		t.Fatalf("send command: %v (server errors: %v)", r.err, h.errs)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) != 0 {
		t.Fatalf("server refused: %v", h.errs)
	}
	if want := []string{"POST /hooks/im/chat", "POST /hooks/im/web"}; strings.Join(h.paths, ",") != strings.Join(want, ",") {
		t.Errorf("paths = %v, want %v", h.paths, want)
	}
	ev := h.bodies[0]
	conv, _ := ev["conversation"].(map[string]any)
	sender, _ := ev["sender"].(map[string]any)
	if ev["type"] != "message" || ev["text"] != "I was charged twice for order 1042" || conv["id"] != "c-42" ||
		sender["id"] != "customer-1" || sender["role"] != "customer" {
		t.Errorf("event = %v", ev)
	}
	if ev := h.bodies[1]; ev["type"] != "command" || ev["command"] != "ticket" || ev["action"] != "confirm" {
		t.Errorf("command event = %v", ev)
	}
}

func TestSendRejected(t *testing.T) {
	inTempDir(t)
	writeDevSecret(t)
	other, err := stdwebhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	// The server knows a different secret, so it answers 401.
	h, srv := newHookServer(t, other, http.StatusOK)
	r := run(t, "", "send", "--url", srv.URL, "--text", "hello")
	if r.err == nil || !strings.Contains(r.err.Error(), "401") {
		t.Fatalf("err = %v, want the server's 401", r.err)
	}
	if !strings.HasPrefix(r.stdout, "401 Unauthorized") {
		t.Errorf("stdout = %q, want the server's answer", r.stdout)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) != 1 {
		t.Errorf("server saw %d bad signatures, want 1", len(h.errs))
	}
}

func TestSendNeedsSecret(t *testing.T) {
	inTempDir(t)
	_, srv := newHookServer(t, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", http.StatusOK)
	r := run(t, "", "send", "--url", srv.URL, "--text", "hello")
	if r.err == nil || !errors.Is(r.err, os.ErrNotExist) {
		t.Errorf("with no ./data/dev-secret: err = %v, want a missing-file error", r.err)
	}
	r = run(t, "", "send", "--url", srv.URL, "--secret", "not-a-secret", "--text", "hello")
	if r.err == nil || !strings.Contains(r.err.Error(), "--secret") {
		t.Errorf("with a bad --secret: err = %v", r.err)
	}
	// An explicit --secret needs no ./data at all.
	r = run(t, "", "send", "--url", srv.URL, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--text", "hello")
	if r.err != nil {
		t.Errorf("with --secret: %v", r.err)
	}
}
