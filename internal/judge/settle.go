package judge

import (
	"context"
	"log/slog"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

// Set holds the judges of the routes that have one.
type Set struct {
	judges map[string]*Judge
	log    *slog.Logger
}

// NewSet builds a judge for every route with trigger.judge; nil when no
// route has one.
func NewSet(routes []config.Route, opts Options) *Set {
	s := &Set{judges: map[string]*Judge{}, log: opts.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, r := range routes {
		if r.Trigger.Judge != nil {
			s.judges[r.Name] = New(*r.Trigger.Judge, opts)
		}
	}
	if len(s.judges) == 0 {
		return nil
	}
	return s
}

// WouldAsk tells whether Settle would ask a judge about ds (and so call
// the network).
func (s *Set) WouldAsk(ds []rules.Decision) bool {
	if s == nil {
		return false
	}
	for _, d := range ds {
		if d.Unsure != "" && s.judges[d.Route] != nil {
			return true
		}
	}
	return false
}

// Settle asks the judges about the decisions the model was unsure of and
// takes the other way where a judge disagrees with the model. A judge
// that does not answer leaves the decision as it was. A nil Set returns
// ds unchanged.
func (s *Set) Settle(ctx context.Context, text string, ds []rules.Decision) []rules.Decision {
	if s == nil {
		return ds
	}
	for i, d := range ds {
		j := s.judges[d.Route]
		if d.Unsure == "" || j == nil {
			continue
		}
		ds[i].Unsure = ""
		v, err := j.Ask(ctx, text)
		if err != nil {
			s.log.Warn("judge did not answer; the model's decision stands",
				slog.String("route", d.Route), slog.String("decision", string(d.Kind)), slog.Any("error", err))
			continue
		}
		if v.Problem == (d.Kind != rules.KindNone) {
			continue
		}
		ds[i].Kind, ds[i].Rule, ds[i].Reason = d.Unsure, rules.RuleJudge, "judge: "+v.Reason
	}
	return ds
}
