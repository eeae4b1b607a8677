package app

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// overrideEvery is how often each replica re-reads the stored route
// overrides, so a change made on another replica is in force within it;
// the replica that made the change applies it at once.
const overrideEvery = 2 * time.Second

// ErrNoOverrides says the store cannot keep route overrides.
var ErrNoOverrides = errors.New("this store keeps no route overrides")

// RefreshOverrides lays the stored route overrides on the rules engine.
// Decisions read only the engine in memory, never the store.
func (a *App) RefreshOverrides(ctx context.Context) error {
	os, ok := a.Store.(store.RouteOverrides)
	if !ok {
		return nil
	}
	list, err := os.RouteOverrides(ctx)
	if err != nil {
		return err
	}
	over := make(map[string]rules.Override, len(list))
	for _, o := range list {
		over[o.Route] = rules.Override{Rollout: o.Rollout, DryRun: o.Mode == rules.ModeDryRun}
	}
	a.Deps.Rules.SetOverrides(over)
	return nil
}

func (a *App) watchOverrides(ctx context.Context) {
	t := time.NewTicker(overrideEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.RefreshOverrides(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("route overrides not refreshed", "error", err.Error())
			}
		}
	}
}

// SetRouteOverride changes a route's rollout and mode at runtime. The
// change and its audit entry (who, old → new) commit together; the
// config file stays the default.
func (a *App) SetRouteOverride(ctx context.Context, actor, route string, rollout int, dryRun bool) error {
	os, ok := a.Store.(store.RouteOverrides)
	if !ok {
		return ErrNoOverrides
	}
	r, ok := a.Deps.Rules.Route(route)
	if !ok {
		return fmt.Errorf("route %q: %w", route, store.ErrNotFound)
	}
	if rollout < 0 || rollout > 100 {
		return fmt.Errorf("rollout must be between 0 and 100, got %d", rollout)
	}
	mode := modeOf(dryRun)
	e := store.AuditEntry{At: a.Deps.Now(), Actor: actor, Action: "route.override", Target: "route/" + route,
		Detail: map[string]any{"old_rollout": r.Rollout(), "old_mode": modeOf(r.DryRun()), "rollout": rollout, "mode": mode}}
	if err := os.SetRouteOverride(ctx, store.RouteOverride{Route: route, Rollout: rollout, Mode: mode, By: actor, At: e.At}, e); err != nil {
		return err
	}
	return a.RefreshOverrides(ctx)
}

// ClearRouteOverride returns a route to its config file's rollout and mode.
func (a *App) ClearRouteOverride(ctx context.Context, actor, route string) error {
	os, ok := a.Store.(store.RouteOverrides)
	if !ok {
		return ErrNoOverrides
	}
	r, ok := a.Deps.Rules.Route(route)
	if !ok {
		return fmt.Errorf("route %q: %w", route, store.ErrNotFound)
	}
	c, _ := a.Deps.Rules.Configured(route)
	e := store.AuditEntry{At: a.Deps.Now(), Actor: actor, Action: "route.override.clear", Target: "route/" + route,
		Detail: map[string]any{"old_rollout": r.Rollout(), "old_mode": modeOf(r.DryRun()), "rollout": c.Rollout(), "mode": modeOf(c.DryRun())}}
	if err := os.ClearRouteOverride(ctx, route, e); err != nil {
		return err
	}
	return a.RefreshOverrides(ctx)
}

func modeOf(dryRun bool) string {
	if dryRun {
		return rules.ModeDryRun
	}
	return rules.ModeLive
}

// Reload reads the config file again and applies its routes' rules and
// templates without a restart. A file with any problem (the same ones
// `config check` reports, with file, line and field) is refused and the
// running config kept; so is one that changes what only a restart can
// (see restartFields). Both outcomes are audited.
func (a *App) Reload(ctx context.Context, actor string) (api.ReloadResult, error) {
	a.reloading.Lock()
	defer a.reloading.Unlock()
	file := a.Config.File
	res, err := a.reload(file)
	detail := map[string]any{"file": file}
	action := "config.reload"
	var ps config.Problems
	switch {
	case errors.As(err, &ps):
		action = "config.reload.refused"
		var list []string
		for _, p := range ps {
			list = append(list, p.String())
		}
		detail["problems"] = list
	case err != nil:
		action = "config.reload.refused"
		detail["error"] = err.Error()
	default:
		detail["changed"] = res.Changed
	}
	if aerr := a.Store.AuditAdd(ctx, store.AuditEntry{At: a.Deps.Now(), Actor: actor, Action: action, Target: "config", Detail: detail}); aerr != nil {
		a.log.Error("audit entry not written", "action", action, "error", aerr.Error())
	}
	if err != nil {
		a.log.Warn("config reload refused; the running config is kept", "file", file, "error", err.Error())
		return res, err
	}
	a.log.Info("config reloaded", "file", file, "changed_routes", res.Changed)
	return res, nil
}

func (a *App) reload(file string) (api.ReloadResult, error) {
	res := api.ReloadResult{File: file, Changed: []string{}}
	if file == "" {
		return res, errors.New("the server runs on the built-in default config, which has no file to read again")
	}
	cfg, err := config.Load(file)
	if err != nil {
		return res, err
	}
	if ps := Check(cfg); len(ps) > 0 {
		return res, ps
	}
	if ps := restartNeeded(a.liveRoutes, cfg); len(ps) > 0 {
		return res, ps
	}
	engine, ferrs := rules.Compile(cfg.Routes)
	if len(ferrs) > 0 { // Check compiled them already; kept for safety
		return res, fmt.Errorf("compile routes: %v", ferrs[0])
	}
	for i, r := range cfg.Routes {
		if !reflect.DeepEqual(r, a.liveRoutes[i]) {
			res.Changed = append(res.Changed, r.Name)
		}
	}
	a.Deps.Rules.Replace(engine)
	a.liveRoutes = cfg.Routes
	res.Routes = len(cfg.Routes)
	return res, nil
}

// restartNeeded reports what next changes that the running server reads
// only at start: the routes' names and order, and per route the fields
// the job workers take from the config rather than the rules engine.
// Outside routes, nothing is read again at all (README "Config reload").
func restartNeeded(old []config.Route, next *config.Config) config.Problems {
	var ps config.Problems
	if len(old) != len(next.Routes) {
		return config.Problems{next.Problem("routes", fmt.Sprintf("%d routes instead of %d; adding or removing a route needs a restart", len(next.Routes), len(old)))}
	}
	for i, n := range next.Routes {
		o := old[i]
		f := fmt.Sprintf("routes[%d]", i)
		if n.Name != o.Name {
			ps = append(ps, next.Problem(f+".name", fmt.Sprintf("was %q; renaming or reordering routes needs a restart", o.Name)))
			continue
		}
		for _, c := range []struct {
			field    string
			old, new any
		}{
			{"sources", o.Sources, n.Sources},
			{"sink", o.Sink, n.Sink},
			{"redact", o.Redact, n.Redact},
			{"max_attachment_bytes", o.MaxAttachmentBytes, n.MaxAttachmentBytes},
			{"fallback", o.Fallback, n.Fallback},
			{"trigger.judge", o.Trigger.Judge, n.Trigger.Judge},
			{"trigger.confirm", o.Trigger.Confirm, n.Trigger.Confirm},
			{"trigger.confirm_timeout", o.Trigger.ConfirmTimeout, n.Trigger.ConfirmTimeout},
			{"trigger.escalate_after", o.Trigger.EscalateAfter, n.Trigger.EscalateAfter},
			{"trigger.live", o.Trigger.Live, n.Trigger.Live},
			{"mapping.context_messages", o.Mapping.ContextMessages, n.Mapping.ContextMessages},
		} {
			if !reflect.DeepEqual(c.old, c.new) {
				ps = append(ps, next.Problem(f+"."+c.field, "changed; this takes effect only after a restart"))
			}
		}
	}
	return ps
}
