package intent

import (
	"math"
	"math/rand/v2"
)

// Example is one labelled message.
type Example struct {
	Text     string
	Evidence []string
	Problem  bool
}

// TrainOptions tune training; the zero value gives the settings the
// embedded model is trained with.
type TrainOptions struct {
	Epochs int     // passes over the data, default 40
	Rate   float64 // AdaGrad base learning rate, default 0.5
	L2     float64 // weight decay per update, default 1e-5
	Seed   uint64  // shuffling seed, default 15
	// Hidden is the number of hidden units; 0 trains the linear model.
	Hidden     int
	HiddenRate float64 // AdaGrad base rate of the hidden layer, default 0.05
	Init       float64 // initial feature vectors are uniform in ±Init, default 0.1
	NoWide     bool    // with Hidden, train the hidden layer alone (no linear weights)
	// Dropout is the probability with which each feature of an example
	// is left out of the hidden layer's sum at each training step, so
	// that no unit leans on one feature; 0 keeps them all.
	Dropout float64
	// Adam moves the hidden layer by Adam (rate HiddenRate) instead of
	// AdaGrad.
	Adam bool
	// ConceptsOnly feeds the hidden layer only the message's length,
	// concepts and evidence, not its words.
	ConceptsOnly bool
}

func (o TrainOptions) withDefaults() TrainOptions {
	if o.Epochs == 0 {
		o.Epochs = 40
	}
	if o.Rate == 0 {
		o.Rate = 0.5
	}
	if o.L2 == 0 {
		o.L2 = 1e-5
	}
	if o.Seed == 0 {
		o.Seed = 15
	}
	if o.HiddenRate == 0 {
		o.HiddenRate = 0.05
	}
	if o.Init == 0 {
		o.Init = 0.1
	}
	return o
}

// Train fits a logistic regression by stochastic gradient descent with
// AdaGrad step sizes, or with opt.Hidden a model with a hidden layer
// beside it (trainHidden). Classes are weighted to count equally whatever
// their sizes. The result depends only on the examples and the options.
func Train(examples []Example, opt TrainOptions) *Model {
	opt = opt.withDefaults()
	rows := trainRows(examples, opt.ConceptsOnly)
	if opt.Hidden > 0 {
		return trainHidden(rows, opt)
	}
	return trainLinear(rows, opt)
}

// trainRow is one example as the trainers see it: its buckets, its label,
// its 1/√n feature scale and its class weight.
type trainRow struct {
	fs    []uint32
	y     float64
	scale float64
	cw    float64
	// hfs are the buckets the hidden layer sees (fs, or the concepts
	// only), hscale their 1/√n.
	hfs    []uint32
	hscale float64
}

// trainRows hashes the examples' features and weighs the classes to count
// equally.
func trainRows(examples []Example, conceptsOnly bool) []trainRow {
	var pos int
	for _, e := range examples {
		if e.Problem {
			pos++
		}
	}
	rows := make([]trainRow, len(examples))
	for i, e := range examples {
		f := &scratch{}
		fs := append([]uint32(nil), features(e.Text, e.Evidence, f)...)
		r := trainRow{fs: fs, scale: 1, hfs: fs}
		if len(fs) > 0 {
			r.scale = 1 / math.Sqrt(float64(len(fs)))
		}
		if conceptsOnly {
			r.hfs = append([]uint32(nil), f.conceptsOnly()...)
		}
		r.hscale = 1
		if len(r.hfs) > 0 {
			r.hscale = 1 / math.Sqrt(float64(len(r.hfs)))
		}
		if e.Problem {
			r.y, r.cw = 1, float64(len(examples))/(2*float64(max(pos, 1)))
		} else {
			r.cw = float64(len(examples)) / (2 * float64(max(len(examples)-pos, 1)))
		}
		rows[i] = r
	}
	return rows
}

func trainLinear(rows []trainRow, opt TrainOptions) *Model {
	w := make([]float64, Dims)
	g2 := make([]float64, Dims)
	var bias, biasG2 float64
	rng := rand.New(rand.NewPCG(opt.Seed, 0))
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	for range opt.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			r := rows[k]
			z := bias
			for _, i := range r.fs {
				z += w[i] * r.scale
			}
			p := 1 / (1 + math.Exp(-z))
			g := (p - r.y) * r.cw
			for _, i := range r.fs {
				gi := g*r.scale + opt.L2*w[i]
				g2[i] += gi * gi
				w[i] -= opt.Rate * gi / math.Sqrt(g2[i]+1e-8)
			}
			biasG2 += g * g
			bias -= opt.Rate * g / math.Sqrt(biasG2+1e-8)
		}
	}
	w32 := make([]float32, Dims)
	for i, x := range w {
		w32[i] = float32(x)
	}
	return newModel(float32(bias), w32)
}
