package rules

import (
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Urgent reports whether ev may act on its own — a command, a button, an
// answer to a proposal, a complaint a trigger would take up — as opposed
// to chatter. Ingress uses it, before the conversation's state is known,
// to put acting events in the processing lane that goes first, so a
// /ticket never waits behind thousands of "thanks". It assumes every
// confirming route has a proposal pending, so a "yes" counts.
func (e *Engine) Urgent(ev core.Event) bool {
	if ev.Sender.Role == core.RoleBot {
		return false
	}
	switch ev.Kind {
	case core.KindCommand, core.KindReaction, core.KindCallEnded, core.KindConversationEnded:
		return true
	}
	// Once as a conversation with nothing pending (a complaint), once
	// as one awaiting an answer (a yes or no) on routes that confirm.
	fresh := State{}
	awaiting := State{Proposals: map[string]ProposalState{}}
	future := time.Unix(1<<40, 0)
	for _, r := range e.routes {
		if r.Config.Trigger.Confirm {
			awaiting.Proposals[r.Config.Name] = ProposalState{ExpiresAt: future}
		}
	}
	for _, r := range e.routes {
		if !r.Serves(ev.Source) {
			continue
		}
		if acts(r.evaluate(ev, fresh)) || r.Config.Trigger.Confirm && acts(r.evaluate(ev, awaiting)) {
			return true
		}
	}
	return false
}

func acts(d Decision) bool { return d.Kind != KindNone || d.Proposal != "" }
