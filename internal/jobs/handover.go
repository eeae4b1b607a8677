package jobs

import (
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/handover"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// RuleHandover is the rule name of tickets opened because the customer
// asked a bot for a person.
const RuleHandover = "handover"

// handover rewrites the decisions of routes with a handover section when
// ev asks for a person: the route opens its ticket now (taking the
// conversation so far, the bot's part included, as its description),
// unless the conversation already has one, which then gets everything
// that follows. It is pure: the decision runs in the ingest path.
func (b *batch) handover(ev core.StoredEvent, cs *convState, decisions []rules.Decision) []rules.Decision {
	for i, dec := range decisions {
		route, ok := b.w.d.Routes[dec.Route]
		if !ok || route.Handover == nil || !inRollout(route, ev) || !handover.Asks(ev.Event, route.Handover.PhraseList()) {
			continue
		}
		if l, linked := cs.links[dec.Route]; linked && l.State != core.StateClosed {
			continue // the same ticket keeps taking the conversation
		}
		d := rules.Decision{Route: dec.Route, Kind: rules.KindCreate, Rule: RuleHandover, DryRun: dec.DryRun,
			Reason: "the customer asked for a person", Category: dec.Category}
		if _, pending := cs.pending[dec.Route]; pending {
			// A ticket offered and now asked for: the offer is taken.
			d.Proposal = store.ProposalAccepted
		}
		decisions[i] = d
	}
	return decisions
}

// inRollout is whether the route acts on ev's conversation at all.
func inRollout(r config.Route, ev core.StoredEvent) bool {
	return r.Rollout == nil || *r.Rollout >= 100 || rules.Bucket(ev.Conversation.Key(), r.Name) < *r.Rollout
}
