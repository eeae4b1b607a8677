package github

import (
	"context"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Status reads the issue's state, "open" or "closed".
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	n, err := number("read issue", ref)
	if err != nil {
		return "", err
	}
	var is Issue
	if err := s.c.JSON(ctx, "read issue", "GET", s.repoPath()+"/issues/"+n, nil, &is); err != nil {
		return "", err
	}
	return is.State, nil
}

// Transition closes the issue for resolved and closed and reopens it for
// open; issues have no other states, so the rest are refused plainly.
// The answer's state is checked: the edit is what the issue now is.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "change state"
	n, err := number(op, ref)
	if err != nil {
		return err
	}
	body := map[string]string{}
	switch state {
	case core.StateResolved, core.StateClosed:
		body["state"] = "closed"
		if s.dialect == TypeGitHub {
			body["state_reason"] = "completed"
		}
	case core.StateOpen:
		body["state"] = "open"
	default:
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("%s issues are only open or closed, not %s", s.dialect, state)}
	}
	var is Issue
	if err := s.c.JSON(ctx, op, "PATCH", s.repoPath()+"/issues/"+n, body, &is); err != nil {
		return err
	}
	if is.State != "" && is.State != body["state"] {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("issue #%s stayed %s", n, is.State)}
	}
	return nil
}
