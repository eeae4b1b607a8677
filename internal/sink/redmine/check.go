package redmine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// ParseWebhook refuses every delivery: Redmine core sends no webhooks,
// and this sink polls instead.
func (s *Sink) ParseWebhook(_ *http.Request, _ []byte) ([]core.TicketEvent, error) {
	return nil, fmt.Errorf("redmine sends no webhooks; sink %q polls every %s: %w", s.id, s.s.PollInterval, core.ErrMalformed)
}

// Check answers doctor: the key works (and the REST API is on), the
// project is visible, the tracker is enabled there, and every status in
// status_names exists.
func (s *Sink) Check(ctx context.Context) error {
	var u CurrentUser
	if err := s.c.JSON(ctx, "read current user", "GET", "/users/current.json", nil, &u); err != nil {
		return fmt.Errorf("redmine %s: api_key: %w", s.s.URL, err)
	}
	var p ProjectAnswer
	if err := s.c.JSON(ctx, "read project", "GET", "/projects/"+url.PathEscape(s.s.Project)+".json?include=trackers", nil, &p); err != nil {
		return fmt.Errorf("redmine: project %q (as %s): %w", s.s.Project, u.User.Login, err)
	}
	if _, err := s.trackerID(ctx); err != nil {
		return fmt.Errorf("redmine: tracker: %w", err)
	}
	problems, err := s.statusProblems(ctx)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New("redmine: " + strings.Join(problems, "; "))
	}
	return nil
}

// ValidateMapping reports priorities and custom keys the route can
// produce that Redmine would not take, and unknown statuses.
func (s *Sink) ValidateMapping(ctx context.Context, m sink.MappingSpec) ([]string, error) {
	var out []string
	for _, p := range m.Priorities {
		name, ok := s.s.PriorityMap[strings.ToLower(p)]
		if !ok {
			out = append(out, fmt.Sprintf("route %s: priority %q has no entry in priority_map", m.Route, p))
			continue
		}
		id, err := s.priorityID(ctx, name)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			out = append(out, fmt.Sprintf("route %s: priority %q maps to %q, which Redmine does not have", m.Route, p, name))
		}
	}
	for _, k := range m.CustomFields {
		if _, ok := s.s.CustomFields[k]; !ok {
			out = append(out, fmt.Sprintf("route %s: mapping.custom.%s has no custom_fields entry (a Redmine custom field id)", m.Route, k))
		}
	}
	if _, err := s.trackerID(ctx); err != nil {
		if !core.IsPermanent(err) {
			return nil, err
		}
		out = append(out, err.Error())
	}
	sp, err := s.statusProblems(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, sp...), nil
}

func (s *Sink) statusProblems(ctx context.Context) ([]string, error) {
	states := make([]string, 0, len(s.s.StatusNames))
	for st := range s.s.StatusNames {
		states = append(states, st)
	}
	sort.Strings(states)
	var out []string
	for _, st := range states {
		_, ok, err := s.statusByName(ctx, s.s.StatusNames[st])
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, fmt.Sprintf("status_names.%s: Redmine has no status %q", st, s.s.StatusNames[st]))
		}
	}
	return out, nil
}
