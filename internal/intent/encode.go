package intent

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The file format: "TBIM", a version byte, the bias as a float32, the
// scale of the weights as a float32, then Dims weights quantized to int16
// (weight = q × scale), all little-endian. Version 2 adds the hidden
// layer: the number of units (uint16), a flags byte (1: the layer sees
// the concepts only), the scale of the feature vectors (float32), Dims × units vector numbers as int16, then the units' biases
// and output weights as float32. A linear model is written as version 1,
// so its file is the same as before the hidden layer existed.
const (
	magic         = "TBIM"
	versionLinear = 1
	versionHidden = 2

	flagConceptsOnly = 1
)

// Encode writes the model in the embedded file format.
func (m *Model) Encode() []byte {
	v := byte(versionLinear)
	if m.deep != nil {
		v = versionHidden
	}
	b := append([]byte(magic), v)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m.bias))
	b = appendQuantized(b, m.weights)
	if m.deep == nil {
		return b
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(m.deep.units))
	var flags byte
	if m.deep.conceptsOnly {
		flags |= flagConceptsOnly
	}
	b = append(b, flags)
	b = appendQuantized(b, m.deep.emb)
	for _, x := range [][]float32{m.deep.b1, m.deep.out} {
		for _, f := range x {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	}
	return b
}

// appendQuantized appends the scale of xs (float32) and xs as int16
// multiples of it.
func appendQuantized(b []byte, xs []float32) []byte {
	var maxAbs float32
	for _, x := range xs {
		maxAbs = max(maxAbs, float32(math.Abs(float64(x))))
	}
	scale := maxAbs / math.MaxInt16
	if scale == 0 {
		scale = 1
	}
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(scale))
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(math.Round(float64(x/scale)))))
	}
	return b
}

// decoder reads the file front to back; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = fmt.Errorf("model file truncated: %d bytes left, want %d", len(d.b), n)
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) float32() float32 {
	p := d.take(4)
	if p == nil {
		return 0
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(p))
}

func (d *decoder) quantized(n int) []float32 {
	scale := d.float32()
	p := d.take(2 * n)
	if p == nil {
		return nil
	}
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = float32(int16(binary.LittleEndian.Uint16(p[2*i:]))) * scale
	}
	return xs
}

// maxUnits bounds the hidden layer a file may declare, so that a corrupt
// file cannot ask for gigabytes.
const maxUnits = 256

// Decode reads a model written by Encode.
func Decode(b []byte) (*Model, error) {
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != magic {
		return nil, errors.New("not a model file")
	}
	v := b[len(magic)]
	if v != versionLinear && v != versionHidden {
		return nil, fmt.Errorf("model version %d, want %d or %d", v, versionLinear, versionHidden)
	}
	d := &decoder{b: b[len(magic)+1:]}
	bias := d.float32()
	m := newModel(bias, d.quantized(Dims))
	if v == versionHidden {
		var units int
		if p := d.take(2); p != nil {
			units = int(binary.LittleEndian.Uint16(p))
		}
		if d.err == nil && (units == 0 || units > maxUnits) {
			return nil, fmt.Errorf("model has %d hidden units, want 1 to %d", units, maxUnits)
		}
		var flags byte
		if p := d.take(1); p != nil {
			flags = p[0]
		}
		if flags&^flagConceptsOnly != 0 {
			return nil, fmt.Errorf("model has unknown hidden-layer flags %#x", flags)
		}
		h := &hidden{units: units, conceptsOnly: flags&flagConceptsOnly != 0, emb: d.quantized(Dims * units), b1: make([]float32, units), out: make([]float32, units)}
		for _, x := range [][]float32{h.b1, h.out} {
			for i := range x {
				x[i] = d.float32()
			}
		}
		m.deep = h
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("model file has %d bytes after its end", len(d.b))
	}
	return m, nil
}
