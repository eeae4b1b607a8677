package config

import (
	"slices"
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		yaml string
		want []string // one substring per warning, in order
	}{
		"empty file":   {"", []string{"defines no sources, sinks or routes", "ticketbridge init"}},
		"only comment": {"# nothing yet\n", []string{"defines no sources, sinks or routes"}},
		"no routes":    {"sinks:\n  - id: desk\n    type: local\n", []string{"no sources", "no routes: chat events are stored but never become tickets"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse("x.yaml", []byte(tc.yaml), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(cfg.Warnings(), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q", got, w)
				}
			}
		})
	}
	if w := Default(t.TempDir()).Warnings(); !slices.Equal(w, nil) {
		t.Errorf("the embedded default warns: %q", w)
	}
}
