// Package intent scores how likely a chat message reports a problem that
// needs a ticket. It is a logistic regression over hashed word,
// character and word-piece features (features.go), trained from the
// training part of the corpus in eval/intent by `go generate` and
// embedded in the binary: scoring needs no network and no file. A hidden
// layer can be trained beside the linear weights (TrainOptions.Hidden,
// hidden.go); it was measured in session 7 and the embedded model has
// none (docs/detection.md).
//
// The model only scores. internal/rules decides, combining the score with
// its keyword and rule-pack guards.
package intent

//go:generate go run ./intenttrain -corpus ../../eval/intent/train.jsonl -out model.bin
//go:generate go run ./intenttrain -corpus ../../eval/intent/train.jsonl -against greeting,thanks,chatter -out smalltalk.bin

import (
	_ "embed"
	"math"
	"sync"
)

//go:embed model.bin
var embedded []byte

//go:embed smalltalk.bin
var embeddedSmallTalk []byte

// Model is a trained classifier. It is immutable and safe for concurrent
// use.
type Model struct {
	bias    float32
	weights []float32 // Dims of them
	deep    *hidden   // nil: the model is linear
	// smallTalk, when set, is scored on the same features
	// (Assessment.Report).
	smallTalk *Model
	pool      sync.Pool
}

// Default returns the embedded model, with the embedded small-talk
// model scored beside it (Assessment.Report); they are decoded once.
var Default = sync.OnceValue(func() *Model {
	m, err := Decode(embedded)
	if err != nil {
		// The embedded file is built and tested with the package: a
		// broken one is a build defect, not a run-time condition.
		panic("intent: embedded model: " + err.Error())
	}
	m.smallTalk = SmallTalk()
	return m
})

// SmallTalk returns the embedded small-talk model: the same features,
// trained on the problems against only the greetings, thanks and small
// talk of the corpus. The main model must also keep solved, negated and
// harmless problems under its threshold, and its weights for words such
// as "still", "never" or "changed" are the compromise of all of them;
// this one only tells a report from small talk, so it scores "still
// playing every night" or "nothing has changed on my side" lower.
// internal/rules uses it, through Default's Assessment.Report, to veto
// proposals.
var SmallTalk = sync.OnceValue(func() *Model {
	m, err := Decode(embeddedSmallTalk)
	if err != nil {
		panic("intent: embedded small-talk model: " + err.Error())
	}
	return m
})

func newModel(bias float32, w []float32) *Model {
	m := &Model{bias: bias, weights: w}
	m.pool.New = func() any {
		f := &scratch{}
		if m.deep != nil {
			f.acc = make([]float32, m.deep.units)
		}
		return f
	}
	return m
}

// Score returns the probability (0–1) that text reports a problem.
// Evidence names facts found by other means (the rule pack's matches and
// guards); they are features like the text's own.
func (m *Model) Score(text string, evidence ...string) float64 {
	return m.Assess(text, evidence...).P
}

// Assessment is the model's view of one message.
type Assessment struct {
	// P is the probability (0–1) that the message reports a problem.
	P float64
	// Trouble says the message names trouble in its own words: a fault,
	// something missing (including "still waiting", "还在等"), money,
	// anger, a negation or a request. A repetition alone ("still the
	// best", "又下雪了") is not trouble. Messages without any are mostly
	// small talk, and a high P on one is more often the model over-reading
	// a word ("minutes", "stream") than a problem.
	Trouble bool
	// Report is the small-talk model's probability that the message is
	// a report rather than small talk (1 for a model without one).
	Report float64
}

// Assess scores text like Score and says whether it names trouble.
func (m *Model) Assess(text string, evidence ...string) Assessment {
	f := m.pool.Get().(*scratch)
	fs := features(text, evidence, f)
	z := m.dot(fs)
	if m.deep != nil {
		hfs := fs
		if m.deep.conceptsOnly {
			hfs = f.conceptsOnly()
		}
		if len(hfs) > 0 {
			z += m.deep.score(hfs, float32(1/math.Sqrt(float64(len(hfs)))), f.acc)
		}
	}
	a := Assessment{P: 1 / (1 + math.Exp(-z)), Trouble: f.trouble, Report: 1}
	if m.smallTalk != nil {
		// The same features: the small-talk model is linear and
		// trained by the same code.
		a.Report = 1 / (1 + math.Exp(-m.smallTalk.dot(fs)))
	}
	m.pool.Put(f)
	return a
}

// dot is the model's linear score; features are scaled by 1/√n so that
// long messages do not win by length alone.
func (m *Model) dot(fs []uint32) float64 {
	if len(fs) == 0 {
		return float64(m.bias)
	}
	var s float32
	for _, i := range fs {
		s += m.weights[i]
	}
	return float64(m.bias) + float64(s)/math.Sqrt(float64(len(fs)))
}
