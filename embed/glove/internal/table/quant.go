package table

import "math"

// QuantizeInt8 writes vec as int8 components into dst (len(vec) bytes) and
// returns the scale: component j is approximately int8(dst[j])·scale. The
// scale maps the largest magnitude to 127; rounding is half away from zero.
func QuantizeInt8(vec []float64, dst []byte) float32 {
	maxAbs := 0.0
	for _, x := range vec {
		maxAbs = math.Max(maxAbs, math.Abs(x))
	}
	scale := float32(maxAbs / 127)
	for j, x := range vec {
		q := 0.0
		if scale > 0 {
			q = math.Round(x / float64(scale))
		}
		q = math.Max(-127, math.Min(127, q))
		dst[j] = byte(int8(q))
	}
	return scale
}

// F32ToF16 converts f to IEEE 754 half precision, rounding to nearest even.
// Values beyond the half range become ±Inf; NaN stays NaN.
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127+15 >= 0x1f: // overflow
		return sign | 0x7c00
	case exp-127+15 <= 0: // subnormal half or zero
		e := exp - 127 + 15
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		half := uint32(1) << (shift - 1)
		r := m >> shift
		rem := m & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	default:
		e := uint16(exp - 127 + 15)
		r := uint16(mant >> 13)
		rem := mant & 0x1fff
		h := sign | e<<10 | r
		if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
			h++ // may carry into the exponent, which is still correct
		}
		return h
	}
}

// F16ToF32 converts an IEEE 754 half-precision value to float32 exactly.
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		f := float32(mant) / (1 << 24) // subnormal: mant · 2^-24
		if sign != 0 {
			f = -f
		}
		return f
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}
