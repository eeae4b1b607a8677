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
	norm := normalize(text)
	scores := p.score(norm)
	return p.evidence(norm, scores, p.decide(norm, scores), nil)
}

// evidence appends to out the features of normalized text given its
// scores and the pack's decision.
func (p *pack) evidence(norm string, scores []catScore, res PackResult, out []string) []string {
	for _, s := range scores {
		out = append(out, s.evidence...)
	}
	for _, g := range p.guards {
		if g.applies(norm) && g.re.MatchString(norm) {
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
