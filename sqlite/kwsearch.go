package sqlite

// Keyword search on the in-memory index: the best limit documents by the
// score FTS5's bm25() gives them, found by scoring term lists from the
// most to the least promising and stopping when the terms left cannot
// lift a new document into the results.

import (
	"math"
	"slices"
	"sort"
)

// bm25 is FTS5's bm25() (fts5_aux.c, fts5Bm25Function) with its constants
// as C computes them: variables, not Go constants, so that k1 + 1 rounds
// as a double addition does. Explicit conversions keep the compiler from
// fusing a multiplication and an addition, which C (compiled for
// WebAssembly, which has no fused form) does not.
var (
	bm25k1   = 1.2
	bm25b    = 0.75
	bm25k1p1 = bm25k1 + 1.0
	bm25oneB = 1 - bm25b
)

// bm25IDF is the IDF bm25() gives a phrase found in hits of rows rows.
func bm25IDF(rows, hits int64) float64 {
	idf := math.Log((float64(rows-hits) + 0.5) / (float64(hits) + 0.5))
	if idf <= 0 {
		idf = 1e-6
	}
	return idf
}

// bm25Norm is the length normalisation of a document of d tokens:
// k1·(1 − b + b·d/avgdl).
func bm25Norm(d, avgdl float64) float64 {
	return bm25k1 * (bm25oneB + float64(bm25b*d)/avgdl)
}

// bm25Term is one phrase's part of the score: idf·f·(k1+1)/(f + norm).
func bm25Term(idf, f, norm float64) float64 {
	return float64(idf * (float64(f*bm25k1p1) / (f + norm)))
}

// kwScan says which slots a search may return.
type kwScan struct {
	owner         uint32
	superseded    bool     // include superseded documents
	after, before int64    // created_at bounds: after <= created < before
	allow         []uint64 // bit set of the allowed slots; nil: all
}

// pass reports whether slot i passes the scan's checks.
func (x *kwIndex) pass(i uint32, sc *kwScan) bool {
	return x.owners[i] == sc.owner && (sc.superseded || !x.superseded[i]) &&
		x.created[i] >= sc.after && x.created[i] < sc.before &&
		(sc.allow == nil || sc.allow[i/64]&(1<<(i%64)) != 0)
}

// kwHit is a document found, by row id, with its score (-bm25).
type kwHit struct {
	id    int64
	score float64
}

// worse orders hits as FTS5's ORDER BY rank, rowid does, worst first: a
// lower score, or the same score and a later row.
func (a kwHit) worse(b kwHit) bool {
	return a.score < b.score || a.score == b.score && a.id > b.id
}

// boundMarginKW is the relative margin of a term's score bound over the
// scores it bounds, computed with the same operations in other orders.
const boundMarginKW = 1e-9

// search returns the best k documents passing sc for the phrases, given
// as the term of each (-1: a token no document has), best first, with the
// scores of FTS5's bm25() for the OR of those phrases. The caller holds
// x.mu for reading.
//
// Exactness: the distinct terms are taken in decreasing order of a bound
// of their part of any score (IDF times the score of the term's largest
// count in its shortest document, times the phrases naming it). Every
// document of a term's list that has none of the terms before it is scored
// in full from its forward entries, so each matching document is scored
// once, exactly. Before a list, the bounds of it and the lists after it
// add up to the most a document not met yet can score; once that is below
// the k-th best score, no such document can enter the results, and the
// search stops.
func (x *kwIndex) search(phrases []int32, sc kwScan, k int) []kwHit {
	if x.rows == 0 || k < 1 {
		return nil
	}
	avgdl := float64(x.tokens) / float64(x.rows)
	idf := make([]float64, len(phrases))
	type qterm struct {
		term uint32
		ub   float64
	}
	var qs []qterm
	for p, t := range phrases {
		if t < 0 || x.terms[t].df == 0 {
			continue
		}
		term := &x.terms[t]
		idf[p] = bm25IDF(x.rows, term.df)
		ub := bm25Term(idf[p], float64(term.maxTF), bm25Norm(float64(term.minLen), avgdl)) * (1 + boundMarginKW)
		if j := slices.IndexFunc(qs, func(q qterm) bool { return q.term == uint32(t) }); j >= 0 {
			qs[j].ub += ub
		} else {
			qs = append(qs, qterm{term: uint32(t), ub: ub})
		}
	}
	if len(qs) == 0 {
		return nil
	}
	sort.SliceStable(qs, func(i, j int) bool {
		if qs[i].ub != qs[j].ub {
			return qs[i].ub > qs[j].ub
		}
		return len(x.terms[qs[i].term].post) < len(x.terms[qs[j].term].post)
	})
	// rest[j]: the most a document having none of the terms before j scores.
	rest := make([]float64, len(qs)+1)
	for j := len(qs) - 1; j >= 0; j-- {
		rest[j] = rest[j+1] + qs[j].ub
	}
	// byTerm: the query's terms ascending, with their rank in qs, for a
	// merge with a document's forward entries.
	type ranked struct {
		term uint32
		rank int
	}
	byTerm := make([]ranked, len(qs))
	for j, q := range qs {
		byTerm[j] = ranked{q.term, j}
	}
	slices.SortFunc(byTerm, func(a, b ranked) int { return int(a.term) - int(b.term) })
	// The rank of each phrase's term, -1 for none.
	phraseRank := make([]int, len(phrases))
	for p, t := range phrases {
		phraseRank[p] = -1
		for _, bt := range byTerm {
			if t >= 0 && bt.term == uint32(t) {
				phraseRank[p] = bt.rank
			}
		}
	}
	freq := make([]float64, len(qs))
	top := topN[kwHit]{k: k, h: make([]kwHit, 0, min(k, 1024))}
	for j, q := range qs {
		if top.full() && rest[j] < top.h[0].score {
			break
		}
		for _, s := range x.terms[q.term].post {
			if !x.pass(s, &sc) {
				continue
			}
			// Merge the document's terms with the query's.
			lo, hi := x.fwd(int32(s))
			first := len(qs)
			b := 0
			for e := lo; e < hi && b < len(byTerm); {
				switch t := x.fwdTerm[e]; {
				case t < byTerm[b].term:
					e++
				case t > byTerm[b].term:
					b++
				default:
					r := byTerm[b].rank
					freq[r] = float64(x.fwdTF[e])
					first = min(first, r)
					e++
					b++
				}
			}
			if first < j {
				clear(freq)
				continue // scored with an earlier list
			}
			norm := bm25Norm(float64(x.length[s]), avgdl)
			score := 0.0
			for p, r := range phraseRank {
				if r >= 0 && freq[r] > 0 {
					score += bm25Term(idf[p], freq[r], norm)
				}
			}
			clear(freq)
			top.offer(kwHit{id: x.ids[s], score: score})
		}
	}
	out := top.h
	sort.Slice(out, func(i, j int) bool { return out[j].worse(out[i]) })
	return out
}
