package rules

import (
	"fmt"
	"math"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/intent"
)

// Detectors: what finds problems in a message on a route.
const (
	// DetectorKeywords uses the route's keywords and rule pack (the
	// default).
	DetectorKeywords = "keywords"
	// DetectorModel uses the intent model; the rule pack's guards still
	// veto (negations, resolved problems, thanks, policy questions).
	DetectorModel = "model"
	// DetectorBoth tries the keywords and the rule pack first and asks
	// the model about what they leave.
	DetectorBoth = "both"
)

// Rule names of the model and of its judge.
const (
	RuleModel = "model"
	RuleJudge = "judge"
)

// DefaultThreshold is the model probability at or above which a message
// is a problem. It was chosen by grouped cross-validation on the corpus's
// training part (`intenttrain -cv`), trading a little recall for precision.
const DefaultThreshold = 0.7

// DefaultBareThreshold is the probability the model needs on a message
// that names no trouble in its own words and matches no pack pattern.
// Chosen like DefaultThreshold, by cross-validation on the training part:
// it halves the false alarms on small talk for a few points of recall.
const DefaultBareThreshold = 0.9

// PackVeto is the probability under which the model overrules a rule-pack
// match on a "both" route: the pack reads words, and a pack word in a
// joke, a plan or a solved problem is where it goes wrong; the model,
// which reads the pack's match as one of its features, still scores such
// messages low. Chosen by cross-validation on the training part.
const PackVeto = 0.4

// DefaultSmallTalkVeto is the small-talk model's probability (that a
// message is a report rather than small talk) under which a proposal is
// dropped, whether the model or the rule pack made it. Chosen by
// cross-validation on the training part (`intenttrain -cv -head
// greeting,thanks,chatter`): it removes about a third of the false alarms
// on the training part's small talk for 0.005 of recall (BENCHMARKS.md,
// "Deciding, session 21").
const DefaultSmallTalkVeto = 0.7

// detection is what the pack found in one message, computed once and
// shared by the keywords, the pack and the model.
type detection struct {
	t        *ntext
	scores   []catScore
	res      PackResult
	evidence []string
}

func (r *Route) usesModel() bool { return r.detector == DetectorModel || r.detector == DetectorBoth }

// detect decides on a message with the route's detector.
func (r *Route) detect(text string) Decision {
	norm := normalize(text)
	var det *detection
	if r.pack != nil || r.usesModel() {
		p := defaultPack()
		det = &detection{t: p.text(norm)}
		// The decision holds strings only, never the text's sets.
		defer p.release(det.t)
		det.scores = p.score(det.t)
		det.res = p.decide(det.t, det.scores)
	}
	if r.detector == DetectorModel {
		return r.model(text, det)
	}
	d := r.match(norm, det)
	if r.detector == DetectorBoth {
		switch {
		case d.Kind == KindNone && d.Reason == "no match":
			return r.model(text, det)
		case d.Kind == KindCreate && strings.HasPrefix(d.Rule, "pack:"):
			return r.confirm(text, det, d)
		}
	}
	return d
}

// confirm asks the model about a rule-pack match; the match stands unless
// the model is confident the message is not a problem.
func (r *Route) confirm(text string, det *detection, d Decision) Decision {
	p := defaultPack()
	det.evidence = p.evidence(det.t, det.scores, det.res, det.evidence)
	a := intent.Default().Assess(text, det.evidence...)
	d.Score = round2(a.P)
	switch {
	case a.P < PackVeto:
		d.Kind, d.Rule = KindNone, RuleModel
		d.Reason = fmt.Sprintf("%s, but model %.3f below %.2f", d.Reason, a.P, PackVeto)
	case a.Report < r.smallTalk:
		d.Kind, d.Rule = KindNone, RuleModel
		d.Reason = fmt.Sprintf("%s, but %s", d.Reason, smallTalkReason(a.Report, r.smallTalk))
	}
	d.unsure = r.judge && a.P >= PackVeto && r.nearSmallTalkVeto(a)
	return d
}

// smallTalkReason says why the small-talk model vetoed a proposal.
func smallTalkReason(h, veto float64) string {
	return fmt.Sprintf("%s: small-talk model %.3f below %.2f", GuardSmallTalk, h, veto)
}

// model asks the intent model, with the pack's findings as its evidence.
func (r *Route) model(text string, det *detection) Decision {
	p := defaultPack()
	det.evidence = p.evidence(det.t, det.scores, det.res, det.evidence)
	a := intent.Default().Assess(text, det.evidence...)
	prob := a.P
	d := Decision{Kind: KindNone, Rule: RuleModel, Score: round2(prob), Category: det.topCategory(p)}
	// A pack pattern that matched, even under the pack's own threshold,
	// counts as naming trouble.
	bare := !a.Trouble && d.Category == ""
	threshold := r.threshold
	if bare {
		threshold = r.bare
	}
	switch {
	case det.res.Guard != "":
		d.Reason = det.res.Guard
		return d
	case anyMatch(r.negation, det.t.s):
		d.Reason = GuardNegated
		return d
	case prob >= threshold && smallTalk(det.t.s):
		// Checked only when it would change the decision, to keep its
		// cost off the messages the model already leaves alone.
		d.Reason = GuardSmallTalk
		return d
	case prob >= threshold && a.Report < r.smallTalk:
		d.Reason = smallTalkReason(a.Report, r.smallTalk)
	case prob >= threshold:
		d.Kind = KindCreate
		d.Reason = fmt.Sprintf("model %.3f at or above %.2f", prob, threshold)
	case bare && prob >= r.threshold:
		d.Reason = fmt.Sprintf("model %.3f below %.2f for a message naming no trouble", prob, threshold)
	default:
		d.Reason = fmt.Sprintf("model %.3f below %.2f", prob, threshold)
	}
	d.unsure = r.judge && (math.Abs(prob-threshold) < r.band || prob >= threshold && r.nearSmallTalkVeto(a))
	return d
}

// nearSmallTalkVeto tells whether the small-talk model's score is within
// the judge band of its veto, on either side: it is not sure whether a
// message the main model proposes is small talk, so the route's judge is
// asked. The false alarms on small talk are messages the main model is
// sure of, which its own band never reaches (docs/detection.md).
func (r *Route) nearSmallTalkVeto(a intent.Assessment) bool {
	return math.Abs(a.Report-r.smallTalk) < r.band
}

// topCategory names the pack category the message leans to, even under
// the pack's own threshold, so that a model hit still maps to a category.
func (det *detection) topCategory(p *pack) string {
	if det.res.Category != "" {
		return det.res.Category
	}
	top := -1
	for i, s := range det.scores {
		if s.score > 0 && (top < 0 || s.score > det.scores[top].score) {
			top = i
		}
	}
	if top < 0 {
		return ""
	}
	return p.cats[top].name
}

func anyMatch(ms []matcher, norm string) bool {
	_, ok := firstMatch(ms, norm)
	return ok
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// detector compiles the trigger's detector, threshold and judge band.
func (c *compiler) detector(r *Route, t config.Trigger) {
	r.detector, r.threshold, r.band, r.bare = DetectorKeywords, DefaultThreshold, config.DefaultJudgeBand, DefaultBareThreshold
	switch t.Detector {
	case "", DetectorKeywords:
	case DetectorModel, DetectorBoth:
		r.detector = t.Detector
	default:
		c.fail("trigger.detector", fmt.Sprintf("unknown detector %q (want keywords, model or both)", t.Detector))
	}
	if t.Threshold < 0 || t.Threshold >= 1 {
		c.fail("trigger.threshold", fmt.Sprintf("must be between 0 and 1, got %g", t.Threshold))
	} else if t.Threshold > 0 {
		r.threshold = t.Threshold
	}
	switch {
	case t.BareThreshold < 0 || t.BareThreshold > 1:
		c.fail("trigger.bare_threshold", fmt.Sprintf("must be between 0 and 1, got %g", t.BareThreshold))
	case t.BareThreshold > 0:
		r.bare = t.BareThreshold
	}
	r.bare = max(r.bare, r.threshold)
	r.smallTalk = DefaultSmallTalkVeto
	switch {
	case t.SmallTalkVeto < 0 || t.SmallTalkVeto >= 1:
		c.fail("trigger.small_talk_veto", fmt.Sprintf("must be between 0 and 1, got %g", t.SmallTalkVeto))
	case t.SmallTalkVeto > 0:
		r.smallTalk = t.SmallTalkVeto
	}
	if t.Judge != nil {
		r.judge = r.usesModel()
		if t.Judge.Band > 0 {
			r.band = t.Judge.Band
		}
	}
}

// packText is the pack's view of the text: the detection's when there is
// one, else made now.
func packText(norm string, det *detection) *ntext {
	if det != nil {
		return det.t
	}
	return defaultPack().text(norm)
}
