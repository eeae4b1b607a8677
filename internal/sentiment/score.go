package sentiment

import "math"

// Scoring constants. They are tuned on testdata/sentiment.jsonl; change
// them together with the exact-score tests.
const (
	// negationWindow is how many tokens before a term a negator or an
	// intensifier may stand ("not very good": two).
	negationWindow = 3
	// A negated positive term turns negative ("not happy"); a negated
	// negative term turns only mildly positive ("not bad", "没有问题").
	negatedPositive = -0.8
	negatedNegative = -0.5
	capsBoost       = 1.5
	// Each "!" closing a clause adds exclBoost, up to maxExcl of them.
	exclBoost = 0.2
	maxExcl   = 3
	// The clause after the last "but" counts afterBut, everything before
	// it beforeBut.
	beforeBut = 0.5
	afterBut  = 1.5
	// alpha normalises the sum: score = sum / sqrt(sum² + alpha).
	alpha = 1.0
)

// Score scores text. It reads no clock and no state but the lexicon.
func (l *Lexicon) Score(text string) Result {
	toks, excl := l.tokens(text)
	contrast := -1
	for i, t := range toks {
		if t.e.kind&kindContrast != 0 {
			contrast = i
		}
	}
	// A token that is both a sentiment word and an intensifier (好, super)
	// intensifies when a sentiment word follows it in the same clause.
	intensifies := make([]bool, len(toks))
	for i, t := range toks {
		if t.e.kind&kindIntensifier == 0 {
			continue
		}
		intensifies[i] = t.e.kind&kindTerm == 0 ||
			i+1 < len(toks) && toks[i+1].clause == t.clause && toks[i+1].e.kind&kindTerm != 0
	}

	var res Result
	sum := 0.0
	for i, t := range toks {
		if t.e.kind&kindTerm == 0 || intensifies[i] {
			continue
		}
		h := Hit{Term: t.text, Weight: t.e.weight, Intensity: 1}
		negators := 0
		for j := i - 1; j >= 0 && j >= i-negationWindow; j-- {
			p := toks[j]
			if p.clause != t.clause || p.e.kind&kindContrast != 0 || p.e.kind&kindTerm != 0 && !intensifies[j] {
				break
			}
			if p.e.kind&kindNegator != 0 {
				negators++
			}
			if intensifies[j] {
				h.Intensity *= p.e.boost
			}
		}
		if t.caps {
			h.Intensity *= capsBoost
		}
		h.Intensity *= 1 + exclBoost*float64(min(excl[t.clause], maxExcl))
		switch {
		case contrast < 0:
		case i < contrast:
			h.Intensity *= beforeBut
		default:
			h.Intensity *= afterBut
		}
		v := h.Weight * h.Intensity
		if negators%2 == 1 {
			h.Negated = true
			if v > 0 {
				v *= negatedPositive
			} else {
				v *= negatedNegative
			}
		}
		sum += v
		res.Hits = append(res.Hits, h)
	}
	res.Score = sum / math.Sqrt(sum*sum+alpha)
	res.Negative = res.Score <= l.threshold
	return res
}
