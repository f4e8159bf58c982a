package postgres

// Keyword search over the stored tsvector (column fts, GIN index), ranked
// by BM25 exactly as SQLite's FTS5 bm25() ranks, so that a keyword score
// means the same on both backends:
//
//	score = Σ over the terms: idf · f·(k1+1) / (f + k1·(1 − b + b·D/avgdl))
//	idf   = ln((N − n + 0.5) / (n + 0.5)), at least 1e-6
//
// with k1 = 1.2 and b = 0.75, f the occurrences of the term in the memory,
// D the memory's length in words (fts_len), N the number of live memories,
// n those having the term and avgdl their average length. Words are
// stemmed by the original Porter algorithm after their diacritics are
// removed, as SQLite's default tokenizer does (migration 5). The one
// difference: N, n and avgdl count the owner's memories only, where FTS5
// counts the whole table, so that scores reveal nothing of other owners.
// For one owner the scores are SQLite's.
//
// Each term is a phrase of its own (phraseto_tsquery: user text is never
// read as query syntax, and a term of several words matches as a phrase);
// a memory matches if it has any of them. Scores are >= 0, higher is
// better.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
)

// keywordTermsSQL returns, for the owner $1 and the terms $2, each term
// that some live memory of the owner has, rarest first: its tsquery as
// text (a phrase of its words), its lexemes with their offsets in the
// phrase, the number of memories having it and its idf, with the owner's
// average length in words. A one-word term's count is read from
// memory_lexemes; a phrase's matches are counted.
const keywordTermsSQL = `WITH terms AS MATERIALIZED (
	SELECT t.i, phraseto_tsquery('memory_fts', memory_fts_text(t.term)) AS q, p.lexemes, p.offsets
	FROM unnest($2::text[]) WITH ORDINALITY AS t(term, i), LATERAL (
		SELECT array_agg(e.lexeme ORDER BY e.pos) AS lexemes, array_agg(e.pos - e.first ORDER BY e.pos) AS offsets
		FROM (SELECT u.lexeme, x.pos, min(x.pos) OVER () AS first
			FROM unnest(to_tsvector('memory_fts', memory_fts_text(t.term))) AS u, unnest(u.positions) AS x(pos)) AS e
	) AS p
	WHERE p.lexemes IS NOT NULL
), corpus AS MATERIALIZED (
	SELECT coalesce(max(c.live), 0) AS n, coalesce(max(c.words), 0) AS words FROM memory_owner_counts c WHERE c.owner = $1
)
SELECT t.q::text, t.lexemes, t.offsets, d.df, greatest(1e-6, ln((c.n - d.df + 0.5) / (d.df + 0.5))) AS idf,
	greatest(c.words, 1)::float8 / greatest(c.n, 1) AS avgdl
FROM terms t, corpus c, LATERAL (SELECT CASE WHEN cardinality(t.lexemes) = 1
	THEN coalesce((SELECT l.docs FROM memory_lexemes l WHERE l.owner = $1 AND l.lexeme = t.lexemes[1]), 0)
	ELSE (SELECT count(*) FROM memories m WHERE m.owner = $1 AND m.deleted_at IS NULL AND m.fts @@ t.q) END AS df) AS d
WHERE d.df > 0
ORDER BY idf DESC, t.i`

// kwTerm is a term of a keyword search with its statistics.
type kwTerm struct {
	query   string // tsquery text
	lexemes []string
	offsets []int32
	df      int64
	idf     float64
}

// KeywordSearch ranks owner's memories matching f for any of the terms by
// BM25 (see the top of keyword.go) and returns at most limit hits, best
// first, ties in insertion order. Terms are taken literally whatever they
// contain; terms without any word match nothing. It returns EInvalid for
// an invalid filter or a limit below 1.
//
// It runs a statement for the terms' statistics, then ranks (rankTerms,
// or impactSearch when every term is common).
func (s *Store) KeywordSearch(ctx context.Context, f memory.Filter, terms []string, limit int) ([]memory.Hit, error) {
	hits, _, err := s.keywordSearch(ctx, f, terms, limit, func(kts []kwTerm, limit int) bool {
		return s.KeywordImpact && useImpact(kts, limit)
	})
	return hits, err
}

// keywordSearch is KeywordSearch, ranking by impactSearch when impact
// says so; byImpact reports whether it did.
func (s *Store) keywordSearch(ctx context.Context, f memory.Filter, terms []string, limit int,
	impact func([]kwTerm, int) bool) (hits []memory.Hit, byImpact bool, err error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, false, err
	}
	if limit < 1 {
		return nil, false, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	clean := cleanTerms(terms)
	if len(clean) == 0 || flt.none {
		return nil, false, nil
	}
	var (
		kts   []kwTerm
		avgdl float64
	)
	err = s.read(ctx, func(q querier) error {
		kts = nil
		rows, err := q.Query(ctx, keywordTermsSQL, flt.Owner, clean)
		if err != nil {
			return err
		}
		var t kwTerm
		_, err = pgx.ForEachRow(rows, []any{&t.query, &t.lexemes, &t.offsets, &t.df, &t.idf, &avgdl}, func() error {
			kts = append(kts, t)
			return nil
		})
		return err
	})
	if err != nil || len(kts) == 0 {
		if err != nil {
			err = fmt.Errorf("keyword search: %w", err)
		}
		return nil, false, err
	}
	if impact(kts, limit) {
		hits, ok, err := s.impactSearch(ctx, flt, kts, avgdl, limit)
		if err != nil || ok {
			return hits, ok, err
		}
	}
	hits, err = s.rankTerms(ctx, flt, kts, avgdl, limit)
	return hits, false, err
}

// scoredHits runs a ranking statement whose rows are memoryCols and a
// score.
func (s *Store) scoredHits(ctx context.Context, query string, args []any) ([]memory.Hit, error) {
	var hits []memory.Hit
	err := s.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		hits = nil
		for rows.Next() {
			var score float64
			m, err := scanMemory(rows, &score)
			if err != nil {
				return err
			}
			hits = append(hits, memory.Hit{Memory: m, Score: max(0, score)})
		}
		return rows.Err()
	})
	return hits, err
}

// bm25SQL returns the BM25 score of memory m for the terms, binding its
// arguments in b. It is Σ idf·f·(k1+1)/(f+K), written
// idf·(k1+1)·(1 − K/(f+K)) so that f, the costly part, appears once (and
// 0 for f = 0).
func bm25SQL(b *sqlBuilder, kts []kwTerm, avgdl float64) string {
	k := "(1.2 * (0.25 + 0.75 * m.fts_len / " + b.arg(avgdl) + "::float8))"
	var score strings.Builder
	score.WriteString("(0")
	for _, t := range kts {
		tf := fmt.Sprintf("memory_tf(m.fts, %s::tsquery, %s, %s::text[], %s::int[])",
			b.arg(t.query), b.arg(len(t.lexemes) == 1), b.arg(t.lexemes), b.arg(t.offsets))
		fmt.Fprintf(&score, " + %s::float8 * 2.2 * (1 - %s / (%s + %s))", b.arg(t.idf), k, tf, k)
	}
	score.WriteString(")")
	return score.String()
}

// rankTerms ranks the memories matching f for the terms (rarest first)
// by BM25 and returns the best limit, in two statements, pruning as
// MaxScore does while staying exact.
//
// The rarest terms, as many as it takes for limit matches (by their
// counts), form the first set: the memories having any of them are all
// scored, and the best limit kept. The limit-th best score, theta, is a
// floor of the final limit-th. A memory without a first-set term scores
// only through the other terms, the rest; each adds less than its bound
// idf·(k1+1). So the most common ones, whose bounds together stay below
// theta, cannot lift a memory to theta alone: only memories having one of
// the others are read, each of them whole (restByTerms), or only where the
// weights reach theta's shares (restByImpact, see impact.go), whichever
// reads fewer. Both keep every memory scoring theta or more, so merging
// the two rankings gives the exact top limit, ties broken by insertion
// order.
func (s *Store) rankTerms(ctx context.Context, f filter, kts []kwTerm, avgdl float64, limit int) ([]memory.Hit, error) {
	n, _ := firstSet(kts, limit)
	first := orQuery(kts[:n])
	var b sqlBuilder
	lim := b.arg(limit)
	score := bm25SQL(&b, kts, avgdl)
	b.add("SELECT m.id, ", score, " AS score FROM memories m WHERE m.fts @@ ", b.arg(first), "::tsquery AND ")
	f.where(&b)
	b.add(" ORDER BY score DESC, m.id LIMIT ", lim)
	top, err := s.rankedIDs(ctx, b.String(), b.args)
	if err != nil || n == len(kts) {
		return s.hitsOf(ctx, top, limit, err)
	}
	theta := 0.0
	if len(top) == limit {
		theta = top[limit-1].score
	}
	rest := kts[n:]
	// rest[read:] are the most common terms, whose bounds together stay
	// below theta: no memory reaches theta through them alone.
	read := len(rest)
	for sum := 0.0; read > 0; read-- {
		sum += rest[read-1].idf * (k1 + 1) * (1 + 1e-9)
		if sum >= theta {
			break
		}
	}
	if read == 0 {
		return s.hitsOf(ctx, top, limit, nil)
	}
	var whole int64
	for _, t := range rest[:read] {
		whole += t.df
	}
	var more []scoredID
	over := true
	if s.KeywordImpact && theta > 0 && (s.impactAlways || whole >= impactMinRest) {
		if shares, cost := impactShares(rest, theta, avgdl); s.impactAlways || cost < float64(whole) {
			more, over, err = s.restByImpact(ctx, f, rest, shares, first, avgdl, limit, s.impactMost(float64(whole)))
		}
	}
	if err == nil && over {
		more, err = s.restByTerms(ctx, f, rest, rest[:read], first, avgdl, limit)
	}
	if err != nil {
		return nil, err
	}
	return s.hitsOf(ctx, append(top, more...), limit, nil)
}

// firstSet returns how many of the terms (rarest first) rankTerms scores
// all the memories of: the fewest that hold limit memories together, or
// all of them; and how many memories they hold.
func firstSet(kts []kwTerm, limit int) (n int, docs int64) {
	for n < len(kts) && docs < int64(limit) {
		docs += kts[n].df
		n++
	}
	return n, docs
}

// restByTerms returns the best limit memories matching f that have one of
// the terms read and none of the first set, scored by the rest.
func (s *Store) restByTerms(ctx context.Context, f filter, rest, read []kwTerm, first string, avgdl float64, limit int) ([]scoredID, error) {
	var b sqlBuilder
	lim := b.arg(limit)
	score := bm25SQL(&b, rest, avgdl)
	b.add("SELECT m.id, ", score, " AS score FROM memories m WHERE m.fts @@ ", b.arg(orQuery(read)), "::tsquery AND NOT (m.fts @@ ",
		b.arg(first), "::tsquery) AND ")
	f.where(&b)
	b.add(" ORDER BY score DESC, m.id LIMIT ", lim)
	return s.rankedIDs(ctx, b.String(), b.args)
}

// scoredID is a memory's row id and score.
type scoredID struct {
	id    int64
	score float64
}

// rankedIDs runs a statement returning row ids and scores.
func (s *Store) rankedIDs(ctx context.Context, query string, args []any) ([]scoredID, error) {
	var out []scoredID
	err := s.read(ctx, func(q querier) error {
		out = nil
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		var r scoredID
		_, err = pgx.ForEachRow(rows, []any{&r.id, &r.score}, func() error { out = append(out, r); return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	return out, nil
}

// hitsOf reads the memories of the best limit of ranked (by score, then
// row id), in that order.
func (s *Store) hitsOf(ctx context.Context, ranked []scoredID, limit int, err error) ([]memory.Hit, error) {
	if err != nil || len(ranked) == 0 {
		return nil, err
	}
	slices.SortFunc(ranked, func(a, b scoredID) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	ranked = ranked[:min(limit, len(ranked))]
	ids, scores := make([]int64, len(ranked)), make([]float64, len(ranked))
	for i, r := range ranked {
		ids[i], scores[i] = r.id, r.score
	}
	hits, err := s.scoredHits(ctx, "SELECT "+memoryCols+`, r.score FROM unnest($1::bigint[], $2::float8[]) WITH ORDINALITY AS r(id, score, i)
		JOIN memories m ON m.id = r.id ORDER BY r.i`, []any{ids, scores})
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	return hits, nil
}

// orQuery returns the tsquery text matching any of the terms.
func orQuery(kts []kwTerm) string {
	parts := make([]string, len(kts))
	for i, t := range kts {
		parts[i] = "(" + t.query + ")"
	}
	return strings.Join(parts, " | ")
}

// cleanTerms returns the distinct terms with text, without what PostgreSQL
// cannot take (NUL characters, invalid UTF-8).
func cleanTerms(terms []string) []string {
	var out []string
	seen := make(map[string]bool, len(terms))
	for _, t := range terms {
		t = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(t, "\x00", " "), " "))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
