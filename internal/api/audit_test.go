package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := teststore.SQLite(t)
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	desk := local.New("desk", st, func(core.TicketEvent) store.Jobs { return nil }, func() time.Time { return now })
	tk, _, err := st.DeskCreate(ctx, core.TicketDraft{Title: "printer", Description: "on fire"})
	if err != nil {
		t.Fatal(err)
	}
	a := &API{
		Tokens: NewTokens([]config.Token{
			{Name: "ops-bot", Token: "op-secret", Scopes: []string{ScopeOperate}},
			{Name: "root", Token: "admin-secret", Scopes: []string{ScopeAdmin}},
		}, nil),
		Store: st, Desk: desk, Now: func() time.Time { return now },
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	call := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, _ := call("POST", "/api/v1/desk/tickets/"+tk.Key+"/comments", "op-secret", `{"body":"on it"}`); code != http.StatusCreated {
		t.Fatalf("comment: %d", code)
	}
	if code, _ := call("POST", "/api/v1/desk/tickets/"+tk.Key+"/status", "op-secret", `{"status":"solved"}`); code != http.StatusOK {
		t.Fatalf("status: %d", code)
	}
	// A failed action writes nothing.
	if code, _ := call("POST", "/api/v1/desk/tickets/LOCAL-999/status", "op-secret", `{"status":"solved"}`); code != http.StatusNotFound {
		t.Fatalf("status of a missing ticket: %d", code)
	}
	if code, _ := call("GET", "/api/v1/audit", "op-secret", ""); code != http.StatusForbidden {
		t.Fatalf("GET audit with an operate token: %d, want 403", code)
	}

	tests := map[string]struct {
		query string
		want  []string
		code  int
	}{
		"all":       {"", []string{"desk.status", "desk.comment"}, 200},
		"by action": {"?action=desk.comment", []string{"desk.comment"}, 200},
		"by actor":  {"?actor=root", nil, 200},
		"limit":     {"?limit=1", []string{"desk.status"}, 200},
		"since":     {"?since=1h", []string{"desk.status", "desk.comment"}, 200},
		"bad since": {"?since=yesterday", nil, 400},
		"bad limit": {"?limit=-1", nil, 400},
	}
	for name, tc := range tests {
		code, body := call("GET", "/api/v1/audit"+tc.query, "admin-secret", "")
		if code != tc.code {
			t.Errorf("%s: status %d, want %d", name, code, tc.code)
			continue
		}
		if code != 200 {
			continue
		}
		var got []string
		for _, e := range body["audit"].([]any) {
			m := e.(map[string]any)
			got = append(got, m["action"].(string))
			if m["actor"] != "ops-bot" || m["target"] != tk.Key {
				t.Errorf("%s: entry %v, want actor ops-bot on %s", name, m, tk.Key)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: actions %q, want %q", name, got, tc.want)
		}
	}
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"24h":                  now.Add(-24 * time.Hour),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"2025-04-01T00:00:00Z": time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"soon", "-1h", "3x"} {
		if _, err := ParseSince(bad, now); err == nil {
			t.Errorf("ParseSince(%q): no error", bad)
		}
	}
}
