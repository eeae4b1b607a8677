package rules

import (
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestUrgent(t *testing.T) {
	confirming := route("support", func(r *config.Route) { r.Trigger.RulePack = "default"; r.Trigger.Confirm = true })
	direct := route("support", func(r *config.Route) { r.Trigger.RulePack = "default" })
	bot := withRole(msg("/ticket from a bot"), core.RoleBot)
	cases := map[string]struct {
		ev   core.Event
		want bool
	}{
		"command":             {msg("/ticket the printer is on fire"), true},
		"button":              {button(core.ActionConfirm), true},
		"yes":                 {msg("yes"), true},
		"是的":                  {msg("是的"), true},
		"complaint":           {msg("my card was charged twice, this is terrible"), true},
		"thanks":              {msg("thanks, have a nice day"), false},
		"greeting":            {msg("hello there"), false},
		"bot":                 {bot, false},
		"other source":        {func() core.Event { e := msg("/ticket x"); e.Source = "elsewhere"; return e }(), false},
		"reaction":            {func() core.Event { e := msg(""); e.Kind = core.KindReaction; return e }(), true},
		"conversation closed": {func() core.Event { e := msg(""); e.Kind = core.KindConversationEnded; return e }(), true},
	}
	for _, rt := range []config.Route{confirming, direct} {
		e := mustCompile(t, rt)
		for name, c := range cases {
			want := c.want
			if name == "yes" || name == "是的" {
				want = rt.Trigger.Confirm // only an answer where a proposal can be pending
			}
			if got := e.Urgent(c.ev); got != want {
				t.Errorf("confirm=%v %s: Urgent = %v, want %v", rt.Trigger.Confirm, name, got, want)
			}
		}
	}
}

// A request for a person is urgent on routes that hand over, and so is
// the platform's own handover signal on every route.
func TestUrgentHandover(t *testing.T) {
	signal := msg("")
	signal.Kind = core.KindHandover
	cases := map[string]struct {
		handover bool
		ev       core.Event
		want     bool
	}{
		"phrase, handover route":     {true, msg("我要转人工"), true},
		"phrase, other route":        {false, msg("我要转人工"), false},
		"own phrase":                 {true, msg("put me through to Dana"), true},
		"chatter, handover route":    {true, msg("ok thanks"), false},
		"platform signal, any route": {false, signal, true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := mustCompile(t, route("support", func(r *config.Route) {
				if c.handover {
					r.Handover = &config.Handover{Phrases: []string{"转人工", "put me through"}}
				}
			}))
			if got := e.Urgent(c.ev); got != c.want {
				t.Errorf("Urgent = %v, want %v", got, c.want)
			}
		})
	}
}

func BenchmarkUrgentChatter(b *testing.B) {
	e := mustCompile(b, route("support", func(r *config.Route) { r.Trigger.RulePack = "default"; r.Trigger.Confirm = true }))
	ev := msg("thanks, that solved it, have a nice weekend")
	for b.Loop() {
		e.Urgent(ev)
	}
}
