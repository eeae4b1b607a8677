package handover

import (
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestAsks(t *testing.T) {
	phrases := []string{"转人工", "人工客服", "talk to a person", "human agent"}
	msg := func(role core.Role, text string) core.Event {
		return core.Event{Kind: core.KindMessage, Sender: core.Sender{ID: "u", Role: role}, Text: text}
	}
	tests := map[string]struct {
		ev   core.Event
		want bool
	}{
		"chinese request":               {msg(core.RoleCustomer, "我要转人工"), true},
		"inside a sentence":             {msg(core.RoleCustomer, "机器人没用，请给我人工客服！"), true},
		"english, case and spaces":      {msg("", "Can I   TALK to a\tperson please"), true},
		"full-width letters":            {msg(core.RoleCustomer, "ｈｕｍａｎ ａｇｅｎｔ"), true},
		"no phrase":                     {msg(core.RoleCustomer, "where is my parcel"), false},
		"a bot offering a person":       {msg(core.RoleBot, "回复转人工可联系人工客服"), false},
		"an agent saying it":            {msg(core.RoleAgent, "I am a human agent"), false},
		"handover button":               {core.Event{Kind: core.KindCommand, Action: core.ActionHandover}, true},
		"another button":                {core.Event{Kind: core.KindCommand, Action: core.ActionConfirm}, false},
		"the platform's handover event": {core.Event{Kind: core.KindHandover, Sender: core.Sender{ID: "kf"}}, true},
		"a reaction":                    {core.Event{Kind: core.KindReaction, Text: "转人工"}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Asks(tc.ev, phrases); got != tc.want {
				t.Errorf("Asks = %v, want %v", got, tc.want)
			}
		})
	}
}
