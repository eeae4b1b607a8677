package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// maxFieldPages bounds the ticket-field listing (100 a page).
const maxFieldPages = 20

// ValidateMapping reads /api/v2/ticket_fields.json and reports what would
// make a route's tickets fail or come out incomplete: priorities Zendesk
// lacks, custom keys without a field id, field ids that do not exist or
// are not active, and active required custom fields the route leaves empty.
func (s *Sink) ValidateMapping(ctx context.Context, m sink.MappingSpec) ([]string, error) {
	fields, err := s.ticketFields(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]TicketField{}
	var prio *TicketField
	for i, f := range fields {
		byID[f.ID] = f
		if f.Type == "priority" {
			prio = &fields[i]
		}
	}
	var out []string
	say := func(format string, args ...any) {
		out = append(out, fmt.Sprintf("route %s: ", m.Route)+fmt.Sprintf(format, args...))
	}
	known := Priorities
	if prio != nil && len(prio.SystemFieldOptions) > 0 {
		known = nil
		for _, o := range prio.SystemFieldOptions {
			known = append(known, strings.ToLower(o.Value))
		}
	}
	for _, p := range m.Priorities {
		zp, _ := s.priority(p)
		switch {
		case prio != nil && !prio.Active:
			say("priority %q: the Zendesk priority field is not active", p)
		case !slices.Contains(known, zp):
			say("priority %q: Zendesk has no such priority (it has %s); add it to priority_map", p, strings.Join(known, ", "))
		}
	}
	set := map[int64]bool{}
	for _, k := range m.CustomFields {
		id, ok := s.fieldID(k)
		if !ok {
			say("custom field %q: no ticket field id for it in custom_fields", k)
			continue
		}
		set[id] = true
		f, ok := byID[id]
		switch {
		case !ok:
			say("custom field %q: ticket field %d does not exist in Zendesk", k, id)
		case !f.Active:
			say("custom field %q: ticket field %d (%s) is not active", k, id, f.Title)
		}
	}
	for _, f := range fields {
		// System fields (subject, description, status …) are ours to fill
		// or Zendesk's; only custom ones can be missing from the mapping.
		if !f.Removable || !f.Active || set[f.ID] || (!f.Required && !f.RequiredInPortal) {
			continue
		}
		when := "to solve a ticket"
		if f.RequiredInPortal {
			when = "in the help center form"
		}
		say("required field %q (id %d, required %s) is not in mapping.custom", f.Title, f.ID, when)
	}
	return out, nil
}

func (s *Sink) ticketFields(ctx context.Context) ([]TicketField, error) {
	const op = "read ticket fields"
	var all []TicketField
	path := "/api/v2/ticket_fields.json"
	for range maxFieldPages {
		var page TicketFields
		if err := s.do(ctx, call{op: op, method: http.MethodGet, path: path}, &page); err != nil {
			return nil, err
		}
		all = append(all, page.TicketFields...)
		if page.NextPage == nil || *page.NextPage == "" {
			return all, nil
		}
		next, ok := strings.CutPrefix(*page.NextPage, s.base)
		if !ok {
			return nil, &core.CallError{Op: op, Message: "next_page points away from the account"}
		}
		path = next
	}
	return all, nil
}

// Check answers `ticketbridge doctor`: the credentials work and belong to
// an agent, integration_user_id is that user, and the group and brand
// exist.
func (s *Sink) Check(ctx context.Context) error {
	var me struct {
		User User `json:"user"`
	}
	if err := s.do(ctx, call{op: "check credentials", method: http.MethodGet, path: "/api/v2/users/me.json"}, &me); err != nil {
		return fmt.Errorf("zendesk %s: credentials: %w", s.base, plain(err))
	}
	u := me.User
	switch {
	case u.ID == 0:
		return fmt.Errorf("zendesk %s: email and api_token were not accepted (Zendesk answered as the anonymous user); check that token access is on and the token belongs to %s", s.base, s.set.Email)
	case u.Role == "end-user":
		return fmt.Errorf("zendesk %s: %s is an end user; the API user must be an agent or admin", s.base, u.Email)
	case s.set.IntegrationUserID != 0 && s.set.IntegrationUserID != u.ID:
		return fmt.Errorf("zendesk %s: integration_user_id is %d but the API user %s has id %d; set it to %d so our own changes are recognised", s.base, s.set.IntegrationUserID, u.Email, u.ID, u.ID)
	}
	for _, c := range []struct {
		key, what string
		id        int64
	}{{"group_id", "groups", s.set.GroupID}, {"brand_id", "brands", s.set.BrandID}} {
		if c.id == 0 {
			continue
		}
		err := s.do(ctx, call{op: "check " + c.key, method: http.MethodGet, path: "/api/v2/" + c.what + "/" + strconv.FormatInt(c.id, 10) + ".json"}, nil)
		var ce *core.CallError
		if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
			return fmt.Errorf("zendesk %s: %s %d does not exist", s.base, c.key, c.id)
		}
		if err != nil {
			return fmt.Errorf("zendesk %s: %s %d: %w", s.base, c.key, c.id, plain(err))
		}
	}
	return nil
}

// plain rewords the common refusals for an operator.
func plain(err error) error {
	var ce *core.CallError
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Status {
	case http.StatusUnauthorized:
		return fmt.Errorf("email and api_token were refused (%s): %w", ce.Message, err)
	case http.StatusForbidden:
		return fmt.Errorf("the API user may not do this (%s): %w", ce.Message, err)
	case 0:
		return fmt.Errorf("zendesk could not be reached: %w", err)
	}
	return err
}
