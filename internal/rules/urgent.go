package rules

import (
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/handover"
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
	case core.KindCommand, core.KindReaction, core.KindCallEnded, core.KindConversationEnded, core.KindHandover:
		return true
	}
	// A yes or no acts where a proposal may be pending (routes that
	// confirm); anything else acts when it would on a fresh conversation.
	answers := ev.Kind == core.KindMessage && answerOf(ev.Text) != answerOther
	for _, r := range e.set().routes {
		if !r.Serves(ev.Source) {
			continue
		}
		if answers && r.Config.Trigger.Confirm || acts(r.evaluate(ev, State{})) {
			return true
		}
		if h := r.Config.Handover; h != nil && handover.Asks(ev, h.PhraseList()) {
			return true // a request for a person opens a ticket at once
		}
	}
	return false
}

func acts(d Decision) bool { return d.Kind != KindNone || d.Proposal != "" }
