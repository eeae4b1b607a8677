package intent

// The hidden layer: an optional non-linear part beside the linear one
// (a "wide and deep" model). Every hashed feature has a vector of `units`
// numbers; a message's vectors are summed (scaled by 1/√n like the linear
// weights), passed through ReLU and weighed into the score. The linear
// part sees each feature on its own; the hidden units can learn
// combinations ("refund" with "arrived", not "refund" alone) that a sum of
// single weights cannot.
type hidden struct {
	units int
	// conceptsOnly: the layer sees only the message's length, concepts
	// and evidence (TrainOptions.ConceptsOnly).
	conceptsOnly bool
	emb          []float32 // Dims rows of units numbers: a feature's vector
	b1           []float32 // units biases
	out          []float32 // units output weights
}

// score returns the hidden layer's part of the score for the buckets fs,
// scaled by scale, using acc (units long) as scratch.
func (h *hidden) score(fs []uint32, scale float32, acc []float32) float64 {
	clear(acc)
	for _, f := range fs {
		row := h.emb[int(f)*h.units : int(f+1)*h.units]
		for j, e := range row {
			acc[j] += e
		}
	}
	var z float32
	for j, a := range acc {
		if a = h.b1[j] + a*scale; a > 0 {
			z += a * h.out[j]
		}
	}
	return float64(z)
}
