package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestAnchorsAndMergeKeys: YAML anchors, aliases and "<<" merges work in
// the config and in connector entries, explicit keys override merged ones,
// top-level "x-" keys may hold the anchors, and a typo next to a merge is
// still caught at its line.
func TestAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	_, err := parseFile(t, "testdata/anchors.yaml", nil)
	want := `testdata/anchors.yaml:27: routes[1].trigger.confirm_timout: unknown field (did you mean "confirm_timeout"?)`
	if err == nil || err.Error() != want {
		t.Fatalf("problems:\n%v\nwant:\n%s", err, want)
	}

	data, err := os.ReadFile("testdata/anchors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(data), "      confirm_timout: 1m\n", "", 1)
	c, err := Parse("anchors.yaml", []byte(fixed), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Routes[0].Trigger, c.Routes[1].Trigger
	if a.RulePack != "default" || !a.Confirm || a.ConfirmTimeout != 2*time.Minute {
		t.Errorf("aliased trigger = %+v", a)
	}
	if b.RulePack != "default" || !b.Confirm || b.ConfirmTimeout != 4*time.Minute {
		t.Errorf("merged trigger = %+v", b)
	}
	var hooks [2]struct {
		ID      string        `yaml:"id"`
		Timeout time.Duration `yaml:"timeout"`
	}
	for i := range hooks {
		if c.Sinks[i].Type != "generic" {
			t.Errorf("sinks[%d].type = %q, want merged generic", i, c.Sinks[i].Type)
		}
		if err := c.Sinks[i].Decode(&hooks[i]); err != nil {
			t.Fatal(err)
		}
	}
	if hooks[0].ID != "one" || hooks[0].Timeout != 5*time.Second || hooks[1].Timeout != 9*time.Second {
		t.Errorf("merged sinks = %+v", hooks)
	}
}
