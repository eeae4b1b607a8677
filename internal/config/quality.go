package config

import (
	"slices"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sla"
)

// Handover turns a customer's request for a person (转人工) in a
// conversation a bot was handling into one ticket carrying the bot part of
// the conversation.
type Handover struct {
	// Phrases ask for a human; matched as substrings without regard to
	// case or width. Empty: the built-in list (DefaultHandoverPhrases).
	Phrases []string `yaml:"phrases"`
	// Announce tells the customer who picked the ticket up when the sink
	// reports an assignee (default true).
	Announce *bool `yaml:"announce"`
}

// DefaultHandoverPhrases are the requests for a person the built-in list
// knows, in the languages the rule pack covers.
var DefaultHandoverPhrases = []string{
	"转人工", "人工客服", "人工服务", "找人工", "真人客服", "轉人工",
	"talk to a person", "talk to a human", "speak to a person", "speak to a human",
	"human agent", "real person", "live agent", "speak to an agent", "talk to an agent",
}

// CSAT asks the customer how it went once the ticket is solved.
type CSAT struct {
	// Question is the ask's text; the scale and how to answer are added
	// to it (default: "How satisfied are you with how we handled TICKET?").
	Question string `yaml:"question"`
	// QuietPeriod: a conversation asked within it is not asked again
	// (default 24h; "0s" asks after every ticket).
	QuietPeriod *time.Duration `yaml:"quiet_period"`
	// AnswerWindow is how long an ask takes answers (default 72h).
	AnswerWindow time.Duration `yaml:"answer_window"`
}

// SLA is a route's service-level commitments and what happens around
// their deadlines.
type SLA struct {
	TimeZone      string         `yaml:"time_zone"`
	BusinessHours *BusinessHours `yaml:"business_hours"`
	Holidays      []string       `yaml:"holidays"`
	// Workdays are make-up working days that fall on a weekend (调休).
	Workdays []string `yaml:"workdays"`
	// FirstResponse and Resolution map a ticket priority (as the route's
	// mapping sets it) or "default" to business time.
	FirstResponse map[string]time.Duration `yaml:"first_response"`
	Resolution    map[string]time.Duration `yaml:"resolution"`
	RemindBefore  time.Duration            `yaml:"remind_before"`
	RemindAfter   time.Duration            `yaml:"remind_after"`
	// PauseStatuses stop the resolution clock while the ticket is in one
	// of them (waiting on the customer): a ticket system's status name
	// ("pending", "Waiting for customer") or a chat state the route maps
	// statuses to ("waiting_on_customer"), matched without regard to
	// case. The first-response clock never pauses.
	PauseStatuses []string `yaml:"pause_statuses"`
	// Channel is the team conversation reminders and breaches go to
	// (besides a note on the ticket, which reaches its assignee).
	Channel *Channel `yaml:"channel"`
	// Escalate acts on a breach.
	Escalate *Escalate `yaml:"escalate"`
}

// BusinessHours are the team's working days and hours ("09:00"–"18:00").
type BusinessHours struct {
	Days  []string `yaml:"days"`
	Start string   `yaml:"start"`
	End   string   `yaml:"end"`
}

// Channel is a conversation on a configured source.
type Channel struct {
	Source       string `yaml:"source"`
	Conversation string `yaml:"conversation"`
	Thread       string `yaml:"thread"`
}

// Escalate is what a breach does: the ticket's priority set (through the
// sink), the ticket moved to another queue of the system, and another
// conversation told.
type Escalate struct {
	Priority string `yaml:"priority"`
	// Queue is the system's own id of the queue a breached ticket moves
	// to: a Zendesk or Freshdesk group id. Sinks without queues get a
	// note asking for the move.
	Queue   string   `yaml:"queue"`
	Channel *Channel `yaml:"channel"`
}

// CalendarSpec is the SLA's calendar in the sla package's terms.
func (s *SLA) CalendarSpec() sla.Spec {
	sp := sla.Spec{TimeZone: s.TimeZone, Holidays: s.Holidays, Workdays: s.Workdays}
	if h := s.BusinessHours; h != nil {
		sp.Days, sp.Start, sp.End = h.Days, h.Start, h.End
	}
	return sp
}

// Policy builds the route's SLA policy; config validation has checked it.
func (s *SLA) Policy() (sla.Policy, error) {
	cal, err := sla.New(s.CalendarSpec())
	if err != nil {
		return sla.Policy{}, err
	}
	return sla.Policy{Calendar: cal, RemindBefore: s.RemindBefore, RemindAfter: s.RemindAfter,
		Targets: map[sla.Kind]map[string]time.Duration{sla.FirstResponse: s.FirstResponse, sla.Resolution: s.Resolution}}, nil
}

func qualityDefaults(r *Route) {
	if h := r.Handover; h != nil && h.Announce == nil {
		yes := true
		h.Announce = &yes
	}
	if c := r.CSAT; c != nil {
		if c.QuietPeriod == nil {
			day := 24 * time.Hour
			c.QuietPeriod = &day
		}
		setDefault(&c.AnswerWindow, 72*time.Hour)
	}
}

func (v *validator) quality(f string, r Route, sources map[string]bool) {
	if h := r.Handover; h != nil {
		for j, p := range h.Phrases {
			if strings.TrimSpace(p) == "" {
				v.add(indexPath(f+".handover.phrases", j), "must not be empty")
			}
		}
	}
	if c := r.CSAT; c != nil {
		if c.QuietPeriod != nil && *c.QuietPeriod < 0 {
			v.add(f+".csat.quiet_period", "must not be negative")
		}
		if c.AnswerWindow < 0 {
			v.add(f+".csat.answer_window", "must not be negative")
		}
	}
	s := r.SLA
	if s == nil {
		return
	}
	f += ".sla"
	if _, err := sla.New(s.CalendarSpec()); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			field, msg, _ := strings.Cut(line, ": ")
			switch field {
			case "days", "start", "end":
				field = "business_hours." + field
			}
			v.add(f+"."+field, "%s", msg)
		}
	}
	if len(s.FirstResponse) == 0 && len(s.Resolution) == 0 {
		v.add(f, "needs first_response or resolution targets")
	}
	for _, k := range []struct {
		name string
		m    map[string]time.Duration
	}{{"first_response", s.FirstResponse}, {"resolution", s.Resolution}} {
		keys := make([]string, 0, len(k.m))
		for p := range k.m {
			keys = append(keys, p)
		}
		slices.Sort(keys)
		for _, p := range keys {
			if k.m[p] <= 0 {
				v.add(f+"."+k.name+"."+p, "must be positive")
			}
		}
	}
	if s.RemindBefore < 0 {
		v.add(f+".remind_before", "must not be negative")
	}
	if s.RemindAfter < 0 {
		v.add(f+".remind_after", "must not be negative")
	}
	for j, st := range s.PauseStatuses {
		if strings.TrimSpace(st) == "" {
			v.add(indexPath(f+".pause_statuses", j), "must not be empty")
		}
	}
	v.channel(f+".channel", s.Channel, sources)
	if e := s.Escalate; e != nil {
		if e.Priority == "" && e.Queue == "" && e.Channel == nil {
			v.add(f+".escalate", "needs a priority, a queue or a channel")
		}
		v.channel(f+".escalate.channel", e.Channel, sources)
	}
}

func (v *validator) channel(f string, c *Channel, sources map[string]bool) {
	if c == nil {
		return
	}
	switch {
	case c.Source == "":
		v.add(f+".source", "is required")
	case !sources[c.Source]:
		v.add(f+".source", "no source has id %q", c.Source)
	}
	if c.Conversation == "" {
		v.add(f+".conversation", "is required")
	}
}

// Pauses reports whether a ticket in the system's status, which the
// route reads as chat state, stops the resolution clock.
func (s *SLA) Pauses(status, state string) bool {
	for _, p := range s.PauseStatuses {
		p = strings.TrimSpace(p)
		if strings.EqualFold(p, strings.TrimSpace(status)) || (state != "" && strings.EqualFold(p, state)) {
			return true
		}
	}
	return false
}

// PhraseList is the route's phrases, or the built-in list.
func (h *Handover) PhraseList() []string {
	if len(h.Phrases) > 0 {
		return h.Phrases
	}
	return DefaultHandoverPhrases
}

// Announces reports whether the customer is told who picked the ticket up.
func (h *Handover) Announces() bool { return h.Announce == nil || *h.Announce }

// Quiet is the quiet period, its default when unset.
func (c *CSAT) Quiet() time.Duration {
	if c.QuietPeriod == nil {
		return 24 * time.Hour
	}
	return *c.QuietPeriod
}

// Window is how long an ask takes answers, its default when unset.
func (c *CSAT) Window() time.Duration {
	if c.AnswerWindow <= 0 {
		return 72 * time.Hour
	}
	return c.AnswerWindow
}
