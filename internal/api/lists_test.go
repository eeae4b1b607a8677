package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// TestLists: every list endpoint validates limit, answers [] rather than
// null, and pages with next_cursor; the desk answers snake_case.
func TestLists(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	empty := teststore.SQLite(t)
	full := teststore.SQLite(t)
	for i := range 3 {
		if _, _, err := full.DeskCreate(ctx, core.TicketDraft{Title: fmt.Sprint("ticket ", i+1)}); err != nil {
			t.Fatal(err)
		}
		if err := full.DryRunRecord(ctx, store.DryRun{Route: "r", ConvKey: "c", Rule: "kw",
			Draft: core.TicketDraft{Title: fmt.Sprint("dry ", i+1)}}); err != nil {
			t.Fatal(err)
		}
		if err := full.AuditAdd(ctx, store.AuditEntry{At: time.Now(), Actor: "test", Action: fmt.Sprint("a", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	serve := func(st store.Store) string {
		q, err := st.Queue(&river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		a := &API{Tokens: NewTokens([]config.Token{{Name: "root", Token: "admin", Scopes: []string{ScopeAdmin}}}, nil),
			Store: st, Queue: q}
		mux := http.NewServeMux()
		a.Register(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	emptyURL, fullURL := serve(empty), serve(full)
	get := func(t *testing.T, url string) (int, map[string]json.RawMessage) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out
	}
	lists := map[string]string{
		"/api/v1/desk/tickets": "tickets", "/api/v1/dry-runs": "dry_runs",
		"/api/v1/dead-letters": "dead_letters", "/api/v1/audit": "audit", "/api/v1/chat/messages": "messages",
	}
	for path, field := range lists {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			for _, bad := range []string{"abc", "0", "-1", "100000"} {
				code, body := get(t, emptyURL+path+"?limit="+bad)
				if code != http.StatusBadRequest || !strings.Contains(string(body["error"]), "from 1 to 1000") {
					t.Errorf("limit=%s: %d %s, want 400 naming the range", bad, code, body["error"])
				}
			}
			code, body := get(t, emptyURL+path)
			if code != http.StatusOK || string(body[field]) != "[]" || string(body["next_cursor"]) != `""` {
				t.Errorf("empty list: %d %s=%s next_cursor=%s, want 200 [] \"\"", code, field, body[field], body["next_cursor"])
			}
		})
	}
	// Paging: two pages of two and one, in order, for each list that has
	// three rows in the full store.
	pages := map[string]struct {
		field, name string
		want        []string
	}{
		"/api/v1/desk/tickets": {"tickets", "title", []string{"ticket 1", "ticket 2", "ticket 3"}},
		"/api/v1/dry-runs":     {"dry_runs", "route", []string{"r", "r", "r"}},
		"/api/v1/audit":        {"audit", "action", []string{"a3", "a2", "a1"}},
	}
	for path, tc := range pages {
		t.Run("pages "+path, func(t *testing.T) {
			t.Parallel()
			var got []string
			url := fullURL + path + "?limit=2"
			for range 3 {
				code, body := get(t, url)
				if code != http.StatusOK {
					t.Fatalf("%s: %d %s", url, code, body["error"])
				}
				var items []map[string]any
				if err := json.Unmarshal(body[tc.field], &items); err != nil {
					t.Fatal(err)
				}
				for _, it := range items {
					got = append(got, fmt.Sprint(it[tc.name]))
				}
				var next string
				_ = json.Unmarshal(body["next_cursor"], &next)
				if next == "" {
					break
				}
				url = fullURL + path + "?limit=2&after=" + next
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("pages gave %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("desk ticket is snake_case", func(t *testing.T) {
		t.Parallel()
		code, body := get(t, fullURL+"/api/v1/desk/tickets/LOCAL-1")
		var tk map[string]any
		_ = json.Unmarshal(body["ticket"], &tk)
		if code != http.StatusOK || tk["key"] != "LOCAL-1" || tk["title"] != "ticket 1" || tk["Key"] != nil {
			t.Errorf("GET LOCAL-1: %d %s", code, body["ticket"])
		}
		if string(body["comments"]) != "[]" {
			t.Errorf("comments = %s, want []", body["comments"])
		}
	})
}
