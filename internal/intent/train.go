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
	return o
}

// Train fits a logistic regression by stochastic gradient descent with
// AdaGrad step sizes. Classes are weighted to count equally whatever
// their sizes. The result depends only on the examples and the options.
func Train(examples []Example, opt TrainOptions) *Model {
	opt = opt.withDefaults()
	type row struct {
		fs    []uint32
		y     float64
		scale float64
		cw    float64
	}
	var pos int
	for _, e := range examples {
		if e.Problem {
			pos++
		}
	}
	rows := make([]row, len(examples))
	for i, e := range examples {
		f := &scratch{}
		fs := append([]uint32(nil), features(e.Text, e.Evidence, f)...)
		r := row{fs: fs, scale: 1}
		if len(fs) > 0 {
			r.scale = 1 / math.Sqrt(float64(len(fs)))
		}
		if e.Problem {
			r.y, r.cw = 1, float64(len(examples))/(2*float64(max(pos, 1)))
		} else {
			r.cw = float64(len(examples)) / (2 * float64(max(len(examples)-pos, 1)))
		}
		rows[i] = r
	}
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
