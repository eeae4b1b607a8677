package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// A route's rollout and mode changed at runtime act on the next event
// without a restart, are audited with old and new, and are still in force
// in a new process on the same store.
func TestRouteOverride(t *testing.T) {
	t.Parallel()
	st := teststore.SQLite(t)
	h := start(t, st)
	ctx := t.Context()

	if err := h.app.SetRouteOverride(ctx, "lead", "support", 30, true); err != nil {
		t.Fatalf("set override: %v", err)
	}
	// A conversation inside 30 % of the rollout opens no ticket on a dry
	// run: the processing path sees the override at once.
	conv := ""
	for i := range 100 {
		c := "ovr-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if rules.Bucket(core.ConversationRef{Source: "chat", Conversation: c}.Key(), "support") < 30 {
			conv = c
			break
		}
	}
	h.say(conv, "/ticket the printer is on fire")
	h.eventually("a dry run recorded", func() bool {
		_, body := h.api("GET", "/api/v1/dry-runs", adminToken, nil)
		list, _ := body["dry_runs"].([]any)
		return len(list) == 1
	})
	if n := len(h.tickets()); n != 0 {
		t.Fatalf("desk tickets = %d on a dry-run override, want 0", n)
	}
	entries, err := st.AuditList(ctx, store.AuditFilter{Action: "route.override"})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit = %+v, %v; want one route.override", entries, err)
	}
	d := entries[0].Detail
	if entries[0].Actor != "lead" || d["old_rollout"] != float64(100) || d["old_mode"] != "live" || d["rollout"] != float64(30) || d["mode"] != "dry_run" {
		t.Fatalf("audit entry = %+v, want lead: 100 live → 30 dry_run", entries[0])
	}
	if err := h.app.SetRouteOverride(ctx, "lead", "support", 101, false); err == nil {
		t.Fatal("rollout 101 was accepted")
	}
	if err := h.app.SetRouteOverride(ctx, "lead", "nosuch", 10, false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown route: err = %v, want not found", err)
	}

	if err := h.app.ClearRouteOverride(ctx, "lead", "support"); err != nil {
		t.Fatalf("clear: %v", err)
	}
	h.say(conv+"-2", "/ticket the printer is still on fire")
	h.eventually("a live ticket after clearing", func() bool { return len(h.tickets()) == 1 })
	if r, _ := h.app.Deps.Rules.Route("support"); r.Overridden() {
		t.Fatal("route still overridden after clearing")
	}
}

// An override is stored: a new process on the same database starts with it.
func TestRouteOverrideSurvivesRestart(t *testing.T) {
	t.Parallel()
	cfg := config.Default(t.TempDir())
	cfg.Sources[0].Set("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	run := func(fn func(a *app.App)) {
		t.Helper()
		a, err := app.New(t.Context(), cfg, app.Options{Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("app.New: %v", err)
		}
		defer func() {
			if err := a.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		fn(a)
	}
	run(func(a *app.App) {
		if err := a.SetRouteOverride(t.Context(), "lead", "support", 30, true); err != nil {
			t.Fatalf("set override: %v", err)
		}
	})
	run(func(a *app.App) {
		r, _ := a.Deps.Rules.Route("support")
		if !r.Overridden() || r.Rollout() != 30 || !r.DryRun() {
			t.Fatalf("after restart: overridden %v rollout %d dry %v, want the stored 30 dry_run", r.Overridden(), r.Rollout(), r.DryRun())
		}
		if c, _ := a.Deps.Rules.Configured("support"); c.Rollout() != 100 || c.DryRun() {
			t.Fatalf("configured route = %d dry %v, want the file's 100 live", c.Rollout(), c.DryRun())
		}
	})
}

const reloadYAML = `server:
  listen: 127.0.0.1:0
storage:
  driver: sqlite
  dsn: %DIR%/unused.db
admin:
  tokens:
    - {name: root, token: "admin-token-0123456789", scopes: [admin]}
    - {name: ops, token: "ops-token-0123456789", scopes: [operate]}
sources:
  - id: chat
    type: generic
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
sinks:
  - id: desk
    type: local
routes:
  - name: support
    sources: [chat]
    sink: %SINK%
    rollout: %ROLLOUT%
    trigger:
      keywords: [%KEYWORD%]
    mapping:
      title: "%TITLE%"
`

func writeConfig(t *testing.T, path string, kv ...string) {
	t.Helper()
	r := strings.NewReplacer(append([]string{"%DIR%", filepath.Dir(path)}, kv...)...)
	if err := os.WriteFile(path, []byte(r.Replace(reloadYAML)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Reload applies a good file's routes, refuses a bad one with the same
// problems as `config check` (file, line, field) and keeps the running
// config, refuses changes that need a restart, and audits each outcome.
func TestReload(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tb.yaml")
	good := []string{"%SINK%", "desk", "%ROLLOUT%", "100", "%KEYWORD%", "outage", "%TITLE%", "{{.Event.Text}}"}
	writeConfig(t, path, good...)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	st := teststore.SQLite(t)
	a, err := app.New(t.Context(), cfg, app.Options{Store: st, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	defer a.Close(context.Background())
	decide := func(text string) rules.Decision {
		ev := core.Event{Source: "chat", Kind: core.KindMessage, Text: text,
			Conversation: core.ConversationRef{Source: "chat", Conversation: "c1"}, Sender: core.Sender{ID: "u", Role: core.RoleCustomer}}
		return a.Deps.Rules.Evaluate(ev, rules.State{})[0]
	}
	if d := decide("the printer broke"); d.Kind != rules.KindNone {
		t.Fatalf("before reload: %+v", d)
	}

	writeConfig(t, path, "%SINK%", "desk", "%ROLLOUT%", "100", "%KEYWORD%", "printer", "%TITLE%", "Printer: {{.Event.Text}}")
	res, err := a.Reload(t.Context(), "root")
	if err != nil {
		t.Fatalf("good reload: %v", err)
	}
	if res.Routes != 1 || !slices.Equal(res.Changed, []string{"support"}) {
		t.Fatalf("reload result = %+v", res)
	}
	if d := decide("the printer broke"); d.Kind != rules.KindCreate || d.Rule != rules.RuleKeyword {
		t.Fatalf("after reload: %+v, want the new keyword to create", d)
	}
	draft, err := a.Deps.Rules.Draft("support", rules.MapInput{Event: core.StoredEvent{Event: core.Event{Text: "jammed"}}})
	if err != nil || draft.Title != "Printer: jammed" {
		t.Fatalf("draft after reload = %q, %v; want the new title template", draft.Title, err)
	}

	for name, tc := range map[string]struct {
		kv    []string
		field string
		line  int
	}{
		"bad rollout":  {[]string{"%SINK%", "desk", "%ROLLOUT%", "500", "%KEYWORD%", "x", "%TITLE%", "t"}, "routes[0].rollout", 21},
		"bad template": {[]string{"%SINK%", "desk", "%ROLLOUT%", "100", "%KEYWORD%", "x", "%TITLE%", "{{.Nope"}, "routes[0].mapping.title", 25},
		"unknown sink": {[]string{"%SINK%", "jira", "%ROLLOUT%", "100", "%KEYWORD%", "x", "%TITLE%", "t"}, "routes[0].sink", 20},
	} {
		writeConfig(t, path, tc.kv...)
		_, err := a.Reload(t.Context(), "root")
		var ps config.Problems
		if !errors.As(err, &ps) {
			t.Fatalf("%s: err = %v, want config problems", name, err)
		}
		found := false
		for _, p := range ps {
			if p.File == path && p.Field == tc.field && p.Line == tc.line {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s: problems %v lack %s:%d: %s", name, ps, path, tc.line, tc.field)
		}
		if d := decide("the printer broke"); d.Kind != rules.KindCreate {
			t.Fatalf("%s: running config not kept: %+v", name, d)
		}
	}

	// Moving a route to another sink needs a restart.
	writeConfig(t, path, good...)
	data, _ := os.ReadFile(path)
	moved := strings.Replace(string(data), "  - id: desk\n    type: local\n", "  - id: desk\n    type: local\n  - id: desk2\n    type: local\n", 1)
	moved = strings.Replace(moved, "sink: desk", "sink: desk2", 1)
	if err := os.WriteFile(path, []byte(moved), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = a.Reload(t.Context(), "root")
	if err == nil || !strings.Contains(err.Error(), "routes[0].sink: changed; this takes effect only after a restart") {
		t.Fatalf("sink change: err = %v, want a restart problem", err)
	}

	entries, err := st.AuditList(t.Context(), store.AuditFilter{Actor: "root"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	slices.Reverse(actions)
	want := []string{"config.reload", "config.reload.refused", "config.reload.refused", "config.reload.refused", "config.reload.refused"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audit actions = %q, want %q", actions, want)
	}
}

// POST /api/v1/admin/reload needs the admin scope and answers a refused
// file with 422 and each problem as `config check` prints it.
func TestReloadEndpoint(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tb.yaml")
	writeConfig(t, path, "%SINK%", "desk", "%ROLLOUT%", "100", "%KEYWORD%", "outage", "%TITLE%", "t")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(t.Context(), cfg, app.Options{Store: teststore.SQLite(t), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	defer a.Close(context.Background())
	h := &harness{t: t, srv: httptest.NewServer(a.Handler)}
	defer h.srv.Close()

	if status, _ := h.api("POST", "/api/v1/admin/reload", "", nil); status != 401 {
		t.Fatalf("no token: %d, want 401", status)
	}
	if status, _ := h.api("POST", "/api/v1/admin/reload", "ops-token-0123456789", nil); status != 403 {
		t.Fatalf("operate token: %d, want 403", status)
	}
	writeConfig(t, path, "%SINK%", "desk", "%ROLLOUT%", "500", "%KEYWORD%", "outage", "%TITLE%", "t")
	status, body := h.api("POST", "/api/v1/admin/reload", "admin-token-0123456789", nil)
	ps, _ := body["problems"].([]any)
	if status != 422 || len(ps) != 1 {
		t.Fatalf("bad file: %d %v, want 422 with one problem", status, body)
	}
	p := ps[0].(map[string]any)
	if p["problem"] != path+":21: routes[0].rollout: must be between 0 and 100" || p["line"] != float64(21) || p["field"] != "routes[0].rollout" {
		t.Fatalf("problem = %v", p)
	}
	writeConfig(t, path, "%SINK%", "desk", "%ROLLOUT%", "50", "%KEYWORD%", "outage", "%TITLE%", "t")
	status, body = h.api("POST", "/api/v1/admin/reload", "admin-token-0123456789", nil)
	if status != 200 || body["routes"] != float64(1) {
		t.Fatalf("good file: %d %v", status, body)
	}
	if r, _ := a.Deps.Rules.Route("support"); r.Rollout() != 50 {
		t.Fatalf("rollout after reload = %d, want 50", r.Rollout())
	}
}
