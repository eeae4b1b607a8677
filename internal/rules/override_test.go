package rules

import (
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

// A runtime override changes what Evaluate decides at once, survives a
// Replace (a config reload) and, once cleared, gives the config back.
func TestEngineOverrides(t *testing.T) {
	t.Parallel()
	cmd := msg("/ticket printer on fire")
	e := mustCompile(t, route("r", nil), route("other", nil))
	decide := func() Decision {
		t.Helper()
		ds := e.Evaluate(cmd, State{Now: t0})
		if len(ds) != 2 {
			t.Fatalf("decisions = %d, want 2", len(ds))
		}
		return ds[0]
	}
	if d := decide(); d.Kind != KindCreate || d.DryRun {
		t.Fatalf("as configured: %+v, want a live create", d)
	}

	e.SetOverrides(map[string]Override{"r": {Rollout: 0, DryRun: true}, "gone": {Rollout: 5}})
	if d := decide(); d.Kind != KindNone || d.Reason != "outside rollout" || !d.DryRun {
		t.Fatalf("overridden: %+v, want none outside rollout, dry run", d)
	}
	r, _ := e.Route("r")
	if !r.Overridden() || r.Rollout() != 0 || !r.DryRun() || r.Config.Mode != ModeDryRun || *r.Config.Rollout != 0 {
		t.Fatalf("route r = overridden %v rollout %d dry %v mode %q", r.Overridden(), r.Rollout(), r.DryRun(), r.Config.Mode)
	}
	if o, _ := e.Route("other"); o.Overridden() {
		t.Fatal("route other reports an override it does not have")
	}
	if c, _ := e.Configured("r"); c.Overridden() || c.Rollout() != 100 || c.DryRun() {
		t.Fatalf("configured r = rollout %d dry %v, want the file's 100 live", c.Rollout(), c.DryRun())
	}

	// A reload with a new keyword keeps the override on r.
	next := mustCompile(t, route("r", func(r *config.Route) { r.Trigger.Keywords = []string{"fire"} }), route("other", nil))
	e.Replace(next)
	if d := decide(); d.Reason != "outside rollout" {
		t.Fatalf("after reload: %+v, want the override kept", d)
	}
	e.SetOverrides(nil)
	kw := msg("the printer is on fire")
	if ds := e.Evaluate(kw, State{Now: t0}); ds[0].Kind != KindCreate || ds[0].Rule != RuleKeyword || ds[0].DryRun {
		t.Fatalf("after clearing: %+v, want the reloaded keyword to create live", ds[0])
	}
}
