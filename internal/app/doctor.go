package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/netguard"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Finding is one result of `ticketbridge doctor`.
type Finding struct {
	What string // "source slack-main", "sink jira", "route support"
	OK   bool
	// Unchecked is true (with OK) when nothing could be checked without
	// side effects; Detail says why.
	Unchecked bool
	// Detail says what is wrong in plain words, or what was checked.
	Detail string
}

// Doctor checks every configured connector with a harmless call (its
// credentials and reachability) and every route's mapping against its
// ticket system's metadata.
func Doctor(ctx context.Context, cfg *config.Config, opts Options) []Finding {
	if opts.HTTP == nil {
		allow, _ := netguard.ParsePrefixes(cfg.Security.AllowOutbound)
		opts.HTTP = netguard.Client(allow, 15*time.Second)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	_, sources, sinks, problems := build(cfg, nil, opts)
	var out []Finding
	for _, p := range problems {
		out = append(out, Finding{What: "config", Detail: p.String()})
	}
	for _, id := range sortedKeys(sources) {
		out = append(out, check(ctx, "source "+id, sources[id]))
	}
	for _, id := range sortedKeys(sinks) {
		out = append(out, check(ctx, "sink "+id, sinks[id]))
	}
	for _, r := range cfg.Routes {
		problems, err := validateRoute(ctx, r, sinks[r.Sink])
		switch {
		case err != nil:
			out = append(out, Finding{What: "route " + r.Name, Detail: "could not read " + r.Sink + "'s metadata: " + err.Error()})
		case len(problems) > 0:
			for _, p := range problems {
				out = append(out, Finding{What: "route " + r.Name, Detail: p})
			}
		default:
			out = append(out, Finding{What: "route " + r.Name, OK: true, Detail: "mapping fits " + r.Sink})
		}
	}
	return out
}

func check(ctx context.Context, what string, c any) Finding {
	var checker interface{ Check(context.Context) error }
	switch v := c.(type) {
	case sink.Sink:
		ch, ok := sink.As[sink.Checker](v)
		if ok {
			checker = ch
		}
	case source.Checker:
		checker = v
	}
	// A connector may say that it has nothing to check, or what its
	// check covers, rather than be reported as fine.
	if u, ok := c.(interface{ Unchecked() string }); ok && u.Unchecked() != "" {
		return Finding{What: what, OK: true, Unchecked: true, Detail: "not checked: " + u.Unchecked()}
	}
	if checker == nil {
		return Finding{What: what, OK: true, Unchecked: true, Detail: "not checked: this connector has no harmless call to make"}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := checker.Check(ctx); err != nil {
		return Finding{What: what, Detail: err.Error()}
	}
	detail := "credentials work and the service answers"
	if c, ok := c.(interface{ CheckCovers() string }); ok {
		detail = c.CheckCovers()
	}
	return Finding{What: what, OK: true, Detail: detail}
}

// validateRoute asks the route's sink whether the mapping can create
// tickets there; a sink that cannot tell returns nothing.
func validateRoute(ctx context.Context, r config.Route, s sink.Sink) ([]string, error) {
	if s == nil {
		return nil, nil
	}
	mv, ok := sink.As[sink.MappingValidator](s)
	if !ok {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return mv.ValidateMapping(ctx, MappingSpec(r))
}

// MappingSpec is what a route's mapping can put into a ticket.
func MappingSpec(r config.Route) sink.MappingSpec {
	spec := sink.MappingSpec{Route: r.Name, Labels: len(r.Mapping.Labels) > 0}
	add := func(p string) {
		if p != "" && !slices.Contains(spec.Priorities, p) {
			spec.Priorities = append(spec.Priorities, p)
		}
	}
	add(r.Mapping.Priority.Default)
	for _, pr := range r.Mapping.Priority.Rules {
		add(pr.Priority)
	}
	spec.CustomFields = sortedKeys(r.Mapping.Custom)
	return spec
}

// CheckMappings validates every route's mapping against its sink's
// metadata: problems are config problems at the route's sink field;
// metadata that could not be read is a warning, not a problem, so an
// unreachable system does not stop `config check` or start-up.
func CheckMappings(ctx context.Context, cfg *config.Config, sinks map[string]sink.Sink) (config.Problems, []string) {
	var problems config.Problems
	var warnings []string
	for i, r := range cfg.Routes {
		msgs, err := validateRoute(ctx, r, sinks[r.Sink])
		if err != nil {
			// Part of the metadata may have been readable: keep what the
			// sink could check.
			warnings = append(warnings, fmt.Sprintf("route %s: could not read %s's metadata to check the mapping: %v", r.Name, r.Sink, err))
		}
		for _, m := range msgs {
			problems = append(problems, cfg.Problem(fmt.Sprintf("routes[%d].sink", i), m))
		}
	}
	return problems, warnings
}

// CheckRemote is Check plus the checks that ask the ticket systems.
func CheckRemote(ctx context.Context, cfg *config.Config) (config.Problems, []string) {
	allow, _ := netguard.ParsePrefixes(cfg.Security.AllowOutbound)
	opts := Options{Now: time.Now, HTTP: netguard.Client(allow, 15*time.Second), Log: slog.New(slog.DiscardHandler)}
	// Every check New runs (serve), then the ticket systems' own.
	_, _, sinks, problems := build(cfg, nil, opts)
	_, fb := fallbacks(cfg, opts)
	problems = problems.Merge(fb).Merge(outboundProblems(cfg))
	more, warnings := CheckMappings(ctx, cfg, sinks)
	return problems.Merge(more), warnings
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
