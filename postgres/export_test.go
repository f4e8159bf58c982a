package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/mcp-memory-go/memory"
)

// ExplainVectorSearch returns the plan PostgreSQL makes for VectorSearch's
// index query, with the settings it runs under.
func (s *Store) ExplainVectorSearch(ctx context.Context, f memory.Filter, model string, vec []float32, limit int) (string, error) {
	flt, err := newFilter(f)
	if err != nil {
		return "", err
	}
	mi, err := s.lookupModel(ctx, model)
	if err != nil {
		return "", err
	}
	query, args := indexSearchSQL(flt, mi, pgvector.NewVector(vec), limit)
	var plan []string
	err = s.inTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := s.indexSettings(ctx, tx, limit); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+query, args...)
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return strings.Join(plan, "\n"), err
}

// KeywordSearchBy is KeywordSearch reading through impact classes as
// mode says: "none" never, "rest" for the words beyond the rarest
// (rankTerms) whenever it can, "all" for every word (impactSearch)
// whenever it can, else as "rest". used reports whether impactSearch
// ranked.
func (s *Store) KeywordSearchBy(ctx context.Context, f memory.Filter, terms []string, limit int, mode string) (hits []memory.Hit, used bool, err error) {
	old := s.KeywordImpact
	s.KeywordImpact, s.impactAlways = mode != "none", mode != "none"
	defer func() { s.KeywordImpact, s.impactAlways = old, false }()
	return s.keywordSearch(ctx, f, terms, limit, func([]kwTerm, int) bool { return mode == "all" })
}
