package redact

import (
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// None leaves a field as it is (a route may send, say, the requester's
// e-mail unmasked because the ticket system needs it).
const None Mode = "none"

// Scrubber applies a policy to what goes to a sink, field by field, with
// per-route overrides.
type Scrubber struct {
	r      *Redactor
	base   Policy
	routes map[string]map[string]Mode // route → field → mode
}

// NewScrubber masks with base everywhere except where routes (route →
// field → mode) say otherwise. Fields: title, description, requester,
// labels, custom, comments.
func NewScrubber(r *Redactor, base Policy, routes map[string]map[string]Mode) *Scrubber {
	return &Scrubber{r: r, base: base, routes: routes}
}

func (s *Scrubber) mask(route, field, text string) string {
	if s == nil || text == "" {
		return text
	}
	p := s.base
	if m, ok := s.routes[route][field]; ok {
		if m == None {
			return text
		}
		p = Policy{Default: m}
	}
	if p.Default == None && len(p.PerKind) == 0 {
		return text
	}
	return s.r.Mask(text, p)
}

// Draft masks a ticket draft before it is sent.
func (s *Scrubber) Draft(route string, d core.TicketDraft) core.TicketDraft {
	if s == nil {
		return d
	}
	d.Title = s.mask(route, "title", d.Title)
	d.Description = s.mask(route, "description", d.Description)
	// The requester is who the ticket is for: ticket systems match it to
	// their users by e-mail, so it goes as it is unless the route masks
	// it explicitly.
	if _, ok := s.routes[route]["requester"]; ok {
		d.Requester.Name = s.mask(route, "requester", d.Requester.Name)
		d.Requester.Email = s.mask(route, "requester", d.Requester.Email)
	}
	if len(d.Labels) > 0 {
		labels := make([]string, len(d.Labels))
		for i, l := range d.Labels {
			labels[i] = s.mask(route, "labels", l)
		}
		d.Labels = labels
	}
	if len(d.Custom) > 0 {
		custom := make(map[string]any, len(d.Custom))
		for k, v := range d.Custom {
			if str, ok := v.(string); ok {
				v = s.mask(route, "custom", str)
			}
			custom[k] = v
		}
		d.Custom = custom
	}
	return d
}

// Comment masks a comment (appended chat messages) before it is sent.
func (s *Scrubber) Comment(route, body string) string { return s.mask(route, "comments", body) }
