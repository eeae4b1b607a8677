package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var bannerAddr = regexp.MustCompile(`chat webhook:\s+POST http://(127\.0\.0\.1:[0-9]+)/hooks/im/chat`)

func TestServeDefault(t *testing.T) {
	inTempDir(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	root := newRoot()
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0"})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	// The banner names the address the kernel picked.
	var addr string
	deadline := time.Now().Add(15 * time.Second)
	for addr == "" {
		select {
		case err := <-done:
			t.Fatalf("serve returned early: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := bannerAddr.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner:\n%s", stderr.String())
		}
	}
	base := "http://" + addr

	for path, want := range map[string]string{"/healthz": "ok\n", "/readyz": "ready\n"} {
		status, body := get(t, base+path, "")
		if status != http.StatusOK || body != want {
			t.Errorf("GET %s = %d %q, want 200 %q", path, status, body, want)
		}
	}

	secret := readData(t, "dev-secret")
	token := readData(t, "dev-admin-token")
	banner := stderr.String()
	if !strings.HasPrefix(secret, "whsec_") || !strings.Contains(banner, "its secret:    "+secret) {
		t.Errorf("banner does not show the secret %q:\n%s", secret, banner)
	}
	if !strings.HasPrefix(token, "tb_") || !strings.Contains(banner, "admin token:   "+token) {
		t.Errorf("banner does not show the admin token %q:\n%s", token, banner)
	}
	if _, err := os.Stat(filepath.Join("data", "ticketbridge.db")); err != nil {
		t.Errorf("no database: %v", err)
	}
	// The printed token is the one the server takes.
	if status, _ := get(t, base+"/api/v1/desk/tickets", token); status != http.StatusOK {
		t.Errorf("desk API with the banner's token: %d", status)
	}
	if status, _ := get(t, base+"/api/v1/desk/tickets", "tb_wrong"); status != http.StatusUnauthorized {
		t.Errorf("desk API with a wrong token: %d, want 401", status)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if stdout.String() != "" {
		t.Errorf("stdout = %q, want nothing (the banner and logs go to stderr)", stdout.String())
	}
}

func TestServeBadConfig(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		// Found when the file loads.
		{"several.yaml", `several.yaml:20: routes[0].sink: no sink has id "jria"`},
		// Found only when the connectors are built.
		{"unknown_type.yaml", `unknown_type.yaml:7: sources[1].type: unknown source type "carrier-pigeon"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cfg := testdataPath(t, filepath.Join("config", tt.file))
			inTempDir(t)
			// Holding the port proves the problems are found before
			// serve tries to listen: it would fail there otherwise.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			r := run(t, "", "serve", "--config", cfg, "--listen", ln.Addr().String())
			if r.err == nil || !strings.Contains(r.err.Error(), "problem(s) in the configuration") {
				t.Fatalf("err = %v, want the problems counted", r.err)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, r.stderr)
			}
			if _, err := os.Stat("data"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a broken config left ./data behind: %v", err)
			}
		})
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func readData(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestServeGCPercent(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantPct int
		wantSet bool
	}{
		{"GOGC unset: serve's default", map[string]string{}, defaultGCPercent, true},
		{"GOGC set: left to the runtime", map[string]string{"GOGC": "50"}, 0, false},
		{"GOGC=off: left to the runtime", map[string]string{"GOGC": "off"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			pct, set := serveGCPercent(lookup)
			if pct != tt.wantPct || set != tt.wantSet {
				t.Fatalf("serveGCPercent = %d, %v; want %d, %v", pct, set, tt.wantPct, tt.wantSet)
			}
		})
	}
}

func TestStartTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "serve.trace")
	stop, err := startTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	// Only one trace runs at a time; a second is refused and leaves the
	// first running.
	if _, err := startTrace(filepath.Join(t.TempDir(), "second.trace")); err == nil || !strings.Contains(err.Error(), "start trace") {
		t.Errorf("a second trace: %v", err)
	}
	stop()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every execution trace opens with its Go version's header.
	if !regexp.MustCompile(`^go 1\.\d+ trace\x00`).Match(b) {
		t.Fatalf("not an execution trace: %q", b[:min(len(b), 16)])
	}
	if _, err := startTrace(filepath.Join(t.TempDir(), "missing", "serve.trace")); err == nil || !strings.Contains(err.Error(), "create trace") {
		t.Fatalf("a trace in a missing directory: %v", err)
	}
}
