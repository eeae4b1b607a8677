package app

import (
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/redact"
)

// Redactor builds the PII detector with the configured custom patterns.
func Redactor(cfg config.Redact) (*redact.Redactor, error) {
	custom := make([]redact.Custom, len(cfg.Custom))
	for i, c := range cfg.Custom {
		custom[i] = redact.Custom{Name: c.Name, Pattern: c.Pattern}
	}
	r, err := redact.New(custom)
	if err != nil {
		return nil, fmt.Errorf("security.redact.custom: %w", err)
	}
	return r, nil
}

// scrubber is what masks drafts and comments on their way to sinks: the
// global mode (partial by default) per kind, and each route's per-field
// overrides.
func scrubber(cfg *config.Config, r *redact.Redactor) *redact.Scrubber {
	base := RedactPolicy(cfg)
	routes := map[string]map[string]redact.Mode{}
	for _, rt := range cfg.Routes {
		if len(rt.Redact) == 0 {
			continue
		}
		routes[rt.Name] = map[string]redact.Mode{}
		for field, m := range rt.Redact {
			routes[rt.Name][field] = redact.Mode(m)
		}
	}
	return redact.NewScrubber(r, base, routes)
}

// RedactPolicy is security.redact's mode (partial by default) per kind:
// what every outbound payload is masked with before a route's own fields.
func RedactPolicy(cfg *config.Config) redact.Policy {
	mode := redact.Mode(cfg.Security.Redact.Mode)
	if mode == "" {
		mode = redact.Partial
	}
	base := redact.Policy{Default: mode, PerKind: map[redact.Kind]redact.Mode{}}
	for k, m := range cfg.Security.Redact.Kinds {
		base.PerKind[redact.Kind(k)] = redact.Mode(m)
	}
	return base
}
