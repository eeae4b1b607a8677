package redmine

import (
	"context"
	"fmt"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Status reads the issue's current status name.
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	is, err := s.issue(ctx, ref, "")
	if err != nil {
		return "", err
	}
	return is.Status.Name, nil
}

// issue reads one issue, with include ("journals" …) when not empty.
func (s *Sink) issue(ctx context.Context, ref core.TicketRef, include string) (Issue, error) {
	const op = "read issue"
	id, err := issueID(op, ref)
	if err != nil {
		return Issue{}, err
	}
	path := "/issues/" + id + ".json"
	if include != "" {
		path += "?include=" + include
	}
	var a IssueAnswer
	err = s.c.JSON(ctx, op, "GET", path, nil, &a)
	return a.Issue, err
}

// Transition sets the status status_names gives for state. Redmine
// answers success even when the workflow does not allow the change for
// the API key's roles and simply keeps the old status, so the issue is
// read again and an unchanged status is a permanent error that says so.
// An issue already in the status, or already closed when resolved or
// closed is asked for, is left alone.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "change status"
	name, ok := s.s.StatusNames[state]
	if !ok {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("no status for chat state %q (set status_names.%s)", state, state)}
	}
	want, found, err := s.statusByName(ctx, name)
	if err != nil {
		return err
	}
	if !found {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("Redmine has no status %q (status_names.%s)", name, state)}
	}
	before, err := s.issue(ctx, ref, "")
	if err != nil {
		return err
	}
	if s.fits(ctx, before.Status, want, state) {
		return nil
	}
	if err := s.c.JSON(ctx, op, "PUT", "/issues/"+ref.Key+".json", IssueWrite{Issue: IssueFields{StatusID: want.ID}}, nil); err != nil {
		return err
	}
	after, err := s.issue(ctx, ref, "")
	if err != nil {
		return err
	}
	if after.Status.ID != want.ID {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf(
			"Redmine kept issue #%s in %q: its workflow does not let the API key's roles move a %s from %q to %q",
			ref.Key, after.Status.Name, before.Tracker.Name, before.Status.Name, want.Name)}
	}
	return nil
}

// fits says whether the current status already is what state asks for.
func (s *Sink) fits(ctx context.Context, cur, want Status, state string) bool {
	if cur.ID == want.ID {
		return true
	}
	if state != core.StateResolved && state != core.StateClosed {
		return false
	}
	// Any closed status satisfies a close request.
	list, err := s.statusList(ctx, false)
	if err != nil {
		return false
	}
	for _, st := range list {
		if st.ID == cur.ID {
			return st.IsClosed
		}
	}
	return false
}
