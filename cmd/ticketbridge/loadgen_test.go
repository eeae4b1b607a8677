package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/loadgen"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

func TestLoadgenConfigPrintsAUsableConfig(t *testing.T) {
	t.Parallel()
	r := run(t, "", "loadgen", "config", "--sink-url", "http://127.0.0.1:7090", "--chat-url", "http://127.0.0.1:7091")
	if r.err != nil {
		t.Fatalf("loadgen config: %v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{`url: "http://127.0.0.1:7090"`, `reply_url: "http://127.0.0.1:7091/replies"`, "command: ticket"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config lacks %q:\n%s", want, r.stdout)
		}
	}
	cfg, err := config.Parse("lg.yaml", []byte(r.stdout), nil)
	if err != nil {
		t.Fatalf("config does not load: %v", err)
	}
	if p := app.Check(cfg); len(p) > 0 {
		t.Fatalf("config check: %v", p)
	}
}

func TestLoadgenRefusesRemoteTarget(t *testing.T) {
	t.Parallel()
	r := run(t, "", "loadgen", "--target", "http://192.0.2.10:8080", "--events", "10", "--sink-listen", "127.0.0.1:0", "--chat-listen", "127.0.0.1:0")
	if r.err == nil || !strings.Contains(r.err.Error(), "not a loopback address") || !strings.Contains(r.err.Error(), "--allow-remote") {
		t.Fatalf("err %v, want a refusal naming --allow-remote", r.err)
	}
	if r.stdout != "" {
		t.Fatalf("a refused run printed a summary: %s", r.stdout)
	}
}

// A run with no tickets against a server that accepts every signed event
// prints the summary and writes the same numbers as JSON.
func TestLoadgenRunWritesSummary(t *testing.T) {
	t.Parallel()
	key, err := stdwebhook.ParseSecret(loadgen.DefaultSecret)
	if err != nil {
		t.Fatal(err)
	}
	v := stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}}
	var good, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body [4096]byte
		n, _ := r.Body.Read(body[:])
		if _, err := v.Verify(r.Header, body[:n]); err != nil || r.URL.Path != "/hooks/im/chat" {
			bad.Add(1)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		good.Add(1)
		w.Write([]byte(`{"accepted":1,"duplicates":0}`))
	}))
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "out.json")
	r := run(t, "", "loadgen", "--target", srv.URL, "--events", "60", "--rate", "2000", "--ticket-every", "-1",
		"--conversations", "7", "--sink-listen", "127.0.0.1:0", "--chat-listen", "127.0.0.1:0", "--json", out, "-q")
	if r.err != nil {
		t.Fatalf("loadgen: %v\n%s", r.err, r.stdout)
	}
	if good.Load() != 60 || bad.Load() != 0 {
		t.Fatalf("server saw %d good and %d bad events, want 60 and 0", good.Load(), bad.Load())
	}
	if !strings.Contains(r.stdout, "accepted 60") || !strings.Contains(r.stdout, "drained") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var s loadgen.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Accepted != 60 || s.Sent != 60 || s.Ack.Count != 60 || s.TicketsExpected != 0 || s.Conversations != 7 || !s.Drained {
		t.Fatalf("json summary %+v", s)
	}
}
