package memory

// Calibration of cosine similarities across embedding models: the same
// threshold must mean the same thing whether vectors come from GloVe-SIF,
// where two unrelated sentences score about 0.8, or from MiniLM, where
// they score about 0.1.

import (
	"context"
	"math"
	"slices"
)

// baselineQuantile is the share of pairs a calibrated score of 0 stands
// above: the median, which a store's topical clusters hardly move (a
// higher quantile would be raised by them in a small store).
const baselineQuantile = 0.5

// MinBaselineVectors is the fewest vectors SimilarityBaseline needs to say
// anything; with fewer it returns 0 (no calibration).
const MinBaselineVectors = 16

// maxBaselinePairs bounds the pairs SimilarityBaseline compares.
const maxBaselinePairs = 5000

// SimilarityBaseline estimates how alike unrelated memories are for the
// model that made vecs: the median cosine similarity of pairs of them (every pair of up to 100 vectors, else 5000 pairs picked
// deterministically). It returns 0, meaning "calibrate nothing", for fewer
// than MinBaselineVectors non-zero vectors or a negative median. The
// result depends only on vecs and their order.
func SimilarityBaseline(vecs [][]float32) float64 {
	unit := make([][]float32, 0, len(vecs))
	for _, v := range vecs {
		if u := unitVector(v); u != nil {
			unit = append(unit, u)
		}
	}
	n := len(unit)
	if n < MinBaselineVectors {
		return 0
	}
	var sims []float64
	if n*(n-1)/2 <= maxBaselinePairs {
		for i := range n {
			for j := i + 1; j < n; j++ {
				sims = append(sims, dot32(unit[i], unit[j]))
			}
		}
	} else {
		for k := range maxBaselinePairs {
			i, j := (k*7919)%n, (k*104729+k/n+1)%n
			if i == j {
				j = (j + 1) % n
			}
			sims = append(sims, dot32(unit[i], unit[j]))
		}
	}
	slices.Sort(sims)
	b := sims[int(baselineQuantile*float64(len(sims)-1))]
	return math.Max(0, math.Round(b*1e4)/1e4)
}

// Calibrated maps a cosine similarity s onto the scale of a model whose
// unrelated memories score about 0: (s − baseline) / (1 − baseline),
// within [0, 1]. A baseline of 0 leaves s as it is (clamped to [0, 1]).
// Thresholds such as upstream's 0.3–0.7 association band then mean much
// the same for every embedding model.
func Calibrated(s, baseline float64) float64 {
	if baseline <= 0 || baseline >= 1 {
		return clamp01(s)
	}
	return clamp01((s - baseline) / (1 - baseline))
}

// Cosine returns the cosine similarity of a and b (over the shorter
// length), 0 if either is zero.
func Cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range min(len(a), len(b)) {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func unitVector(v []float32) []float32 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 || math.IsNaN(ss) || math.IsInf(ss, 0) {
		return nil
	}
	inv := 1 / math.Sqrt(ss)
	u := make([]float32, len(v))
	for i, x := range v {
		u[i] = float32(float64(x) * inv)
	}
	return u
}

func dot32(a, b []float32) float64 {
	var s float64
	for i := range min(len(a), len(b)) {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// baselineSample is how many of an owner's oldest memories
// SimilarityBaseline samples; the oldest change least as the store grows.
const baselineSample = 200

// SimilarityBaseline estimates, from the caller's oldest memories with a
// vector of model, how alike unrelated memories are (see the function
// SimilarityBaseline); 0 when there are too few.
func (s *Service) SimilarityBaseline(ctx context.Context, model string) (float64, error) {
	b, _, err := s.baselineOf(ctx, OwnerFrom(ctx), model)
	return b, err
}

func (s *Service) baselineOf(ctx context.Context, owner, model string) (float64, bool, error) {
	ms, _, err := s.Storage.Find(ctx, Filter{Owner: owner, IncludeSuperseded: true}, Page{Limit: baselineSample, Order: OldestFirst})
	if err != nil {
		return 0, false, err
	}
	var vecs [][]float32
	for _, m := range ms {
		if m.EmbeddingModel == model && len(m.Embedding) > 0 {
			vecs = append(vecs, m.Embedding)
		}
	}
	// Settled once the sample is full: later memories do not change it.
	return SimilarityBaseline(vecs), len(ms) == baselineSample, nil
}

// strictBaseline is the baseline of the thresholds that keep a new memory
// apart from stored ones (near-duplicates, conflicts, mistake notes): the
// higher of the model's declared Baseline and the owner's measured one. A
// higher baseline asks for a closer match, so these thresholds err toward
// storing: a refused memory is lost to the caller, a duplicate kept is not.
// Before the owner has enough memories to measure, the declared one holds.
func (s *Service) strictBaseline(ctx context.Context, owner, model string) float64 {
	b := s.cachedBaseline(ctx, owner, model)
	if mi := s.model(); mi.Name == model && mi.Baseline > b {
		b = mi.Baseline
	}
	return b
}

// strictBaselines returns strictBaseline for owner, worked out at most once
// per model: the memories of one store (its chunks) share it, and while the
// owner's baseline is not settled each call reads a sample of memories.
func (s *Service) strictBaselines(ctx context.Context, owner string) func(model string) float64 {
	memo := map[string]float64{}
	return func(model string) float64 {
		b, ok := memo[model]
		if !ok {
			b = s.strictBaseline(ctx, owner, model)
			memo[model] = b
		}
		return b
	}
}

// cachedBaseline is SimilarityBaseline for the store path, kept per owner
// and model once settled.
func (s *Service) cachedBaseline(ctx context.Context, owner, model string) float64 {
	key := [2]string{owner, model}
	if v, ok := s.baselines.Load(key); ok {
		return v.(float64)
	}
	b, settled, err := s.baselineOf(ctx, owner, model)
	if err != nil {
		s.Logger.Warn("estimating the similarity baseline", "err", err)
		return 0
	}
	if settled {
		s.baselines.Store(key, b)
	}
	return b
}
