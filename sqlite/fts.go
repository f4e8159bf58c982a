package sqlite

// Keyword search: the FTS5 index (its tokenizer, creation and rebuild), the
// MATCH expression built from user terms, and KeywordSearch.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/internal/fts5q"
)

// The FTS5 index is contentless (it stores no copy of the text) with
// contentless_delete, so rows are removed by rowid alone, and it holds
// live memories only: the triggers of migration 1 keep it in sync.

// tokenizerKey is the settings key recording the index's tokenizer.
const tokenizerKey = "fts_tokenizer"

// ensureFTS creates the FTS5 index with s.Tokenizer if the database has
// none, or else reads the tokenizer the database was created with.
func (s *Store) ensureFTS(ctx context.Context) error {
	tok, err := s.recordedTokenizer(ctx, s.db)
	if err != nil {
		return err
	}
	if tok == "" {
		err = s.writeTx(ctx, func(tx *sql.Tx) error {
			// Another process may have created it since.
			if tok, err = s.recordedTokenizer(ctx, tx); err != nil || tok != "" {
				return err
			}
			tok = s.Tokenizer
			return createFTS(ctx, tx, tok)
		})
		if err != nil {
			return fmt.Errorf("create full-text index: %w", err)
		}
	}
	if tok != s.Tokenizer {
		s.Logger.Info("the database keeps the full-text tokenizer it was created with", "tokenizer", tok, "configured", s.Tokenizer)
	}
	s.mu.Lock()
	s.tokenizer = tok
	s.mu.Unlock()
	return nil
}

// querier is *sql.DB, *sql.Tx or a queryer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// recordedTokenizer returns the tokenizer recorded in the database, or "".
func (s *Store) recordedTokenizer(ctx context.Context, q querier) (string, error) {
	var tok string
	err := q.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", tokenizerKey).Scan(&tok)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read full-text tokenizer: %w", err)
	}
	return tok, nil
}

// createFTS (re)creates the index with tokenizer tok, fills it with the
// live memories and records tok.
func createFTS(ctx context.Context, tx *sql.Tx, tok string) error {
	lit := "'" + strings.ReplaceAll(tok, "'", "''") + "'"
	// Try the tokenizer on a scratch table first, so that a bad one is
	// told apart from other failures.
	if _, err := tx.ExecContext(ctx, "CREATE VIRTUAL TABLE temp.tokenizer_probe USING fts5(x, tokenize = "+lit+")"); err != nil {
		return memory.Errorf(memory.EInvalid, "cannot use FTS5 tokenizer %q: %v", tok, err)
	}
	stmts := []string{
		"DROP TABLE temp.tokenizer_probe",
		"DROP TABLE IF EXISTS memories_fts",
		"CREATE VIRTUAL TABLE memories_fts USING fts5(content, content = '', contentless_delete = 1, tokenize = " + lit + ")",
		"INSERT INTO memories_fts (rowid, content) SELECT id, content FROM memories WHERE deleted_at IS NULL",
		// Other processes hold the old index's tokens in memory (see
		// kwload.go): this makes them load the new ones.
		"UPDATE counters SET purges = purges + 1",
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("tokenizer %q: %w", tok, err)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, tokenizerKey, tok)
	return err
}

// FTSTokenizer returns the FTS5 tokenizer of the open database, which is
// the one it was created with (or last rebuilt with), not necessarily
// s.Tokenizer.
func (s *Store) FTSTokenizer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenizer
}

// SetTokenizer rebuilds the full-text index with another FTS5 tokenizer
// (for example "unicode61", "porter unicode61" or "trigram") and records
// it in the database. It reads every live memory, so it takes time
// proportional to the store. Other processes keep working and use the new
// index from their next query. It returns EInvalid for an empty or
// unknown tokenizer, leaving the index as it was.
func (s *Store) SetTokenizer(ctx context.Context, tok string) error {
	if strings.TrimSpace(tok) == "" {
		return memory.Errorf(memory.EInvalid, "empty tokenizer")
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error { return createFTS(ctx, tx, tok) })
	if memory.ErrorCode(err) == memory.EInvalid {
		return err
	}
	if err != nil {
		return fmt.Errorf("rebuild full-text index: %w", err)
	}
	s.mu.Lock()
	s.tokenizer = tok
	s.mu.Unlock()
	return nil
}

// matchPhrases returns the terms as FTS5 phrases (see fts5q.Phrases).
func matchPhrases(terms []string) []string { return fts5q.Phrases(terms) }

// matchExpr returns an FTS5 query matching any of the terms.
func matchExpr(terms []string) string { return fts5q.Any(terms) }

// keywordSQL returns the plain query of KeywordSearch and its arguments.
// The CROSS JOIN makes SQLite read the full-text index first and look up
// each match by row id; it never scans memories evaluating MATCH per row.
// The inner query ranks ids only, so that the columns of a memory (its tags
// and vector among them) are read for the hits alone, not for every match.
// A filter on tags or hashes is checked first on an index (prefilter), so
// that only the matches carrying them are looked up. The limit is +?, not
// ?: SQLite marks a plain LIMIT ? as a parameter its plan depends on, and
// the driver's clearing of the bindings before each run then makes it
// prepare the whole statement again, which took a third of a small search.
func keywordSQL(f filter, match string, limit int) (string, []any) {
	var b sqlBuilder
	b.add("SELECT "+memoryCols+", r.rank FROM (SELECT m.id AS id, bm25(memories_fts) AS rank"+
		" FROM memories_fts CROSS JOIN memories m ON m.id = memories_fts.rowid"+
		" WHERE memories_fts MATCH ? AND ", match)
	if rest, ok := f.prefilter(&b); ok {
		b.add(" AND ")
		f = rest
	}
	f.where(&b)
	b.add(" ORDER BY rank, m.id LIMIT +?) AS r CROSS JOIN memories m ON m.id = r.id ORDER BY r.rank, r.id", limit)
	return b.String(), b.args
}

// KeywordSearch ranks owner's memories matching f by BM25 for any of the
// terms and returns at most limit hits, best first, with Score = -bm25 (>=
// 0, higher is better). Terms are taken literally whatever they contain;
// terms without any word match nothing. It returns EInvalid for an invalid
// filter or a limit below 1.
//
// It searches the in-memory keyword index (kwsearch.go) once loaded, which
// returns the hits and scores of FTS5's bm25() many times faster, and
// otherwise runs the pruned query (see rank.go), which returns the hits of
// the plain query faster, and the plain query in the unexpected case where
// the pruned one could not vouch for its result.
func (s *Store) KeywordSearch(ctx context.Context, f memory.Filter, terms []string, limit int) ([]memory.Hit, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	phrases := matchPhrases(terms)
	if len(phrases) == 0 {
		return nil, nil
	}
	hits, ok, err := s.indexedKeywordSearch(ctx, flt, fts5q.Texts(terms), limit)
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	if ok {
		return hits, nil
	}
	hits, _, err = s.keywordSearch(ctx, flt, phrases, limit, defaultStatsAfter)
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	return hits, nil
}

// keywordSearch runs the pruned query, whose pruner asks for statistics
// after statsAfter matches, then the plain one if the pruned one did not
// complete; with statsAfter < 0, only the plain query. It returns the
// pruner of a pruned search that completed, for tests.
func (s *Store) keywordSearch(ctx context.Context, f filter, phrases []string, limit, statsAfter int) ([]memory.Hit, *pruner, error) {
	q := s.on(nil)
	if statsAfter >= 0 {
		p := newPruner(limit, len(phrases))
		p.statsAfter = statsAfter
		query, args := prunedSQL(f, phrases, p, limit)
		hits, err := scanHits(q.QueryContext(ctx, query, args...))
		if err != nil || p.complete() {
			return hits, p, err
		}
	}
	query, args := keywordSQL(f, strings.Join(phrases, " OR "), limit)
	hits, err := scanHits(q.QueryContext(ctx, query, args...))
	return hits, nil, err
}

// scanHits reads the rows of a keyword query.
func scanHits(rows *sql.Rows, err error) ([]memory.Hit, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []memory.Hit
	for rows.Next() {
		var rank float64
		m, _, err := scanMemory(rows, &rank)
		if err != nil {
			return nil, err
		}
		hits = append(hits, memory.Hit{Memory: m, Score: max(0, -rank)})
	}
	return hits, rows.Err()
}
