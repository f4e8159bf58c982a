package postgres

// Keyword search over the stored tsvector (column fts, GIN index) with a
// BM25-like ranking.
//
// Each term becomes a tsquery of its own (phraseto_tsquery: user text is
// never read as query syntax, and a term of several words matches as a
// phrase); a memory matches if it has any of them. Its score is
//
//	Σ over the terms it has: idf(term) · ts_rank({1,1,1,1}, fts, term, 1)
//
// ts_rank with equal weights grows with the term's frequency and saturates
// (as BM25's tf part does), and normalisation 1 divides by the log of the
// memory's length; idf = ln(1 + (N − df + 0.5) / (df + 0.5)) is BM25's,
// with N the owner's live memories (memory_owner_counts) and df those
// having the term, counted through the GIN index. The statistics are the
// owner's own, so scores reveal nothing of other owners' memories. Scores
// are >= 0, higher is better.

import (
	"context"
	"fmt"
	"strings"

	"github.com/mcp-memory-go/memory"
)

// keywordSQL is the query of KeywordSearch around the filter: $1 is the
// owner, $2 the terms.
const keywordSQL = `WITH terms AS MATERIALIZED (
	SELECT q FROM (SELECT DISTINCT phraseto_tsquery('memory_fts', memory_fts_text(t)) AS q FROM unnest($2::text[]) AS t) AS u
	WHERE numnode(q) > 0
), counts AS MATERIALIZED (
	SELECT q, (SELECT count(*) FROM memories d WHERE d.owner = $1 AND d.deleted_at IS NULL AND d.fts @@ q) AS df FROM terms
), weights AS (
	SELECT q, ln(1 + (greatest(n, df) - df + 0.5) / (df + 0.5)) AS idf
	FROM counts, (SELECT coalesce((SELECT live FROM memory_owner_counts WHERE owner = $1), 0) AS n) AS c
), query AS (
	SELECT memory_tsquery_or(q) AS q FROM weights
)
SELECT ` + memoryCols + `, r.score FROM (
	SELECT m.id, (SELECT sum(w.idf * ts_rank('{1,1,1,1}', m.fts, w.q, 1)) FROM weights w WHERE m.fts @@ w.q) AS score
	FROM memories m, query WHERE m.fts @@ query.q AND `

// KeywordSearch ranks owner's memories matching f for any of the terms
// (see the top of keyword.go) and returns at most limit hits, best first.
// Terms are taken literally whatever they contain; terms without any word
// match nothing. It returns EInvalid for an invalid filter or a limit below
// 1.
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
			var score float64
			m, err := scanMemory(rows, &score)
			if err != nil {
				return err
			}
			hits = append(hits, memory.Hit{Memory: m, Score: max(0, score)})
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
