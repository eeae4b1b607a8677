package jobs

import (
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sla"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// The handover hook turns a request for a person into the route's ticket
// unless the conversation has one; routes without a handover section and
// other messages keep the rules' decision.
func TestHandoverDecisions(t *testing.T) {
	routes := map[string]config.Route{
		"help":  {Name: "help", Handover: &config.Handover{}},
		"plain": {Name: "plain"},
		"none":  {Name: "none", Handover: &config.Handover{}, Rollout: new(int)},
	}
	b := &batch{w: &processWorker{d: &Deps{Routes: routes}}}
	msg := func(text string) core.StoredEvent {
		return core.StoredEvent{ID: 7, Event: core.Event{Kind: core.KindMessage, Text: text, Sender: core.Sender{ID: "u", Role: core.RoleCustomer}}}
	}
	keyword := rules.Decision{Route: "help", Kind: rules.KindPropose, Rule: rules.RuleKeyword}
	tests := map[string]struct {
		ev      core.StoredEvent
		cs      convState
		in      rules.Decision
		want    rules.Kind
		rule    string
		accepts bool
	}{
		"asks, no ticket":      {msg("转人工"), convState{}, rules.Decision{Route: "help", Kind: rules.KindNone}, rules.KindCreate, RuleHandover, false},
		"overrides a proposal": {msg("this is broken, talk to a person"), convState{}, keyword, rules.KindCreate, RuleHandover, false},
		"takes a pending offer": {msg("人工客服"), convState{pending: map[string]store.Proposal{"help": {ID: "p1"}}},
			rules.Decision{Route: "help", Kind: rules.KindNone}, rules.KindCreate, RuleHandover, true},
		"already linked": {msg("转人工"), convState{links: map[string]store.Link{"help": {ID: "l1", TicketKey: "K-1", State: core.StateOpen}}},
			rules.Decision{Route: "help", Kind: rules.KindAppend, Rule: rules.RuleFollowUp}, rules.KindAppend, rules.RuleFollowUp, false},
		"no handover on the route": {msg("转人工"), convState{}, rules.Decision{Route: "plain", Kind: rules.KindNone}, rules.KindNone, "", false},
		"not a request":            {msg("where is my parcel"), convState{}, keyword, rules.KindPropose, rules.RuleKeyword, false},
		"outside the rollout":      {msg("转人工"), convState{}, rules.Decision{Route: "none", Kind: rules.KindNone}, rules.KindNone, "", false},
		"the platform's signal": {core.StoredEvent{ID: 8, Event: core.Event{Kind: core.KindHandover}}, convState{},
			rules.Decision{Route: "help", Kind: rules.KindNone}, rules.KindCreate, RuleHandover, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := b.handover(tc.ev, &tc.cs, []rules.Decision{tc.in})
			if len(got) != 1 || got[0].Kind != tc.want || got[0].Rule != tc.rule || (got[0].Proposal == store.ProposalAccepted) != tc.accepts {
				t.Errorf("handover = %+v, want kind %s rule %q accepts %v", got, tc.want, tc.rule, tc.accepts)
			}
		})
	}
}

// timers schedules each stage still ahead at its moment, leaves out met
// deadlines and stages that fired, and moves with the priority.
func TestSLATimers(t *testing.T) {
	cal, err := sla.New(sla.Spec{TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	p := sla.Policy{Calendar: cal, RemindBefore: 10 * time.Minute, Targets: map[sla.Kind]map[string]time.Duration{
		sla.FirstResponse: {"default": time.Hour},
		sla.Resolution:    {"normal": 8 * time.Hour, "urgent": 2 * time.Hour},
	}}
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	type timer struct {
		stage string
		at    time.Time
	}
	list := func(c store.SLAClock) []timer {
		var out []timer
		for _, j := range timers(p, c) {
			a := j.Args.(SLATimerArgs)
			if !j.InsertOpts.ScheduledAt.Equal(a.At) {
				t.Errorf("timer %+v scheduled at %s", a, j.InsertOpts.ScheduledAt)
			}
			out = append(out, timer{stageKey(a.Deadline, a.Stage), a.At})
		}
		return out
	}
	tests := map[string]struct {
		clock store.SLAClock
		want  []timer
	}{
		"new normal ticket": {store.SLAClock{LinkID: "l", Priority: "normal", StartedAt: t0}, []timer{
			{"first_response/remind", t0.Add(50 * time.Minute)}, {"first_response/breach", t0.Add(time.Hour)},
			{"resolution/remind", t0.Add(8*time.Hour - 10*time.Minute)}, {"resolution/breach", t0.Add(8 * time.Hour)}}},
		"answered, escalated to urgent": {store.SLAClock{LinkID: "l", Priority: "urgent", StartedAt: t0, FirstResponseAt: t0.Add(time.Minute)}, []timer{
			{"resolution/remind", t0.Add(110 * time.Minute)}, {"resolution/breach", t0.Add(2 * time.Hour)}}},
		"reminder fired already": {store.SLAClock{LinkID: "l", Priority: "urgent", StartedAt: t0, FirstResponseAt: t0,
			Fired: []string{"resolution/remind"}}, []timer{{"resolution/breach", t0.Add(2 * time.Hour)}}},
		"resolved":       {store.SLAClock{LinkID: "l", Priority: "normal", StartedAt: t0, ResolvedAt: t0.Add(time.Minute)}, nil},
		"low, no target": {store.SLAClock{LinkID: "l", Priority: "low", StartedAt: t0, FirstResponseAt: t0}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := list(tc.clock)
			same := len(got) == len(tc.want)
			for i := 0; same && i < len(got); i++ {
				same = got[i].stage == tc.want[i].stage && got[i].at.Equal(tc.want[i].at)
			}
			if !same {
				t.Errorf("timers = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
