package redmine

import (
	"context"
	"fmt"
	"net/url"
	"sync"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// metaCache holds what rarely changes: statuses, trackers, priorities and
// the API key's user. It is read once and refreshed when a name is
// missing, so a status an admin adds later is found.
type metaCache struct {
	mu         sync.Mutex
	statuses   []Status
	priorities map[string]int // folded name → id
	trackers   map[string]int // folded name → id
	userID     int
}

// statusList returns Redmine's statuses, reading them on first use or
// when refresh is set.
func (s *Sink) statusList(ctx context.Context, refresh bool) ([]Status, error) {
	s.meta.mu.Lock()
	defer s.meta.mu.Unlock()
	if s.meta.statuses != nil && !refresh {
		return s.meta.statuses, nil
	}
	var l StatusList
	if err := s.c.JSON(ctx, "list statuses", "GET", "/issue_statuses.json", nil, &l); err != nil {
		return nil, err
	}
	s.meta.statuses = l.IssueStatuses
	return l.IssueStatuses, nil
}

// statusByName finds a status by name, re-reading the list once.
func (s *Sink) statusByName(ctx context.Context, name string) (Status, bool, error) {
	for _, refresh := range []bool{false, true} {
		list, err := s.statusList(ctx, refresh)
		if err != nil {
			return Status{}, false, err
		}
		for _, st := range list {
			if fold(st.Name) == fold(name) {
				return st, true, nil
			}
		}
	}
	return Status{}, false, nil
}

// statusName names a status id ("" when unknown).
func (s *Sink) statusName(ctx context.Context, id string) string {
	list, err := s.statusList(ctx, false)
	if err != nil {
		return ""
	}
	for _, st := range list {
		if fmt.Sprint(st.ID) == id {
			return st.Name
		}
	}
	return ""
}

// priorityID finds the id of a priority name (0 when unknown).
func (s *Sink) priorityID(ctx context.Context, name string) (int, error) {
	s.meta.mu.Lock()
	defer s.meta.mu.Unlock()
	if s.meta.priorities == nil {
		var l PriorityList
		if err := s.c.JSON(ctx, "list priorities", "GET", "/enumerations/issue_priorities.json", nil, &l); err != nil {
			return 0, err
		}
		s.meta.priorities = map[string]int{}
		for _, p := range l.IssuePriorities {
			s.meta.priorities[fold(p.Name)] = p.ID
		}
	}
	return s.meta.priorities[fold(name)], nil
}

// trackerID finds the configured tracker in the project (0: default).
func (s *Sink) trackerID(ctx context.Context) (int, error) {
	if s.s.Tracker == "" {
		return 0, nil
	}
	s.meta.mu.Lock()
	defer s.meta.mu.Unlock()
	if s.meta.trackers == nil {
		var p ProjectAnswer
		if err := s.c.JSON(ctx, "read project", "GET", "/projects/"+url.PathEscape(s.s.Project)+".json?include=trackers", nil, &p); err != nil {
			return 0, err
		}
		s.meta.trackers = map[string]int{}
		for _, t := range p.Project.Trackers {
			s.meta.trackers[fold(t.Name)] = t.ID
		}
	}
	id, ok := s.meta.trackers[fold(s.s.Tracker)]
	if !ok {
		return 0, &core.CallError{Op: "find tracker", Permanent: true, Message: fmt.Sprintf("tracker %q is not enabled in project %q", s.s.Tracker, s.s.Project)}
	}
	return id, nil
}

// selfID is the API key's user id, whose journals are ours.
func (s *Sink) selfID(ctx context.Context) (int, error) {
	s.meta.mu.Lock()
	defer s.meta.mu.Unlock()
	if s.meta.userID != 0 {
		return s.meta.userID, nil
	}
	var u CurrentUser
	if err := s.c.JSON(ctx, "read current user", "GET", "/users/current.json", nil, &u); err != nil {
		return 0, err
	}
	s.meta.userID = u.User.ID
	return u.User.ID, nil
}
