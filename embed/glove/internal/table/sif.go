package table

import (
	"fmt"
	"math"
)

// Reference computes the fixed common-component direction of a table: the
// first uncentred principal component of SIF sentence vectors made of
// sentLen words drawn independently from the Zipf distribution of the
// table's own words (probability ∝ 1/rank).
//
// It is computed in closed form, not by sampling, so it is exact and
// deterministic. For a sentence s = (1/L)·Σ w_k·v_k of L independent words,
//
//	E[s sᵀ] = (1/L)·Σ π_i w_i² v_i v_iᵀ + (1 − 1/L)·μ μᵀ,   μ = Σ π_i w_i v_i,
//
// with w_i the SIF weight (Weight with parameter a). sentLen ≤ 0 stands for
// L → ∞, where the component is the direction of μ. The result is a unit
// vector whose sign makes its dot product with μ non-negative.
func Reference(t *Table, a, sentLen float64) ([]float32, error) {
	d, k := t.Dims, len(t.Words)
	if k == 0 {
		return nil, fmt.Errorf("reference direction: empty table")
	}
	z := 0.0
	for _, r := range t.Ranks {
		z += 1 / float64(r)
	}
	mu := make([]float64, d)
	m2 := make([]float64, d*d)
	v := make([]float64, d)
	for i, r := range t.Ranks {
		t.Vector(i, v)
		pi := 1 / float64(r) / z
		w := Weight(int(r), a, t.ZipfN)
		for j := range v {
			mu[j] += pi * w * v[j]
		}
		if sentLen > 0 {
			c := pi * w * w
			for j := range d {
				cj := c * v[j]
				row := m2[j*d : (j+1)*d]
				for l := range row {
					row[l] += cj * v[l]
				}
			}
		}
	}
	var dir []float64
	if sentLen <= 0 {
		dir = append([]float64(nil), mu...)
	} else {
		c := make([]float64, d*d)
		for j := range d {
			for l := range d {
				c[j*d+l] = m2[j*d+l]/sentLen + (1-1/sentLen)*mu[j]*mu[l]
			}
		}
		dir = PrincipalDirection(c, d, mu)
	}
	if dot(dir, mu) < 0 {
		for j := range dir {
			dir[j] = -dir[j]
		}
	}
	return unitFloat32(dir)
}

// PrincipalDirection returns the unit eigenvector of the largest eigenvalue
// of the symmetric positive semi-definite n×n matrix c (row-major), found by
// power iteration from start (or from the first axis when start is zero).
func PrincipalDirection(c []float64, n int, start []float64) []float64 {
	x := make([]float64, n)
	copy(x, start)
	if norm(x) == 0 {
		x[0] = 1
	}
	scaleTo(x, 1/norm(x))
	y := make([]float64, n)
	for range 10000 {
		for j := range n {
			y[j] = dot(c[j*n:(j+1)*n], x)
		}
		ny := norm(y)
		if ny == 0 {
			return x
		}
		scaleTo(y, 1/ny)
		diff := 0.0
		for j := range n {
			diff = math.Max(diff, math.Abs(y[j]-x[j]))
		}
		x, y = y, x
		if diff < 1e-13 {
			break
		}
	}
	return x
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func scaleTo(a []float64, f float64) {
	for i := range a {
		a[i] *= f
	}
}

func unitFloat32(v []float64) ([]float32, error) {
	n := norm(v)
	if !(n > 0) || math.IsInf(n, 0) {
		return nil, fmt.Errorf("reference direction: degenerate vector (norm %v)", n)
	}
	out := make([]float32, len(v))
	for j := range v {
		out[j] = float32(v[j] / n)
	}
	return out, nil
}
