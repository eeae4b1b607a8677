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

func BenchmarkUrgentChatter(b *testing.B) {
	e := mustCompile(b, route("support", func(r *config.Route) { r.Trigger.RulePack = "default"; r.Trigger.Confirm = true }))
	ev := msg("thanks, that solved it, have a nice weekend")
	for b.Loop() {
		e.Urgent(ev)
	}
}
