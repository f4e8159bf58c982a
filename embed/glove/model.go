package glove

import (
	"fmt"
	"math"

	"github.com/mcp-memory-go/memory/embed/glove/internal/table"
)

// model is a loaded table: the word index, the per-word coefficients (SIF
// weight times quantisation scale) and the quantised vectors, which stay in
// the embedded string and are never copied.
type model struct {
	index      map[string]int32
	coef       []float32
	data       string
	quant      int
	f16        []float32    // half → float32 lookup, QuantFloat16 only
	ref        [Dim]float32 // unit common-component direction
	refFrac    float32      // fraction of the projection on ref to remove; 0 = none
	fold       map[rune]string
	tableBytes int
}

func newModel(data, name string, o options) (*model, error) {
	t, err := table.Decode(data)
	if err != nil {
		return nil, err
	}
	if t.Dims != Dim {
		return nil, fmt.Errorf("table has %d dimensions, want %d", t.Dims, Dim)
	}
	if o.checkName && t.Model != name {
		return nil, fmt.Errorf("table is model %q, want %q", t.Model, name)
	}
	a := t.A
	if o.a > 0 {
		a = o.a
	}
	m := &model{
		index:      make(map[string]int32, len(t.Words)),
		coef:       make([]float32, len(t.Words)),
		data:       t.Data,
		quant:      t.Quant,
		fold:       newFoldMap(),
		tableBytes: len(data),
	}
	for i, w := range t.Words {
		if len(w) > maxToken {
			return nil, fmt.Errorf("word %d is %d bytes, longer than %d", i, len(w), maxToken)
		}
		if _, dup := m.index[w]; dup {
			return nil, fmt.Errorf("word %q appears twice", w)
		}
		m.index[w] = int32(i)
		c := table.Weight(int(t.Ranks[i]), a, t.ZipfN)
		if t.Quant == table.QuantInt8 {
			c *= float64(t.Scales[i])
		}
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, fmt.Errorf("word %q has coefficient %v", w, c)
		}
		m.coef[i] = float32(c)
	}
	if t.Quant == table.QuantFloat16 {
		m.f16 = make([]float32, 1<<16)
		for h := range m.f16 {
			m.f16[h] = table.F16ToF32(uint16(h))
		}
	}
	ref, frac := t.Ref, t.RefFrac
	if o.ref != nil {
		ref = o.ref
	}
	if o.refFrac > 0 {
		frac = o.refFrac
	}
	if !o.noRef && frac > 0 {
		if len(ref) != Dim {
			return nil, fmt.Errorf("reference direction has %d dimensions, want %d", len(ref), Dim)
		}
		n := 0.0
		for j, x := range ref {
			m.ref[j] = x
			n += float64(x) * float64(x)
		}
		switch {
		case n == 0: // the table stores no direction
		case !(math.Abs(n-1) <= 1e-3): // also NaN
			return nil, fmt.Errorf("reference direction has norm %.4f, want 1", math.Sqrt(n))
		default:
			m.refFrac = float32(frac)
		}
	}
	return m, nil
}

// add accumulates the weighted vector of word i into acc.
func (m *model) add(acc *[Dim]float32, i int32) {
	c := m.coef[i]
	if m.quant == table.QuantInt8 {
		off := int(i) * Dim
		row := m.data[off : off+Dim]
		_ = row[Dim-1]
		for j := range acc {
			acc[j] += c * float32(int8(row[j]))
		}
		return
	}
	off := int(i) * Dim * 2
	row := m.data[off : off+2*Dim]
	_ = row[2*Dim-1]
	for j := range acc {
		acc[j] += c * m.f16[uint16(row[2*j])|uint16(row[2*j+1])<<8]
	}
}

// embed writes the vector of text into out (len Dim) and returns the number
// of tokens and of out-of-vocabulary tokens.
func (m *model) embed(text string, out []float32) (tokens, oov int) {
	s := sentence{m: m}
	s.scan(text)
	m.finish(&s.acc, s.found, out)
	return s.tokens, s.oov
}

// raw writes the SIF weighted mean of text's word vectors (the weighted sum
// divided by the number of in-vocabulary tokens), before the common
// component is removed and before normalisation, into out.
func (m *model) raw(text string, out []float32) {
	s := sentence{m: m}
	s.scan(text)
	for j := range out[:Dim] {
		if s.found > 0 {
			out[j] = s.acc[j] / float32(s.found)
		} else {
			out[j] = 0
		}
	}
}

// finish removes the table's fraction of acc's projection on the reference
// direction and L2-normalises acc into out. A
// sentence with no known word, or whose vector vanishes after removal, gets
// the zero vector.
func (m *model) finish(acc *[Dim]float32, found int, out []float32) {
	out = out[:Dim]
	if found == 0 {
		clear(out)
		return
	}
	before := norm(acc)
	if m.refFrac > 0 {
		d := float32(0)
		for j := range acc {
			d += acc[j] * m.ref[j]
		}
		d *= m.refFrac
		for j := range acc {
			acc[j] -= d * m.ref[j]
		}
	}
	n := norm(acc)
	if !(n > 1e-6*before) || math.IsInf(n, 0) {
		clear(out)
		return
	}
	inv := 1 / n
	for j := range out {
		out[j] = float32(float64(acc[j]) * inv)
	}
}

func norm(v *[Dim]float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}
