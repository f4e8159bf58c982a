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
	"context"
	"fmt"
	"strings"

	"github.com/mcp-memory-go/memory"
)

// keywordSQL is the query of KeywordSearch around the filter: $1 is the
// owner, $2 the terms. terms holds each term's tsquery and its phrase as
// lexemes and their offsets; weights adds the term's idf.
const keywordSQL = `WITH terms AS MATERIALIZED (
	SELECT t.i, phraseto_tsquery('memory_fts', memory_fts_text(t.term)) AS q, p.lexemes, p.offsets
	FROM unnest($2::text[]) WITH ORDINALITY AS t(term, i), LATERAL (
		SELECT array_agg(e.lexeme ORDER BY e.pos) AS lexemes, array_agg(e.pos - e.first ORDER BY e.pos) AS offsets
		FROM (SELECT u.lexeme, x.pos, min(x.pos) OVER () AS first
			FROM unnest(to_tsvector('memory_fts', memory_fts_text(t.term))) AS u, unnest(u.positions) AS x(pos)) AS e
	) AS p
	WHERE p.lexemes IS NOT NULL
), corpus AS MATERIALIZED (
	SELECT coalesce(max(c.live), 0) AS n, greatest(coalesce(max(c.words), 0), 1)::float8 / greatest(coalesce(max(c.live), 0), 1) AS avgdl
	FROM memory_owner_counts c WHERE c.owner = $1
), weights AS MATERIALIZED (
	SELECT t.q, t.lexemes, t.offsets, greatest(1e-6, ln((c.n - t.df + 0.5) / (t.df + 0.5))) AS idf
	FROM corpus c, (SELECT t.*, (SELECT count(*) FROM memories d WHERE d.owner = $1 AND d.deleted_at IS NULL AND d.fts @@ t.q) AS df
		FROM terms t) AS t
), query AS (
	SELECT memory_tsquery_or(q) AS q FROM weights
)
SELECT ` + memoryCols + `, r.score FROM (
	SELECT m.id, (SELECT sum(w.idf * f.f * 2.2 / (f.f + 1.2 * (0.25 + 0.75 * m.fts_len / c.avgdl)))
		FROM weights w, LATERAL (SELECT memory_phrase_freq(m.fts, w.lexemes, w.offsets) AS f) AS f WHERE f.f > 0) AS score
	FROM memories m, query, corpus c WHERE m.fts @@ query.q AND `

// KeywordSearch ranks owner's memories matching f for any of the terms by
// BM25 (see the top of keyword.go) and returns at most limit hits, best
// first, ties in insertion order. Terms are taken literally whatever they
// contain; terms without any word match nothing. It returns EInvalid for
// an invalid filter or a limit below 1.
func (s *Store) KeywordSearch(ctx context.Context, f memory.Filter, terms []string, limit int) ([]memory.Hit, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	clean := cleanTerms(terms)
	if len(clean) == 0 || flt.none {
		return nil, nil
	}
	var b sqlBuilder
	b.arg(flt.Owner)
	b.arg(clean)
	b.add(keywordSQL)
	flt.where(&b)
	b.add(" ORDER BY score DESC, m.id LIMIT ", b.arg(limit), ") AS r JOIN memories m ON m.id = r.id ORDER BY r.score DESC, r.id")
	var hits []memory.Hit
	err = s.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, b.String(), b.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		hits = nil
		for rows.Next() {
			var score *float64
			m, err := scanMemory(rows, &score)
			if err != nil {
				return err
			}
			h := memory.Hit{Memory: m}
			if score != nil {
				h.Score = max(0, *score)
			}
			hits = append(hits, h)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	return hits, nil
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
