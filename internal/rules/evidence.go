package rules

// The intent model (internal/intent) reads the rule pack's findings as
// features beside the words: which patterns matched, which guards did,
// and what the pack decided. The model so learns how far to trust each
// rule instead of the rules being thrown away.

// Evidence features of the pack's decision.
const (
	evidenceFires = "fires"
)

var vetoEvidence = map[string]string{
	GuardNegated: "veto:negated", GuardThanks: "veto:thanks",
	GuardResolved: "veto:resolved", GuardPolicy: "veto:policy",
}

// Evidence lists what the default pack finds in text, as the intent
// model's features. The trainer calls it; the engine uses packEvidence
// to avoid scoring twice.
func Evidence(text string) []string {
	p := defaultPack()
	t := p.text(normalize(text))
	scores := p.score(t)
	return p.evidence(t, scores, p.decide(t, scores), nil)
}

// evidence appends to out the features of the text given its
// scores and the pack's decision.
func (p *pack) evidence(t *ntext, scores []catScore, res PackResult, out []string) []string {
	for _, s := range scores {
		out = append(out, s.evidence...)
	}
	for i, g := range p.guards {
		// Only the guards the decision already ran: running the others
		// for their evidence would double the cost for little gain.
		if t.guards[i] > 0 {
			out = append(out, g.feature)
		}
	}
	if res.Category != "" {
		out = append(out, evidenceFires)
	}
	if v, ok := vetoEvidence[res.Guard]; ok {
		out = append(out, v)
	}
	return out
}
