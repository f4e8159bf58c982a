package sqlite

// The vector slab: every live vector of one model in one contiguous
// []float32, with parallel arrays of what the filters need, and the exact
// top-k scan over it.

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// slab holds the live vectors of one embedding model. Slot i owns
// vecs[i*dim:(i+1)*dim]; a free slot has owner 0. Vectors are stored
// normalised, so a dot product is a cosine.
type slab struct {
	mu sync.RWMutex // held for writing by refreshes, for reading by scans

	model  string
	dim    int
	seq    int64 // counters.seq this slab reflects
	purges int64 // counters.purges this slab reflects

	vecs       []float32
	ids        []int64
	owners     []uint32
	created    []int64
	superseded []bool

	slot  map[int64]int32   // row id → slot
	free  []int32           // free slots, reused first
	owner map[string]uint32 // owner → owner number, from 1
}

// newSlab returns an empty slab for model's dim-long vectors.
func newSlab(model string, dim int) *slab {
	return &slab{model: model, dim: dim, slot: make(map[int64]int32), owner: make(map[string]uint32)}
}

// clear empties the slab.
func (sl *slab) clear() {
	sl.vecs, sl.ids, sl.owners, sl.created, sl.superseded, sl.free = nil, nil, nil, nil, nil, nil
	sl.slot = make(map[int64]int32)
	sl.owner = make(map[string]uint32)
}

// live returns the number of vectors held.
func (sl *slab) live() int { return len(sl.slot) }

// ownerID returns the number of owner, or 0 if it has no vector here.
func (sl *slab) ownerID(owner string) uint32 { return sl.owner[owner] }

// addOwner returns the number of owner, creating it if needed.
func (sl *slab) addOwner(owner []byte) uint32 {
	if id, ok := sl.owner[string(owner)]; ok { // no allocation
		return id
	}
	id := uint32(len(sl.owner) + 1)
	sl.owner[string(owner)] = id
	return id
}

// put adds or replaces the vector of row id, read from little-endian
// float32 bytes of the slab's length, and normalises it.
func (sl *slab) put(id int64, owner []byte, created int64, superseded bool, blob []byte) {
	i, ok := sl.slot[id]
	if !ok {
		if n := len(sl.free); n > 0 {
			i = sl.free[n-1]
			sl.free = sl.free[:n-1]
		} else {
			i = int32(len(sl.ids))
			sl.ids = append(sl.ids, 0)
			sl.owners = append(sl.owners, 0)
			sl.created = append(sl.created, 0)
			sl.superseded = append(sl.superseded, false)
			sl.vecs = slices.Grow(sl.vecs, sl.dim)[:len(sl.vecs)+sl.dim]
		}
		sl.slot[id] = i
	}
	sl.ids[i] = id
	sl.owners[i] = sl.addOwner(owner)
	sl.created[i] = created
	sl.superseded[i] = superseded
	v := sl.vecs[int(i)*sl.dim : int(i+1)*sl.dim]
	decodeInto(v, blob)
	normalize(v)
}

// grow makes room for n more vectors.
func (sl *slab) grow(n int) {
	if len(sl.slot) == 0 {
		sl.slot = make(map[int64]int32, n)
	}
	sl.vecs = slices.Grow(sl.vecs, n*sl.dim)
	sl.ids = slices.Grow(sl.ids, n)
	sl.owners = slices.Grow(sl.owners, n)
	sl.created = slices.Grow(sl.created, n)
	sl.superseded = slices.Grow(sl.superseded, n)
}

// remove drops the vector of row id, if any.
func (sl *slab) remove(id int64) {
	i, ok := sl.slot[id]
	if !ok {
		return
	}
	delete(sl.slot, id)
	sl.owners[i] = 0
	sl.ids[i] = 0
	sl.free = append(sl.free, i)
}

// compact drops free slots when they are more than half of the slab, so
// that a model switch or a mass delete gives memory back.
func (sl *slab) compact() {
	if len(sl.free) < 1024 || len(sl.free) < len(sl.ids)/2 {
		return
	}
	n := 0
	for i := range sl.ids {
		if sl.owners[i] == 0 {
			continue
		}
		if n != i {
			sl.ids[n], sl.owners[n], sl.created[n], sl.superseded[n] = sl.ids[i], sl.owners[i], sl.created[i], sl.superseded[i]
			copy(sl.vecs[n*sl.dim:(n+1)*sl.dim], sl.vecs[i*sl.dim:(i+1)*sl.dim])
			sl.slot[sl.ids[n]] = int32(n)
		}
		n++
	}
	sl.ids = append([]int64(nil), sl.ids[:n]...)
	sl.owners = append([]uint32(nil), sl.owners[:n]...)
	sl.created = append([]int64(nil), sl.created[:n]...)
	sl.superseded = append([]bool(nil), sl.superseded[:n]...)
	sl.vecs = append([]float32(nil), sl.vecs[:n*sl.dim]...)
	sl.free = nil
}

// normalize scales v to unit length in place and returns its former
// length; a zero vector stays zero.
func normalize(v []float32) float64 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	n := math.Sqrt(ss)
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		clear(v)
		return 0
	}
	inv := float32(1 / n)
	for i := range v {
		v[i] *= inv
	}
	return n
}

// dot returns the dot product of a and b (len(b) >= len(a)), unrolled four
// times with independent sums so the multiplications pipeline. Of the
// unrolled forms measured with Go 1.26, fixed-capacity subslices left the
// fewest bounds checks and ran fastest.
func dot(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i <= n-4; i += 4 {
		aa := a[i : i+4 : i+4]
		bb := b[i : i+4 : i+4]
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// scan says which slots a search scores.
type scan struct {
	owner         uint32
	superseded    bool  // include superseded vectors
	after, before int64 // created_at bounds: after <= created < before
	slots         []int32
	all           bool // score every slot passing the checks, not slots
}

// scored is a slot's score during a search.
type scored struct {
	score float32
	id    int64
}

// worse orders scores: lower first, and on ties the later row.
func worse(a, b scored) bool {
	return a.score < b.score || (a.score == b.score && a.id > b.id)
}

func (a scored) worse(b scored) bool { return worse(a, b) }

// rankable is a scored result that orders itself against another.
type rankable[T any] interface {
	worse(T) bool // a lower score, or the same score and a later row
}

// topN keeps the k best results seen in a min-heap (worst at the root).
type topN[T rankable[T]] struct {
	k int
	h []T
}

// topK keeps the k best vector scores.
type topK = topN[scored]

func (t *topN[T]) full() bool { return len(t.h) >= t.k }

func (t *topN[T]) offer(c T) {
	if len(t.h) < t.k {
		t.h = append(t.h, c)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.h[i].worse(t.h[p]) {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if !t.h[0].worse(c) {
		return
	}
	t.h[0] = c
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.h[l].worse(t.h[m]) {
			m = l
		}
		if r < len(t.h) && t.h[r].worse(t.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// minParallel is the number of slots below which one goroutine scans.
const minParallel = 8192

// search returns the k best slots for the unit query q, best first. The
// caller holds sl.mu for reading.
func (sl *slab) search(q []float32, k int, sc scan) []scored {
	n := len(sc.slots)
	if sc.all {
		n = len(sl.ids)
	}
	workers := runtime.GOMAXPROCS(0)
	if n < minParallel || workers < 2 {
		workers = 1
	}
	tops := make([]topK, workers)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		tops[w].k = k
		if lo >= hi {
			continue
		}
		if workers == 1 {
			sl.scanRange(q, sc, lo, hi, &tops[w])
			continue
		}
		wg.Go(func() { sl.scanRange(q, sc, lo, hi, &tops[w]) })
	}
	wg.Wait()
	var all []scored
	for _, t := range tops {
		all = append(all, t.h...)
	}
	sort.Slice(all, func(i, j int) bool { return worse(all[j], all[i]) })
	return all[:min(k, len(all))]
}

// matches reports whether slot i passes the scan's checks: owner,
// superseded flag and creation time.
func (sl *slab) matches(i int, sc scan) bool {
	return sl.owners[i] == sc.owner && (sc.superseded || !sl.superseded[i]) &&
		sl.created[i] >= sc.after && sl.created[i] < sc.before
}

// scanRange scores positions [lo, hi) of the scan into t.
func (sl *slab) scanRange(q []float32, sc scan, lo, hi int, t *topK) {
	dim := sl.dim
	for p := lo; p < hi; p++ {
		i := p
		if !sc.all {
			i = int(sc.slots[p])
		}
		if !sl.matches(i, sc) {
			continue
		}
		s := dot(q, sl.vecs[i*dim:(i+1)*dim])
		if len(t.h) == t.k && s < t.h[0].score {
			continue
		}
		t.offer(scored{score: s, id: sl.ids[i]})
	}
}
