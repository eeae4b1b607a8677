package zammad

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Status reads the ticket's state name.
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	tk, err := s.ticket(ctx, ref)
	return tk.State, err
}

func (s *Sink) ticket(ctx context.Context, ref core.TicketRef) (Ticket, error) {
	id, err := ticketID("read ticket", ref)
	if err != nil {
		return Ticket{}, err
	}
	var tk Ticket
	err = s.c.JSON(ctx, "read ticket", "GET", "/api/v1/tickets/"+strconv.Itoa(id)+"?expand=true", nil, &tk)
	return tk, err
}

// Transition sets the state state_names gives for the chat state (a
// pending state gets a pending time a day ahead, which Zammad requires)
// and reads the ticket back to see it took.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "change state"
	name, ok := s.s.StateNames[state]
	if !ok {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("no Zammad state for %q (set state_names.%s)", state, state)}
	}
	cur, err := s.ticket(ctx, ref)
	if err != nil {
		return err
	}
	if strings.EqualFold(cur.State, name) {
		return nil
	}
	body := map[string]any{"state": name}
	if strings.HasPrefix(strings.ToLower(name), "pending") {
		body["pending_time"] = s.now().Add(24 * 60 * 60 * 1e9).UTC().Format("2006-01-02T15:04:05Z")
	}
	if err := s.c.JSON(ctx, op, "PUT", "/api/v1/tickets/"+ref.Key, body, nil); err != nil {
		return err
	}
	after, err := s.ticket(ctx, ref)
	if err != nil {
		return err
	}
	if !strings.EqualFold(after.State, name) {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("ticket %s stayed %q instead of %q", ref.Key, after.State, name)}
	}
	return nil
}
