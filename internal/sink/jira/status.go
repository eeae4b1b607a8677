package jira

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Status reads the issue's current status name.
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	is, err := s.issue(ctx, ref.Key)
	if err != nil {
		return "", err
	}
	if is.Fields.Status == nil {
		return "", &core.CallError{Op: "read status", Status: 200, Message: "issue has no status"}
	}
	return is.Fields.Status.Name, nil
}

// issue reads an issue's status and labels.
func (s *Sink) issue(ctx context.Context, key string) (Issue, error) {
	const op = "read issue"
	if key == "" {
		return Issue{}, &core.CallError{Op: op, Permanent: true, Err: errNoKey}
	}
	var is Issue
	err := s.c.call(ctx, op, "GET", "/rest/api/3/issue/"+url.PathEscape(key)+"?fields=status,labels,project", nil, &is)
	return is, err
}

// Transition moves the issue toward a chat state. For resolved and closed
// it takes the transition named in transition_names, else one into a
// status of category "done" (status_overrides decide between several and
// exclude done statuses that mean something else). An issue already in a
// fitting status is left alone.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "transition issue"
	if !isChatState(state) {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("unknown chat state %q", state)}
	}
	is, err := s.issue(ctx, ref.Key)
	if err != nil {
		return err
	}
	project := s.s.Project
	if is.Fields.Project != nil && is.Fields.Project.Key != "" {
		project = is.Fields.Project.Key
	}
	if st := is.Fields.Status; st != nil && s.fits(project, *st, state) {
		return nil
	}
	var list Transitions
	path := "/rest/api/3/issue/" + url.PathEscape(ref.Key) + "/transitions"
	if err := s.c.call(ctx, "list transitions", "GET", path, nil, &list); err != nil {
		return err
	}
	t, ok := s.pick(project, list.Transitions, state)
	if !ok {
		return &core.CallError{Op: op, Permanent: true, Message: s.noTransition(is, list.Transitions, state)}
	}
	if s.jsm() {
		// Same workflow transition ids; the request API applies JSM's
		// customer-facing rules (and notifications).
		return s.c.call(ctx, op, "POST", "/rest/servicedeskapi/request/"+url.PathEscape(ref.Key)+"/transition", map[string]string{"id": t.ID}, nil)
	}
	return s.c.call(ctx, op, "POST", path, map[string]any{"transition": map[string]string{"id": t.ID}}, nil)
}

// fits says whether a status already is the wanted state.
func (s *Sink) fits(project string, st Status, state string) bool {
	if name, ok := s.s.TransitionNames[state]; ok && fold(name) == fold(st.Name) {
		return true
	}
	got, ok := s.ChatState(project, st.Name, st.StatusCategory.Key)
	if !ok {
		return false
	}
	if state == core.StateResolved || state == core.StateClosed {
		// Either terminal state satisfies a close request: Jira has no
		// second step after "done".
		return got == core.StateResolved || got == core.StateClosed
	}
	return got == state
}

func (s *Sink) pick(project string, ts []Transition, state string) (Transition, bool) {
	if name, ok := s.s.TransitionNames[state]; ok {
		for _, t := range ts {
			if fold(t.Name) == fold(name) || fold(t.To.Name) == fold(name) {
				return t, true
			}
		}
		return Transition{}, false
	}
	ov := s.overrides[strings.ToUpper(project)]
	// An override naming exactly this state wins.
	for _, t := range ts {
		if ov[fold(t.To.Name)] == state {
			return t, true
		}
	}
	want := map[string]string{
		core.StateOpen: "new", core.StateInProgress: "indeterminate",
		core.StateResolved: "done", core.StateClosed: "done",
	}[state]
	if want == "" {
		return Transition{}, false
	}
	// Statuses without an override come before overridden ones of the
	// other terminal state (resolved for closed, or the other way).
	for _, strict := range []bool{true, false} {
		for _, t := range ts {
			if t.To.StatusCategory.Key != want {
				continue
			}
			o, overridden := ov[fold(t.To.Name)]
			if overridden && (strict || !sameFamily(o, state)) {
				continue
			}
			return t, true
		}
	}
	return Transition{}, false
}

// sameFamily treats resolved and closed as one for overrides.
func sameFamily(a, b string) bool {
	term := func(s string) bool { return s == core.StateResolved || s == core.StateClosed }
	return a == b || term(a) && term(b)
}

func (s *Sink) noTransition(is Issue, ts []Transition, state string) string {
	names := make([]string, 0, len(ts))
	for _, t := range ts {
		names = append(names, fmt.Sprintf("%q → %s", t.Name, t.To.Name))
	}
	from := "its status"
	if is.Fields.Status != nil {
		from = fmt.Sprintf("%q", is.Fields.Status.Name)
	}
	want := "a status of category done"
	if name, ok := s.s.TransitionNames[state]; ok {
		want = fmt.Sprintf("%q (transition_names.%s)", name, state)
	} else if state != core.StateResolved && state != core.StateClosed {
		want = "a status for " + state + " (set transition_names." + state + ")"
	}
	return fmt.Sprintf("no transition from %s to %s; available: %s", from, want, strings.Join(names, ", "))
}
