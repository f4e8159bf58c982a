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

// KeywordSearchBy is KeywordSearch ranking by impactSearch whenever it
// can (impact true) or never; used reports whether impactSearch ranked
// (it leaves terms matching fewer than limit memories to the full
// ranking).
func (s *Store) KeywordSearchBy(ctx context.Context, f memory.Filter, terms []string, limit int, impact bool) (hits []memory.Hit, used bool, err error) {
	s.impactAlways = impact
	defer func() { s.impactAlways = false }()
	return s.keywordSearch(ctx, f, terms, limit, func([]kwTerm, int) bool { return impact })
}
