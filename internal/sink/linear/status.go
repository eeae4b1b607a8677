package linear

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// teamStates reads the team's workflow states once, by position.
func (s *Sink) teamStates(ctx context.Context, refresh bool) ([]State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states != nil && !refresh {
		return s.states, nil
	}
	var out struct {
		Team *struct {
			States struct {
				Nodes []struct {
					State
					Position float64 `json:"position"`
				} `json:"nodes"`
			} `json:"states"`
		} `json:"team"`
	}
	if err := s.c.do(ctx, "read team", "Team", qTeam, map[string]any{"id": s.s.TeamID}, &out); err != nil {
		return nil, err
	}
	if out.Team == nil {
		return nil, &core.CallError{Op: "read team", Permanent: true, Message: fmt.Sprintf("team %s not found", s.s.TeamID)}
	}
	nodes := out.Team.States.Nodes
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].Position < nodes[j].Position })
	s.states = make([]State, len(nodes))
	for i, n := range nodes {
		s.states[i] = n.State
	}
	return s.states, nil
}

// target picks the workflow state for a chat state.
func (s *Sink) target(ctx context.Context, state string) (State, error) {
	const op = "change state"
	states, err := s.teamStates(ctx, false)
	if err != nil {
		return State{}, err
	}
	if name, ok := s.s.StateNames[state]; ok {
		for _, st := range states {
			if strings.EqualFold(st.Name, name) {
				return st, nil
			}
		}
		return State{}, &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("the team has no state %q (state_names.%s)", name, state)}
	}
	want := map[string]string{core.StateOpen: "unstarted", core.StateInProgress: "started",
		core.StateResolved: "completed", core.StateClosed: "completed"}[state]
	for _, st := range states {
		if st.Type == want {
			return st, nil
		}
	}
	return State{}, &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("no state for %s; set state_names.%s", state, state)}
}

// Transition moves the issue to the state for a chat state, unless it is
// there already (any completed or canceled state satisfies a close), and
// checks the state the answer reports.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "change state"
	st, err := s.target(ctx, state)
	if err != nil {
		return err
	}
	is, err := s.issue(ctx, ref.Key)
	if err != nil {
		return err
	}
	done := is.State.Type == "completed" || is.State.Type == "canceled"
	if is.State.ID == st.ID || done && (state == core.StateResolved || state == core.StateClosed) {
		return nil
	}
	var out struct {
		IssueUpdate struct {
			Success bool  `json:"success"`
			Issue   Issue `json:"issue"`
		} `json:"issueUpdate"`
	}
	if err := s.c.do(ctx, op, "IssueUpdate", qIssueUpdate, map[string]any{"id": ref.Key, "input": map[string]any{"stateId": st.ID}}, &out); err != nil {
		return err
	}
	if !out.IssueUpdate.Success || out.IssueUpdate.Issue.State.ID != st.ID {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("issue stayed in %q", out.IssueUpdate.Issue.State.Name)}
	}
	return nil
}
