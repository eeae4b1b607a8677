package intent

import (
	"math"
	"math/rand/v2"
)

// trainHidden fits the linear weights and a hidden layer of opt.Hidden
// ReLU units together, by the same AdaGrad SGD as Train (one step size
// per parameter, which suits sparse rows: a rare feature's vector moves
// as fast as a common one's did at first). Initial vectors are small and
// drawn from opt.Seed, so the result depends only on the examples and
// the options.
func trainHidden(rows []trainRow, opt TrainOptions) *Model {
	u := opt.Hidden
	rng := rand.New(rand.NewPCG(opt.Seed, 1))
	w := make([]float64, Dims)
	g2 := make([]float64, Dims)
	emb := make([]float64, Dims*u)
	embG2 := make([]float64, Dims*u)
	b1 := make([]float64, u)
	b1G2 := make([]float64, u)
	out := make([]float64, u)
	outG2 := make([]float64, u)
	for i := range emb {
		emb[i] = (rng.Float64()*2 - 1) * opt.Init
	}
	for j := range out {
		out[j] = (rng.Float64()*2 - 1) / math.Sqrt(float64(u))
	}
	var bias, biasG2 float64
	a := make([]float64, u)
	d := make([]float64, u)
	keep := make([]bool, 0, 256)
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	step := func(x, g float64, g2 *float64, rate float64) float64 {
		*g2 += g * g
		return x - rate*g/math.Sqrt(*g2+1e-8)
	}
	// With opt.Adam the hidden layer moves by Adam instead (lazily: a
	// feature's vector only when the feature occurs), the linear weights
	// still by AdaGrad.
	var embM, b1M, outM []float64
	var t int
	const beta1, beta2 = 0.9, 0.999
	if opt.Adam {
		embM, b1M, outM = make([]float64, Dims*u), make([]float64, u), make([]float64, u)
	}
	var c1, c2 float64 // Adam's bias corrections at step t
	adam := func(x, g float64, m, v *float64, rate float64) float64 {
		*m = beta1**m + (1-beta1)*g
		*v = beta2**v + (1-beta2)*g*g
		return x - rate*(*m/c1)/(math.Sqrt(*v/c2)+1e-8)
	}
	upd := func(x, g float64, v *float64, ms []float64, i int, rate float64) float64 {
		if ms == nil {
			return step(x, g, v, rate)
		}
		return adam(x, g, &ms[i], v, rate)
	}
	for range opt.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			t++
			if opt.Adam {
				c1, c2 = 1-math.Pow(beta1, float64(t)), 1-math.Pow(beta2, float64(t))
			}
			r := rows[k]
			z := bias
			clear(a)
			keep = keep[:0]
			kept := 0
			for _, i := range r.fs {
				z += w[i] * r.scale
			}
			for _, i := range r.hfs {
				k := opt.Dropout == 0 || rng.Float64() >= opt.Dropout
				keep = append(keep, k)
				if !k {
					continue
				}
				kept++
				row := emb[int(i)*u : int(i+1)*u]
				for j, e := range row {
					a[j] += e
				}
			}
			// The kept features' sum is scaled as if all were there, so
			// that scoring, which keeps every feature, sees the same size.
			hs := r.hscale
			if kept > 0 {
				hs *= float64(len(r.hfs)) / float64(kept)
			}
			for j := range a {
				a[j] = b1[j] + a[j]*hs
				if a[j] > 0 {
					z += a[j] * out[j]
				}
			}
			p := 1 / (1 + math.Exp(-z))
			g := (p - r.y) * r.cw
			// Back through the output weights to each unit's sum: d is
			// the gradient of the loss with respect to a unit's input.
			for j := range a {
				d[j] = 0
				if a[j] > 0 {
					d[j] = g * out[j]
					out[j] = upd(out[j], g*a[j]+opt.L2*out[j], &outG2[j], outM, j, opt.HiddenRate)
				}
				b1[j] = upd(b1[j], d[j], &b1G2[j], b1M, j, opt.HiddenRate)
			}
			if !opt.NoWide {
				for _, i := range r.fs {
					w[i] = step(w[i], g*r.scale+opt.L2*w[i], &g2[i], opt.Rate)
				}
			}
			for n, i := range r.hfs {
				if !keep[n] {
					continue
				}
				base := int(i) * u
				for j := range u {
					if d[j] != 0 {
						emb[base+j] = upd(emb[base+j], d[j]*hs+opt.L2*emb[base+j], &embG2[base+j], embM, base+j, opt.HiddenRate)
					}
				}
			}
			bias = step(bias, g, &biasG2, opt.Rate)
		}
	}
	m := newModel(float32(bias), toFloat32(w))
	m.deep = &hidden{units: u, conceptsOnly: opt.ConceptsOnly, emb: toFloat32(emb), b1: toFloat32(b1), out: toFloat32(out)}
	return m
}

func toFloat32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}
