package github

import (
	"context"
	"fmt"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Check answers doctor: the token works, the repository is visible with
// issues on, and (for labels) the token may push.
func (s *Sink) Check(ctx context.Context) error {
	login, err := s.self(ctx)
	if err != nil {
		return fmt.Errorf("%s: token: %w", s.dialect, err)
	}
	var r Repository
	if err := s.c.JSON(ctx, "read repository", "GET", s.repoPath(), nil, &r); err != nil {
		return fmt.Errorf("%s: repository %s (as %s): %w", s.dialect, s.s.Repository, login, err)
	}
	if !r.HasIssues {
		return fmt.Errorf("%s: repository %s has issues turned off", s.dialect, s.s.Repository)
	}
	if s.dialect == TypeGitHub && len(s.s.Labels)+len(s.s.PriorityLabels) > 0 && !r.Permissions.Push && !r.Permissions.Admin {
		return fmt.Errorf("github: %s may not push to %s, so GitHub would drop the labels silently", login, s.s.Repository)
	}
	return nil
}

// ValidateMapping reads the token's login and reports, on Gitea, labels that do not exist in the
// repository (Gitea takes label ids, and labels are not made on the fly).
func (s *Sink) ValidateMapping(ctx context.Context, m sink.MappingSpec) ([]string, error) {
	// Learn the token's login now, at start-up, so webhooks of our own
	// changes are known as ours from the first one.
	if _, err := s.self(ctx); err != nil {
		return nil, err
	}
	if s.dialect != TypeGitea {
		return nil, nil
	}
	known, err := s.repoLabels(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	names := append([]string(nil), s.s.Labels...)
	for _, p := range m.Priorities {
		if l, ok := s.s.PriorityLabels[strings.ToLower(p)]; ok {
			names = append(names, l)
		}
	}
	for _, n := range names {
		if _, ok := known[strings.ToLower(n)]; !ok {
			out = append(out, fmt.Sprintf("route %s: label %q does not exist in %s; create it there", m.Route, n, s.s.Repository))
		}
	}
	return out, nil
}
