package sqlite

// Internals exposed to the external tests of this package.

import (
	"context"
	"path/filepath"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/internal/fts5q"
)

// ExecRaw runs query on the database file at path through a plain
// connection, bypassing the Store.
func ExecRaw(ctx context.Context, path, query string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	db, err := driver.Open(dsn(abs))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query)
	return err
}

// QueryPlan returns the EXPLAIN QUERY PLAN lines of query on s.
func (s *Store) QueryPlan(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// KeywordSQL returns the plain query of KeywordSearch.
func KeywordSQL(f memory.Filter, terms []string, limit int) (string, []any, error) {
	flt, err := newFilter(f)
	if err != nil {
		return "", nil, err
	}
	q, args := keywordSQL(flt, matchExpr(terms), limit)
	return q, args, nil
}

// PrunedSQL returns the pruned query of KeywordSearch.
func PrunedSQL(f memory.Filter, terms []string, limit int) (string, []any, error) {
	flt, err := newFilter(f)
	if err != nil {
		return "", nil, err
	}
	phrases := matchPhrases(terms)
	q, args := prunedSQL(flt, phrases, newPruner(limit, len(phrases)), limit)
	return q, args, nil
}

// KeywordStats describes how KeywordSearch ran: Pruned whether the pruned
// query produced the hits, Stats whether it loaded the statistics (and so
// pruned), Scanned the matches memory_may_rank read, Admitted those that
// reached bm25().
type KeywordStats struct {
	Pruned, Stats     bool
	Scanned, Admitted int
}

// KeywordSearchPlain runs KeywordSearch with the plain query only.
func (s *Store) KeywordSearchPlain(ctx context.Context, f memory.Filter, terms []string, limit int) ([]memory.Hit, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	phrases := matchPhrases(terms)
	if len(phrases) == 0 {
		return nil, nil
	}
	hits, _, err := s.keywordSearch(ctx, flt, phrases, limit, -1)
	return hits, err
}

// KeywordSearchStats runs KeywordSearch, whose pruner asks for statistics
// after statsAfter matches (0: the default), and tells how it ran.
func (s *Store) KeywordSearchStats(ctx context.Context, f memory.Filter, terms []string, limit, statsAfter int) ([]memory.Hit, KeywordStats, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, KeywordStats{}, err
	}
	if statsAfter == 0 {
		statsAfter = defaultStatsAfter
	}
	hits, p, err := s.keywordSearch(ctx, flt, matchPhrases(terms), limit, statsAfter)
	if p == nil {
		return hits, KeywordStats{}, err
	}
	return hits, KeywordStats{Pruned: true, Stats: p.ready, Scanned: p.scanned, Admitted: p.admitted}, err
}

// FindSQL returns the listing query Find runs.
func FindSQL(f memory.Filter) (string, []any, error) {
	flt, err := newFilter(f)
	if err != nil {
		return "", nil, err
	}
	var b sqlBuilder
	b.add("SELECT " + memoryCols + " FROM memories m WHERE ")
	flt.where(&b)
	order, err := orderBy(memory.NewestFirst, flt)
	if err != nil {
		return "", nil, err
	}
	b.add(order + " LIMIT 10")
	return b.String(), b.args, nil
}

// CandidateSQL returns the query selecting vector search candidates.
func CandidateSQL(f memory.Filter) (string, []any, error) {
	flt, err := newFilter(f)
	if err != nil {
		return "", nil, err
	}
	var b sqlBuilder
	flt.candidates(&b)
	return b.String(), b.args, nil
}

// MatchExpr is matchExpr.
var MatchExpr = matchExpr

// SlabLoaded reports whether the vectors of model are in memory.
func (s *Store) SlabLoaded(model string) bool {
	s.vec.mu.Lock()
	defer s.vec.mu.Unlock()
	return s.vec.slabs[model] != nil
}

// PendingSQL is the query of PendingEmbeddings.
const PendingSQL = pendingSQL

// Exec runs a statement on the store's database.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

// The queries that load and refresh the vector slab.
const (
	SlabLoadSQL  = slabLoadSQL
	SlabDeltaSQL = slabDeltaSQL
)

// ConsolidationPendingSQL returns the two queries of Pending with their
// arguments.
func ConsolidationPendingSQL(f memory.Filter, limit int) (qs [2]string, args [2][]any, err error) {
	flt, err := newFilter(f)
	if err != nil {
		return qs, args, err
	}
	fresh, marked := consolidationPendingSQL(flt, limit)
	return [2]string{fresh.String(), marked.String()}, [2][]any{fresh.args, append(marked.args, limit)}, nil
}

// GraphEdgesSQL returns the query of Edges.
func GraphEdgesSQL(f memory.EdgeFilter) (string, []any) { return edgesSQL(f) }

// AdjacentSQL returns the id query of Adjacent.
func AdjacentSQL(f memory.Filter, hashes []string, n int, window time.Duration) (string, []any) {
	flt, err := newFilter(f)
	if err != nil {
		panic(err)
	}
	return adjacentSQL(flt, hashes, n, window)
}

// KeywordSearchIndexed runs KeywordSearch on the in-memory keyword index
// alone, loading it first if needed; ok is false when the index could not
// answer and FTS5 would have.
func (s *Store) KeywordSearchIndexed(ctx context.Context, f memory.Filter, terms []string, limit int) (hits []memory.Hit, ok bool, err error) {
	s.kw.wg.Wait() // a background load under way
	if err := s.preloadKW(ctx); err != nil {
		return nil, false, err
	}
	flt, err := newFilter(f)
	if err != nil {
		return nil, false, err
	}
	return s.indexedKeywordSearch(ctx, flt, fts5q.Texts(terms), limit)
}

// KeywordIndexState tells whether the keyword index is loaded and whether
// it was found wrong.
func (s *Store) KeywordIndexState() (loaded, broken bool) {
	s.kw.mu.Lock()
	defer s.kw.mu.Unlock()
	return s.kw.idx != nil, s.kw.broken
}

// CheckFTS runs FTS5's integrity check of the full-text index on s's own
// connection (where the fts5 module is registered).
func (s *Store) CheckFTS(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 0)")
	return err
}
