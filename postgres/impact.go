package postgres

// Keyword search of common words: exact top-k by impact classes.
//
// A keyword search scores every memory holding its rarest words (rankTerms
// in keyword.go): when they are common, at a million memories, hundreds of
// thousands; the other words' memories it reads wherever they could reach
// the score of the best so far. Impact classes read fewer: of the other
// words (restByImpact), or of all of them (impactSearch, when the rarest
// hold impactMinDocs memories or more).
//
// Term t adds idf_t·(k1+1)·g_t to a memory's score, where g_t =
// f/(f+K(D)) < 1 is its weight there; ub_t = idf_t·(k1+1) bounds what it
// adds. Split a
// target theta into shares c_t with Σ c_t ≤ theta: a memory where every
// term adds less than its share scores below theta. So every memory
// scoring theta or more has a term whose weight reaches tau_t = c_t/ub_t,
// and the GIN index of memory_impact (migration 9) finds those memories by
// the classes of f and D whose bound reaches tau_t. The most common terms
// get their whole bound as share, and are not read at all; the others
// share the rest alike. Which ones is a guess of the cost (impactShares);
// any choice is exact.
//
// Each round reads the memories of a target theta and scores them
// exactly. If the limit-th best score reaches the target, no memory left
// out can rank among the best (all score below it): the top-k is exact,
// ties included. If not, that score is a floor of the true limit-th, and
// the next round, with it as the target, reads a superset and is exact by
// the same argument. The first target is a guess (the terms weighing 0.8
// of their most), halved while it finds fewer than limit memories.

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
)

// Settings of impactSearch.
const (
	// impactMinDocs is the number of memories the rarest terms must hold
	// for impactSearch to be worth its rounds: below, reading them all
	// costs about as much as a round that finds too low a target (measured
	// at a million memories).
	impactMinDocs = 50000
	// impactMinRest is the number of memories the other words must hold
	// for restByImpact to be worth its fixed cost (a few milliseconds of
	// index lookups).
	impactMinRest = 20000
	// impactOverhead is what reading a memory through memory_impact costs
	// more than through the words' index, which PostgreSQL scans in
	// parallel (measured at a million memories): the impact classes are
	// used when they read this many times fewer memories, and give up
	// when they find more.
	impactOverhead = 4.0
	// impactCellCost is what looking a token up in the memory_impact index
	// costs, in memories read.
	impactCellCost = 6.0
	k1, bm25B      = 1.2, 0.75
)

// impactLengths are memory_impact_lengths(): a memory of D words is in
// length class i = the number of them at or below D.
var impactLengths = []int{2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 19, 22, 26, 30, 35, 40, 48, 56, 64, 76, 90, 108, 128, 152,
	180, 216, 256, 304, 362, 430, 512, 724, 1024, 1448, 2048, 4096, 8192, 16384}

// impactFreqs are the occurrence classes of memory_impact with the most
// occurrences each holds (7: 16 or more, or unknown).
var impactFreqs = []struct {
	class int
	most  float64
}{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 7}, {6, 15}, {7, math.Inf(1)}}

// impactCells returns the memory_impact tokens of the term's lexeme whose
// weight bound reaches tau, for the owner's average length avgdl.
func impactCells(lexeme string, tau, avgdl float64) []string {
	var out []string
	for _, fc := range impactFreqs {
		for lc := 0; lc <= len(impactLengths); lc++ {
			shortest := 1 // the fewest words of the class
			if lc > 0 {
				shortest = impactLengths[lc-1]
			}
			bound := 1.0
			if !math.IsInf(fc.most, 1) {
				bound = fc.most / (fc.most + k1*(1-bm25B+bm25B*float64(shortest)/avgdl))
			}
			if bound >= tau*(1-1e-9) {
				out = append(out, lexeme+"~"+strconv.Itoa(fc.class)+"~"+strconv.Itoa(lc))
			}
		}
	}
	return out
}

// tsLiteral quotes s as a lexeme of tsquery text.
func tsLiteral(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `''`) + "'"
}

// useImpact reports whether impactSearch should rank the terms: the
// rarest ones that rankTerms would score all together hold many memories.
func useImpact(kts []kwTerm, limit int) bool {
	_, count := firstSet(kts, limit)
	return count >= impactMinDocs && count >= 20*int64(limit)
}

// impactMost is the most candidates a reading through impact classes may
// find before it gives up, when the words' index would read docs
// memories (no bound with impactAlways).
func (s *Store) impactMost(docs float64) int64 {
	if s.impactAlways {
		return math.MaxInt64 - 1
	}
	return int64(docs / impactOverhead)
}

// impactSearch ranks by BM25 as rankTerms does, reading the memories where
// the terms weigh most (see the top of impact.go). It returns ok false,
// having read little, when that looks costlier than rankTerms, or the
// terms match too few memories for a target to be found.
func (s *Store) impactSearch(ctx context.Context, f filter, kts []kwTerm, avgdl float64, limit int) ([]memory.Hit, bool, error) {
	sum := 0.0
	for _, t := range kts {
		sum += t.idf * (k1 + 1)
	}
	// The full ranking reads the memories of the rarest terms until
	// limit: what impactSearch must beat.
	_, docs := firstSet(kts, limit)
	full := float64(docs)
	target, exact := impactGuess*sum, false
	for target > impactFloor*sum {
		shares, cost := impactShares(kts, target, avgdl)
		if cost > full && !s.impactAlways {
			return nil, false, nil
		}
		hits, over, err := s.rankCandidates(ctx, f, kts, avgdl, limit, impactQuery(shares, avgdl), "", s.impactMost(full))
		if err != nil || over {
			return nil, false, err
		}
		if len(hits) < limit {
			if exact {
				return nil, false, nil // cannot be: a superset of limit memories
			}
			target /= 2
			continue
		}
		theta := hits[len(hits)-1].score
		if exact || theta >= target*(1+1e-9) {
			out, err := s.hitsOf(ctx, hits, limit, nil)
			return out, true, err
		}
		target, exact = theta, true
	}
	return nil, false, nil
}

// Bounds of impactSearch's targets, as shares of the largest score.
const (
	impactGuess = 0.8
	impactFloor = 0.05
)

// termShare is the weight a term must reach in a memory for impactSearch
// to read it.
type termShare struct {
	lexeme string
	tau    float64
}

// impactShares splits target among the terms (see the top of impact.go)
// and estimates its cost, in memories read through the words' index: the
// memories it reads, each impactOverhead times, and impactCellCost per
// token looked up. The most common terms
// (the terms come rarest first) are left out while their bounds add up to
// less than target, as many as makes the estimate smallest; the others
// get the same weight threshold.
func impactShares(kts []kwTerm, target, avgdl float64) ([]termShare, float64) {
	best, bestCost, bestTau := 0, math.Inf(1), 0.0
	skipped := 0.0
	for n := 0; n < len(kts); n++ { // n: the number of common terms left out
		if n > 0 {
			skipped += kts[len(kts)-n].idf * (k1 + 1)
		}
		if skipped >= target {
			break
		}
		tau, cost := impactTau(kts[:len(kts)-n], target-skipped), 0.0
		reach, cells := impactReach(tau, avgdl), float64(len(impactCells("", tau, avgdl)))
		for _, t := range kts[:len(kts)-n] {
			cost += float64(t.df)*reach*impactOverhead + cells*impactCellCost
		}
		if cost < bestCost {
			best, bestCost, bestTau = n, cost, tau
		}
	}
	read := kts[:len(kts)-best]
	out := make([]termShare, 0, len(read))
	for _, t := range read {
		// A phrase occurs at most as often as its first word.
		out = append(out, termShare{lexeme: t.lexemes[0], tau: bestTau})
	}
	return out, bestCost
}

// impactTau is the weight threshold of terms sharing budget alike.
func impactTau(terms []kwTerm, budget float64) float64 {
	sum := 0.0
	for _, t := range terms {
		sum += t.idf * (k1 + 1)
	}
	return budget / sum
}

// impactReach guesses the share of a term's memories where its weight
// reaches tau: memories whose length is spread evenly from a third of the
// average to five thirds of it, four in five holding the word once, the
// others twice. Only the choice of terms to read depends on it.
func impactReach(tau, avgdl float64) float64 {
	if tau <= 0 {
		return 1
	}
	share := func(f float64) float64 {
		// f/(f + k1·(1−b+b·D/avgdl)) ≥ tau ⇔ D ≤ longest
		longest := avgdl * ((f/tau-f)/k1 - (1 - bm25B)) / bm25B
		return min(1, max(0, (longest-avgdl/3)/(avgdl*4/3)))
	}
	return 0.8*share(1) + 0.2*share(2)
}

// restByImpact returns the best limit memories matching f that have none
// of the first set, among those where a rest term's weight reaches its
// share (see the top of impact.go), scored by the rest; over reports that
// it found more than most candidates and gave up.
func (s *Store) restByImpact(ctx context.Context, f filter, rest []kwTerm, shares []termShare, first string, avgdl float64, limit int, most int64) ([]scoredID, bool, error) {
	return s.rankCandidates(ctx, f, rest, avgdl, limit, impactQuery(shares, avgdl), first, most)
}

// impactQuery returns the tsquery text of the memory_impact tokens of the
// shares.
func impactQuery(shares []termShare, avgdl float64) string {
	var cells []string
	for _, tc := range shares {
		for _, c := range impactCells(tc.lexeme, tc.tau, avgdl) {
			cells = append(cells, tsLiteral(c))
		}
	}
	return strings.Join(cells, " | ")
}

// rankCandidates scores the memories matching f that hold a token of
// cells (tsquery text) and none of the terms of exclude (tsquery text, or
// ""), and returns the best limit with a positive score. It gives up,
// reporting over, when the tokens hold more than most memories (the cost
// guess was wrong: another way reads fewer), having read most + 1 rows
// and scored none.
//
// The candidates are found first by the memory_impact index alone, then
// filtered, so that the planner, whatever its statistics of owners and
// filters, reads that index (memory_impact's cost keeps it from computing
// the function row by row; on a table never analyzed, until autovacuum
// does, it may still).
func (s *Store) rankCandidates(ctx context.Context, f filter, kts []kwTerm, avgdl float64, limit int, cells, exclude string, most int64) ([]scoredID, bool, error) {
	if cells == "" {
		return nil, false, nil
	}
	var b sqlBuilder
	lim, ceiling := b.arg(limit), b.arg(most+1)
	score := bm25SQL(&b, kts, avgdl)
	// Each candidate is scored once, in the order of the index (the
	// LATERAL with OFFSET 0 keeps the planner from driving the join from
	// another index and scanning the candidates for each row).
	b.add("WITH cand AS MATERIALIZED (SELECT m.id FROM memories m WHERE memory_impact(m.fts, m.fts_len) @@ ", b.arg(cells),
		"::tsquery AND m.deleted_at IS NULL LIMIT ", ceiling, "), over AS MATERIALIZED (SELECT count(*) >= ", ceiling, " AS over FROM cand)",
		" SELECT r.id, r.score, over.over FROM over LEFT JOIN LATERAL (SELECT x.id, x.score FROM cand CROSS JOIN LATERAL (SELECT m.id, ",
		score, " AS score FROM memories m WHERE m.id = cand.id AND ")
	if exclude != "" {
		b.add("NOT (m.fts @@ ", b.arg(exclude), "::tsquery) AND ")
	}
	f.where(&b)
	b.add(" OFFSET 0) AS x WHERE NOT over.over AND x.score > 0 ORDER BY x.score DESC, x.id LIMIT ", lim, ") AS r ON true")
	var (
		out  []scoredID
		over bool
	)
	err := s.read(ctx, func(q querier) error {
		out, over = nil, false
		rows, err := q.Query(ctx, b.String(), b.args...)
		if err != nil {
			return err
		}
		var (
			id    *int64
			score *float64
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &score, &over}, func() error {
			if id != nil {
				out = append(out, scoredID{*id, *score})
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("keyword search: %w", err)
	}
	return out, over, nil
}
