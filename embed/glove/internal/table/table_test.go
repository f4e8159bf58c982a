package table

import (
	"math"
	"strings"
	"testing"
)

func sample(quant int) *Table {
	words := []string{"alpha", "beta", "well-known", "x2"}
	vecs := [][]float64{{1, -2, 3}, {0.5, 0.25, -0.125}, {0, 0, 0}, {-1e-3, 2e-3, 7}}
	t := &Table{
		Model: "test-v1", Source: "unit test", RefMethod: "given", Dims: 3, Quant: quant,
		ZipfN: 10, A: 1e-3, RefFrac: 0.5, Ref: []float32{0.6, 0.8, 0},
		Ranks: []uint32{1, 2, 5, 10}, Words: words,
	}
	var data []byte
	for _, v := range vecs {
		if quant == QuantInt8 {
			row := make([]byte, 3)
			t.Scales = append(t.Scales, QuantizeInt8(v, row))
			data = append(data, row...)
		} else {
			for _, x := range v {
				h := F32ToF16(float32(x))
				data = append(data, byte(h), byte(h>>8))
			}
		}
	}
	t.Data = string(data)
	return t
}

func TestRoundTrip(t *testing.T) {
	for _, q := range []int{QuantInt8, QuantFloat16} {
		in := sample(q)
		b, err := Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Decode(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if out.Model != in.Model || out.Source != in.Source || out.RefMethod != in.RefMethod ||
			out.Dims != 3 || out.Quant != q || out.ZipfN != 10 || out.A != in.A || out.RefFrac != in.RefFrac ||
			strings.Join(out.Words, ",") != strings.Join(in.Words, ",") || out.Data != in.Data {
			t.Fatalf("quant %d: decoded %+v", q, out)
		}
		for i := range in.Ranks {
			if out.Ranks[i] != in.Ranks[i] {
				t.Errorf("rank %d: %d, want %d", i, out.Ranks[i], in.Ranks[i])
			}
		}
		v := make([]float64, 3)
		out.Vector(3, v)
		if math.Abs(v[2]-7) > 0.03 {
			t.Errorf("quant %d: vector 3 = %v", q, v)
		}
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	b, err := Encode(sample(QuantInt8))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for name, d := range map[string]string{
		"empty":     "",
		"magic":     "XLOVESIF" + s[8:],
		"truncated": s[:len(s)-10],
		"bit flip":  s[:40] + string(s[40]^0x10) + s[41:],
		"extra":     s + "x",
	} {
		if _, err := Decode(d); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEncodeValidates(t *testing.T) {
	bad := sample(QuantInt8)
	bad.Ranks = []uint32{1, 3, 2, 4}
	if _, err := Encode(bad); err == nil {
		t.Error("non-increasing ranks accepted")
	}
	bad = sample(QuantInt8)
	bad.RefFrac = 1.5
	if _, err := Encode(bad); err == nil {
		t.Error("reference fraction 1.5 accepted")
	}
}

func TestFloat16(t *testing.T) {
	for _, f := range []float32{0, 1, -2.5, 0.1, 65504, 6.1035156e-05, 5.9604645e-08, 1e-3} {
		back := F16ToF32(F32ToF16(f))
		if d := math.Abs(float64(back - f)); d > math.Abs(float64(f))*1e-3+6e-8 {
			t.Errorf("%v → %v", f, back)
		}
	}
	if h := F32ToF16(1e6); h != 0x7c00 {
		t.Errorf("overflow → %#x, want +Inf", h)
	}
	if !math.IsNaN(float64(F16ToF32(F32ToF16(float32(math.NaN()))))) {
		t.Error("NaN not preserved")
	}
	for h := range uint32(1 << 16) { // every finite half survives a round trip
		f := F16ToF32(uint16(h))
		if !math.IsNaN(float64(f)) && F32ToF16(f) != uint16(h) {
			t.Fatalf("%#x → %v → %#x", h, f, F32ToF16(f))
		}
	}
}

func TestQuantizeInt8(t *testing.T) {
	v := []float64{0.3, -1.27, 0.001, 1.0}
	row := make([]byte, len(v))
	s := QuantizeInt8(v, row)
	for j, x := range v {
		if d := math.Abs(float64(int8(row[j]))*float64(s) - x); d > float64(s)/2+1e-9 {
			t.Errorf("component %d: error %v above half a step", j, d)
		}
	}
	if QuantizeInt8([]float64{0, 0}, row[:2]) != 0 || row[0] != 0 {
		t.Error("zero vector")
	}
}

func TestWeight(t *testing.T) {
	if w := Weight(1, 1e-3, 341479); w > 0.02 {
		t.Errorf("weight of rank 1 = %v", w)
	}
	if w := Weight(100000, 1e-3, 341479); w < 0.99 {
		t.Errorf("weight of rank 100000 = %v", w)
	}
}

func TestReferenceIsUnitAndAlignedWithMean(t *testing.T) {
	tb := sample(QuantFloat16)
	for _, l := range []float64{0, 1, 10} {
		r, err := Reference(tb, tb.A, l)
		if err != nil {
			t.Fatal(err)
		}
		n, d := 0.0, 0.0
		v := make([]float64, 3)
		for i := range tb.Words {
			tb.Vector(i, v)
			w := Weight(int(tb.Ranks[i]), tb.A, tb.ZipfN) / float64(tb.Ranks[i])
			for j := range v {
				d += w * v[j] * float64(r[j])
			}
		}
		for _, x := range r {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-6 || d < 0 {
			t.Errorf("L=%g: norm² %v, dot with mean %v", l, n, d)
		}
	}
}
