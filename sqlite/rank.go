package sqlite

// Pruned keyword ranking. FTS5's bm25() costs about a microsecond per
// matching row, most of it looking up the row's length, and the filter's
// join to memories nearly as much again, so that a query whose terms match
// 40,000 memories spent 70 ms ranking them. The pruned query computes, for
// every match, a cheap upper bound of its score from the phrase frequencies
// alone, and lets only the rows whose bound reaches the limit-th best score
// found so far through to the filter and to bm25(). The hits, their order
// and their scores are those of the plain query: the rows left out could
// not have been among them. rank_sql.go has the query and its functions.

import (
	"math"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/ext/fts5"
)

// The constants of FTS5's built-in bm25() (fts5_aux.c).
const (
	bm25K1     = 1.2
	bm25B      = 0.75
	bm25MinIDF = 1e-6 // the IDF of a phrase in more than half of the rows
)

// boundMargin is the relative margin of an upper bound over the score
// SQLite computes, which rounds differently (its log is not Go's).
const boundMargin = 1e-9

// defaultStatsAfter is the number of matches a pruner admits before it
// asks for the statistics its bounds need, if it expects enough more (see
// worthStats): a query that matches fewer is fastest without.
const defaultStatsAfter = 256

// Answers of memory_may_rank.
const (
	pruneRow = 0 // the row cannot be among the best
	rankRow  = 1 // it may: check the filter, then record its score
	statsRow = 2 // it may, and the statistics are wanted first
)

// pruner is the state of one pruned keyword search, shared by the
// auxiliary functions its statement calls for each matching row (see
// prunedSQL).
//
// bm25 = Σ idf(i)·f(i)·(k1+1) / (f(i) + k1·(1-b+b·D/avgdl)) over the
// phrases i, with f(i) the phrase's occurrences in the row and D the row's
// length in tokens. It grows with every f(i) and shrinks as D grows. The
// frequencies are cheap to read but D is the expensive lookup, and a row
// is at least as long as the offset of its last match plus one, so that
// offset gives an upper bound of the score. avgdl and idf(i) come from the
// statistics bm25() uses too, which the statement computes once the first
// statsAfter matches are admitted: FTS5's averages record (rows and
// tokens) and the number of rows containing each phrase. The scan checks
// them: the counts against the rows it meets, the lengths that scores
// imply against whole numbers. If a check fails or anything else is
// unexpected, the pruner marks itself broken and admits every row, and the
// caller runs the plain query.
//
// The functions only read the current row's phrase instances: in
// ncruces/go-sqlite3 v0.37, an FTS5 API call from a Go auxiliary function
// that makes SQLite prepare a statement (xColumnSize does, on first use)
// corrupted memory. So SQLite computes the statistics and the scores.
type pruner struct {
	limit      int
	statsAfter int
	phrases    int  // phrases of the query
	everyRow   bool // memory_may_rank sees every match, not only the prefiltered
	checked    bool // the phrase count was checked
	ready      bool // the statistics were read
	broken     bool

	docs     []int64   // rows containing each phrase
	seen     []int64   // rows containing each phrase met by the scan
	idf      []float64 // upper bounds of SQLite's IDF of each phrase
	idfExact []float64 // the IDF, up to rounding
	avgdl    float64

	freq  []float64 // phrase frequencies of the current row
	first int64     // rowid of the first match
	row   int64     // rowid of freq
	end   int       // the current row has at least end tokens
	only  int       // the only phrase in the current row, or -1
	ub    float64   // upper bound of the current row's score
	best  []float64 // min-heap: the best limit scores admitted

	scanned, admitted int // statistics for tests and benchmarks
}

// newPruner returns a pruner for the best limit rows of a query of phrases
// phrases.
func newPruner(limit, phrases int) *pruner {
	return &pruner{
		limit:      limit,
		statsAfter: defaultStatsAfter,
		phrases:    phrases,
		everyRow:   true,
		docs:       make([]int64, phrases),
		seen:       make([]int64, phrases),
		idf:        make([]float64, phrases),
		idfExact:   make([]float64, phrases),
		freq:       make([]float64, phrases),
		best:       make([]float64, 0, min(limit, 1024)),
	}
}

// complete reports whether the scan ran as the pruner assumed, so that the
// rows it let through include the best limit of the plain query.
func (p *pruner) complete() bool {
	if p.broken {
		return false
	}
	if !p.ready {
		return true // it pruned nothing
	}
	for i, n := range p.docs {
		if p.seen[i] > n || p.everyRow && p.seen[i] != n {
			return false
		}
	}
	return true
}

// mayRank reads the current row's phrase frequencies and tells whether it
// may be among the best rows (see pruneRow and the others). maxID is the
// largest row id, for an estimate of the matches left: FTS5 returns them
// in order of row id.
func (p *pruner) mayRank(fts fts5.Context, maxID int64) (int, error) {
	if !p.checked {
		p.checked = true
		p.broken = fts.PhraseCount() != p.phrases
		p.first = fts.RowID()
	}
	if p.broken {
		return rankRow, nil
	}
	p.scanned++
	n, err := fts.InstCount()
	if err != nil {
		return 0, err
	}
	clear(p.freq)
	p.end = 1
	for i := range n {
		phrase, _, off, err := fts.Inst(i)
		if err != nil {
			return 0, err
		}
		if phrase < 0 || phrase >= len(p.freq) {
			p.broken = true
			return rankRow, nil
		}
		p.freq[phrase]++
		p.end = max(p.end, off+1)
	}
	p.only = -1
	for i, f := range p.freq {
		if f > 0 {
			p.seen[i]++
			p.only = i
		}
	}
	if n > 0 && p.freq[p.only] != float64(n) {
		p.only = -1 // several phrases
	}
	p.row = fts.RowID()
	switch {
	case p.ready:
		p.bound()
		if len(p.best) < p.limit || p.ub >= p.best[0] {
			return rankRow, nil
		}
		return pruneRow, nil
	case len(p.best) >= p.limit && p.scanned > p.statsAfter && p.worthStats(maxID):
		return statsRow, nil
	}
	return rankRow, nil
}

// worthStats reports whether the statistics should save more than they
// cost: counting the rows of the phrases costs about a tenth of a
// microsecond per row containing each, and each match they then prune
// saves about a microsecond. It estimates the matches left from those so
// far, as FTS5 returns them in order of row id (maxID is the largest).
// Behind a prefilter, memory_may_rank sees only some of the matches, and
// it assumes that all the rows may contain the phrases.
func (p *pruner) worthStats(maxID int64) bool {
	left := float64(p.scanned) * float64(maxID-p.row) / float64(p.row-p.first+1)
	all := float64(p.scanned) + left
	if !p.everyRow {
		all = float64(maxID - p.first + 1)
	}
	return left >= float64(p.statsAfter) && 8*left >= float64(p.phrases)*all
}

// bound sets the upper bound of the current row's score.
func (p *pruner) bound() {
	p.ub = 0
	for i, f := range p.freq {
		if f > 0 {
			p.ub += p.idf[i] * tf(f, float64(p.end), p.avgdl)
		}
	}
	p.ub *= 1 + boundMargin
}

// tf is the part of bm25 of one phrase that depends on the row.
func tf(f, d, avgdl float64) float64 {
	return f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*d/avgdl))
}

// setStats reads the statistics, after memory_may_rank asked for them:
// FTS5's averages record, then the number of rows containing each phrase.
func (p *pruner) setStats(stats []sqlite3.Value) {
	if p.ready || p.broken {
		return
	}
	p.ready = true
	if len(stats) != 1+p.phrases {
		p.broken = true
		return
	}
	rows, tokens, ok := parseAverages(stats[0].RawBlob())
	p.avgdl = float64(tokens) / float64(rows)
	if !ok || rows <= 0 || tokens <= 0 || !(p.avgdl > 0) || math.IsInf(p.avgdl, 0) {
		p.broken = true
		return
	}
	for i := range p.docs {
		n := stats[1+i].Int64()
		idf := math.Log((float64(rows-n) + 0.5) / (float64(n) + 0.5))
		if n < p.seen[i] || n > rows || math.IsNaN(idf) {
			p.broken = true
			return
		}
		p.docs[i] = n
		p.idf[i] = max(idf+boundMargin*max(1, math.Abs(idf)), bm25MinIDF)
		if idf <= 0 {
			idf = bm25MinIDF
		}
		p.idfExact[i] = idf
	}
	p.bound()
}

// admit records the score (-bm25) of the current row, which memory_may_rank
// and the filter let through.
func (p *pruner) admit(fts fts5.Context, bm25 float64) {
	score := -bm25
	if p.broken {
		return
	}
	if fts.RowID() != p.row || p.ready && (!(score <= p.ub) || !p.plausible(score)) {
		p.broken = true
		return
	}
	p.admitted++
	if len(p.best) < p.limit {
		p.best = append(p.best, score)
		heapUp(p.best, len(p.best)-1)
	} else if score > p.best[0] {
		p.best[0] = score
		heapDown(p.best, 0)
	}
}

// plausible checks the statistics against the score SQLite gave the
// current row: with a single phrase i in the row, score = idf(i)·tf(f, D),
// which gives the row's length D, and that must be a whole number of
// tokens, no fewer than the bound. A wrong row or token count, or a wrong
// count of the rows containing the phrase, would make it fractional.
func (p *pruner) plausible(score float64) bool {
	i := p.only
	if i < 0 || p.idfExact[i] < 1e-3 || score <= 0 {
		return true // the test would lose its precision
	}
	f := p.freq[i]
	x := (p.idfExact[i]*f*(bm25K1+1)/score - f - bm25K1*(1-bm25B)) / (bm25K1 * bm25B) // D/avgdl
	d := x * p.avgdl
	return math.Abs(d-math.Round(d)) <= 1e-6*max(1, d) && math.Round(d) >= float64(p.end)
}

// heapUp restores the min-heap order of h from leaf i.
func heapUp(h []float64, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent] <= h[i] {
			return
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

// heapDown restores the min-heap order of h from node i.
func heapDown(h []float64, i int) {
	for {
		small := i
		if l := 2*i + 1; l < len(h) && h[l] < h[small] {
			small = l
		}
		if r := 2*i + 2; r < len(h) && h[r] < h[small] {
			small = r
		}
		if small == i {
			return
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}
