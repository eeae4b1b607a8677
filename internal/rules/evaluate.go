package rules

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Evaluate returns one Decision per route whose Sources include
// ev.Source, in route order.
//
// Per route, in this order: bots are ignored; a yes or no answers a
// pending proposal; a command creates (unless already linked); a linked
// conversation appends; otherwise keywords and the rule pack decide.
// Rollout applies to commands, keywords and the pack, never to follow-ups
// or to answers of a proposal the route already made.
func (e *Engine) Evaluate(ev core.Event, st State) []Decision {
	var out []Decision
	for _, r := range e.set().routes {
		if !r.Serves(ev.Source) {
			continue
		}
		d := r.evaluate(ev, st)
		d.Route = r.Config.Name
		d.DryRun = r.dryRun
		out = append(out, d)
	}
	return out
}

func none(reason string) Decision { return Decision{Kind: KindNone, Reason: reason} }

func (r *Route) evaluate(ev core.Event, st State) Decision {
	if ev.Sender.Role == core.RoleBot {
		return none("bot")
	}
	link, linked := st.Links[r.Config.Name]
	// A closed link no longer takes follow-ups: the next request is new.
	linked = linked && link.State != core.StateClosed
	prop, pending := st.Proposals[r.Config.Name]
	expired := pending && st.Now.After(prop.ExpiresAt)

	ans := answerOther
	switch {
	case ev.Kind == core.KindCommand && ev.Action == core.ActionConfirm:
		ans = answerYes
	case ev.Kind == core.KindCommand && ev.Action == core.ActionReject:
		ans = answerNo
	case ev.Kind == core.KindMessage && pending:
		ans = answerOf(ev.Text)
	}
	if pending && ans != answerOther {
		rule := prop.Rule
		if rule == "" {
			rule = RuleConfirm
		}
		d := Decision{Kind: KindNone, Rule: rule, Category: prop.Category}
		switch {
		case expired:
			d.Proposal, d.Reason = ProposalExpired, "proposal expired"
		case ans == answerYes:
			d.Kind, d.Proposal, d.Reason = KindCreate, ProposalAccepted, "confirmed"
		default:
			d.Proposal, d.Reason = ProposalRejected, "declined"
		}
		return d
	}
	if ev.Kind == core.KindCommand && ev.Action != "" {
		return none("no pending proposal")
	}

	if r.isReaction(ev) {
		name, _ := ev.Meta["reaction"].(string)
		d := Decision{Kind: KindCreate, Rule: RuleReaction, Reason: ":" + strings.Trim(name, ":") + ": reaction"}
		switch {
		case linked:
			d.Kind, d.Reason = KindNone, "already linked"
		case !r.inRollout(ev):
			d.Kind, d.Reason = KindNone, "outside rollout"
		}
		return d
	}
	if r.isCommand(ev) {
		d := Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/" + r.command + " command"}
		switch {
		case linked && r.isClose(ev):
			d.Kind, d.Reason = KindClose, "/"+r.command+" close"
		case linked && ev.Meta["via"] == "api":
			// The API's caller is told the ticket's key; their text
			// goes to it rather than nowhere.
			d.Kind, d.Rule, d.Reason = KindAppend, RuleAPI, "linked to "+link.TicketKey
		case linked:
			d.Kind, d.Reason = KindNone, "already linked"
		case !r.inRollout(ev):
			d.Kind, d.Reason = KindNone, "outside rollout"
		}
		return d
	}
	if ev.Kind == core.KindCommand {
		return none(fmt.Sprintf("unknown command %q", ev.Command))
	}

	switch ev.Kind {
	case core.KindCallEnded:
		return r.callEnded(ev, linked)
	case core.KindLiveFeedback:
		// Audience comments count only in bursts, which the workers
		// find over the stream's stored comments.
		return none("live feedback is judged in bursts")
	case core.KindTranscript:
		if linked {
			return Decision{Kind: KindAppend, Rule: RuleFollowUp, Reason: "transcript of a linked call"}
		}
		return none("a transcript waits for its call to end")
	}
	if !carriesText(ev) {
		return none(fmt.Sprintf("%s event", ev.Kind))
	}
	if linked {
		return Decision{Kind: KindAppend, Rule: RuleFollowUp, Reason: "linked to " + link.TicketKey}
	}

	role := ev.Sender.Role
	if role == "" {
		role = core.RoleCustomer
	}
	if !r.roles[role] {
		return none(fmt.Sprintf("role %s not in trigger roles", role))
	}

	d := r.detect(ev.Text)
	if d.Kind == KindNone && d.Reason == "no match" && r.Config.Trigger.Sentiment != nil {
		d = r.sentiment(ev.Text)
	}
	act := func(d Decision) Decision {
		switch {
		case !r.inRollout(ev):
			d.Kind, d.Reason = KindNone, "outside rollout"
		case r.Config.Trigger.Confirm && pending && !expired:
			d.Kind, d.Reason = KindNone, "proposal pending"
		case r.Config.Trigger.Confirm:
			d.Kind = KindPropose
		}
		return d
	}
	if d.Kind != KindNone {
		d = act(d)
	}
	if d.unsure {
		// What the route does if its judge disagrees with the model.
		d.Unsure = KindNone
		if d.Kind == KindNone {
			alt := act(Decision{Kind: KindCreate})
			d.Unsure = alt.Kind
		}
		if d.Kind == d.Unsure {
			d.Unsure = "" // out of rollout or a proposal pending: nothing to ask
		}
	}
	return d
}

// carriesText reports whether the event is something people said: only
// those are appended to tickets or matched against triggers.
func carriesText(ev core.Event) bool {
	switch ev.Kind {
	case core.KindMessage, core.KindCallEnded, core.KindLiveFeedback, core.KindTranscript, "":
		return strings.TrimSpace(ev.Text) != "" || len(ev.Attachments) > 0
	}
	return false
}

// isCommand recognises "/ticket …" typed as text and the platform's own
// command event of the same name.
// isReaction reports whether ev is the route's ticket reaction: the
// route's trigger.reaction, or, when the route names none, the one the
// source's own setting marks (Meta "ticket_reaction", e.g. Slack's
// reaction setting).
func (r *Route) isReaction(ev core.Event) bool {
	if ev.Kind != core.KindReaction {
		return false
	}
	want := strings.Trim(r.Config.Trigger.Reaction, ":")
	if want == "" {
		marked, _ := ev.Meta["ticket_reaction"].(bool)
		return marked
	}
	got, _ := ev.Meta["reaction"].(string)
	return strings.EqualFold(strings.Trim(got, ":"), want)
}

// isClose reports whether a command asks to close the ticket:
// "/ticket close" (or "resolve", "关闭", "结单").
func (r *Route) isClose(ev core.Event) bool {
	args := commandArgs(ev.Text, r.command)
	if args == nil {
		return false
	}
	switch strings.ToLower(*args) {
	case "close", "resolve", "done", "关闭", "结单", "已解决":
		return true
	}
	return false
}

func (r *Route) isCommand(ev core.Event) bool {
	if ev.Kind == core.KindCommand {
		return strings.EqualFold(strings.TrimPrefix(ev.Command, "/"), r.command)
	}
	if ev.Kind != core.KindMessage && ev.Kind != "" {
		return false
	}
	return commandArgs(ev.Text, r.command) != nil
}

// commandArgs returns what follows "/command" at the start of text, or nil
// when text does not start with the command.
func commandArgs(text, command string) *string {
	t := strings.TrimSpace(text)
	p := "/" + command
	if len(t) < len(p) || !strings.EqualFold(t[:len(p)], p) {
		return nil
	}
	rest := t[len(p):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' && rest[0] != '@' {
		return nil // "/tickets" is another command
	}
	if rest != "" && rest[0] == '@' { // "/ticket@bot args" in group chats
		if i := strings.IndexAny(rest, " \t\n"); i >= 0 {
			rest = rest[i:]
		} else {
			rest = ""
		}
	}
	rest = strings.TrimSpace(rest)
	return &rest
}

// match runs the keywords, then the rule pack, with their guards; det
// holds the pack's classification when the route has a pack.
func (r *Route) match(norm string, det *detection) Decision {
	if len(r.keywords) > 0 {
		if kw, ok := firstMatch(r.keywords, norm); ok {
			if _, ok := firstMatch(r.negation, norm); ok {
				return Decision{Kind: KindNone, Rule: RuleKeyword, Reason: GuardNegated}
			}
			t := packText(norm, det)
			if g, ok := defaultPack().guardFor(t); ok {
				return Decision{Kind: KindNone, Rule: RuleKeyword, Reason: g.kind}
			}
			d := Decision{Kind: KindCreate, Rule: RuleKeyword, Reason: fmt.Sprintf("keyword %q", kw.raw)}
			// The pack, when on, still names the category for mapping.
			if r.pack != nil {
				d.Category = det.res.Category
			}
			return d
		}
	}
	if r.pack == nil {
		return none("no match")
	}
	res := det.res
	if res.Category == "" {
		if res.Guard != "" {
			return Decision{Kind: KindNone, Reason: res.Guard}
		}
		return none("no match")
	}
	if _, ok := firstMatch(r.negation, norm); ok {
		return Decision{Kind: KindNone, Rule: "pack:" + res.Category, Category: res.Category, Reason: GuardNegated}
	}
	return Decision{Kind: KindCreate, Rule: "pack:" + res.Category, Category: res.Category,
		Reason: "matched " + res.Matched[0]}
}

// Bucket is the stable rollout bucket (0–99) of a conversation on a route:
// FNV-1a (32-bit) of the conversation key followed by the route name.
func Bucket(conversationKey, route string) int {
	h := fnv.New32a()
	h.Write([]byte(conversationKey))
	h.Write([]byte(route))
	return int(h.Sum32() % 100)
}

func (r *Route) inRollout(ev core.Event) bool {
	if r.rollout >= 100 {
		return true
	}
	return Bucket(ev.Conversation.Key(), r.Config.Name) < r.rollout
}
