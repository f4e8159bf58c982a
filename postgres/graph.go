package postgres

// The associations graph (memory.Graph): typed edges between memories by
// hash, read only between live memories.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
)

var _ memory.Graph = (*Store)(nil)

// putEdgesSQL inserts or replaces the edges of parallel arrays whose two
// memories are live, in one statement.
const putEdgesSQL = `INSERT INTO memory_edges AS e (owner, source, target, type, similarity, metadata, created_at, updated_at)
SELECT u.owner, u.source, u.target, u.type, u.similarity, u.metadata::jsonb, u.created_at, u.updated_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::timestamptz[], $8::timestamptz[])
	AS u(owner, source, target, type, similarity, metadata, created_at, updated_at)
WHERE EXISTS (SELECT 1 FROM memories m WHERE m.owner = u.owner AND m.hash = u.source AND m.deleted_at IS NULL)
	AND EXISTS (SELECT 1 FROM memories m WHERE m.owner = u.owner AND m.hash = u.target AND m.deleted_at IS NULL)
ORDER BY u.owner, u.source, u.target, u.type
ON CONFLICT (owner, source, target, type) DO UPDATE SET
	similarity = excluded.similarity, metadata = excluded.metadata, updated_at = excluded.updated_at`

// PutEdges inserts or replaces edges in one statement (see memory.Graph),
// skipping those whose memories are not both live, and returns the number
// written. Of two edges of the batch with the same key, the last wins.
func (s *Store) PutEdges(ctx context.Context, edges []memory.Edge) (int, error) {
	type key struct{ owner, source, target, typ string }
	last := make(map[key]int, len(edges))
	metas := make([]string, len(edges))
	for i, e := range edges {
		e = e.Canonical()
		if err := e.Check(); err != nil {
			return 0, err
		}
		if !storable(e.Owner) || !storable(e.Source) || !storable(e.Target) {
			return 0, memory.Errorf(memory.EInvalid, "an edge names a memory with a NUL character or invalid UTF-8")
		}
		meta, err := e.MetadataJSON()
		if err != nil {
			return 0, err
		}
		metas[i] = meta
		last[key{e.Owner, e.Source, e.Target, e.Type}] = i
	}
	var (
		owners, sources, targets, types, meta []string
		sims                                  []float64
		created, updated                      []time.Time
	)
	for i, e := range edges {
		e = e.Canonical()
		if last[key{e.Owner, e.Source, e.Target, e.Type}] != i {
			continue
		}
		owners, sources, targets, types = append(owners, e.Owner), append(sources, e.Source), append(targets, e.Target), append(types, e.Type)
		sims, meta = append(sims, e.Similarity), append(meta, metas[i])
		created, updated = append(created, ms(e.CreatedAt)), append(updated, ms(e.UpdatedAt))
	}
	if len(owners) == 0 {
		return 0, nil
	}
	var n int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, putEdgesSQL, owners, sources, targets, types, sims, meta, created, updated)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("put edges: %w", err)
	}
	return int(n), nil
}

// edgeWhere appends the conditions of f on memory_edges (alias e).
func edgeWhere(b *sqlBuilder, f memory.EdgeFilter) {
	b.add("e.owner = ", b.arg(f.Owner))
	if len(f.Hashes) > 0 {
		p := b.arg(f.Hashes)
		b.add(" AND (e.source = ANY(", p, "::text[]) OR e.target = ANY(", p, "::text[]))")
	}
	if len(f.Types) > 0 {
		b.add(" AND e.type = ANY(", b.arg(f.Types), "::text[])")
	}
}

// liveEnds appends the joins keeping edges between live memories
// (current ones unless superseded is set).
func liveEnds(b *sqlBuilder, superseded bool) {
	cond := ""
	if !superseded {
		cond = " AND %[1]s.superseded_by = ''"
	}
	for _, end := range []struct{ alias, col string }{{"a", "source"}, {"z", "target"}} {
		b.add(fmt.Sprintf(" JOIN memories %[1]s ON %[1]s.owner = e.owner AND %[1]s.hash = e.%[2]s AND %[1]s.deleted_at IS NULL"+cond, end.alias, end.col))
	}
}

// checkEdgeFilter returns EInvalid for a filter without owner, and
// whether f can match nothing PostgreSQL stores.
func checkEdgeFilter(f *memory.EdgeFilter) (none bool, err error) {
	if f.Owner == "" {
		return false, memory.Errorf(memory.EInvalid, "edges need an owner")
	}
	none = !storable(f.Owner)
	if len(f.Hashes) > 0 {
		f.Hashes, none = storableList(f.Hashes, false, none)
	}
	if len(f.Types) > 0 {
		f.Types, none = storableList(f.Types, false, none)
	}
	return none, nil
}

// Edges returns the edges matching f between live memories, ordered by
// source, target and type.
func (s *Store) Edges(ctx context.Context, f memory.EdgeFilter) ([]memory.Edge, error) {
	none, err := checkEdgeFilter(&f)
	if err != nil || none {
		return []memory.Edge{}, err
	}
	var b sqlBuilder
	b.add("SELECT e.owner, e.source, e.target, e.type, e.similarity, e.metadata, e.created_at, e.updated_at FROM memory_edges e")
	liveEnds(&b, f.IncludeSuperseded)
	b.add(" WHERE ")
	edgeWhere(&b, f)
	b.add(" ORDER BY e.source, e.target, e.type") // the primary key's order: hex hashes and type names sort alike in every collation
	if f.Limit > 0 {
		b.add(" LIMIT ", b.arg(f.Limit))
	}
	return listRecords(ctx, s, scanEdge, "edges", b.String(), b.args...)
}

func scanEdge(row pgx.Row) (memory.Edge, error) {
	var e memory.Edge
	var meta []byte
	if err := row.Scan(&e.Owner, &e.Source, &e.Target, &e.Type, &e.Similarity, &meta, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return e, err
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if err := json.Unmarshal(meta, &e.Metadata); err != nil {
		return e, fmt.Errorf("metadata of edge %.12s-%.12s: %w", e.Source, e.Target, err)
	}
	if e.Metadata == nil {
		e.Metadata = map[string]any{}
	}
	return e, nil
}

// DeleteEdges removes the edges matching f, whatever the state of their
// memories, and returns how many.
func (s *Store) DeleteEdges(ctx context.Context, f memory.EdgeFilter) (int, error) {
	if f.Owner != "" && len(f.Hashes) == 0 && len(f.Types) == 0 {
		return 0, memory.Errorf(memory.EInvalid, "deleting edges needs hashes or types besides the owner")
	}
	none, err := checkEdgeFilter(&f)
	if err != nil || none {
		return 0, err
	}
	var b sqlBuilder
	b.add("DELETE FROM memory_edges AS e WHERE ")
	edgeWhere(&b, f)
	var n int64
	err = s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, b.String(), b.args...)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete edges: %w", err)
	}
	return int(n), nil
}

// EdgeCounts returns the number of edges of each type between owner's
// live, current memories.
func (s *Store) EdgeCounts(ctx context.Context, owner string) (map[string]int64, error) {
	if owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "edges need an owner")
	}
	out := map[string]int64{}
	if !storable(owner) {
		return out, nil
	}
	var b sqlBuilder
	b.add("SELECT e.type, count(*) FROM memory_edges e")
	liveEnds(&b, false)
	b.add(" WHERE e.owner = ", b.arg(owner), " GROUP BY e.type")
	err := s.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, b.String(), b.args...)
		if err != nil {
			return err
		}
		var (
			t string
			n int64
		)
		_, err = pgx.ForEachRow(rows, []any{&t, &n}, func() error { out[t] = n; return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count edges: %w", err)
	}
	return out, nil
}

// hubsSQL counts the edges of each live, current memory of owner $1,
// keeping those with at least $2, most connected first, at most $3 (NULL:
// all).
const hubsSQL = `SELECT x.h, count(*) AS n FROM (
		SELECT source AS h, target AS o FROM memory_edges WHERE owner = $1
		UNION ALL SELECT target, source FROM memory_edges WHERE owner = $1) x
	JOIN memories a ON a.owner = $1 AND a.hash = x.h AND a.deleted_at IS NULL AND a.superseded_by = ''
	JOIN memories z ON z.owner = $1 AND z.hash = x.o AND z.deleted_at IS NULL AND z.superseded_by = ''
	GROUP BY x.h HAVING count(*) >= $2 ORDER BY n DESC, x.h LIMIT $3`

// Hubs returns owner's live, current memories with at least minDegree
// edges (below 1 counts as 1), most connected first, at most limit (0:
// all).
func (s *Store) Hubs(ctx context.Context, owner string, minDegree, limit int) ([]memory.NodeDegree, error) {
	if owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "edges need an owner")
	}
	if !storable(owner) {
		return []memory.NodeDegree{}, nil
	}
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	return listRecords(ctx, s, func(r pgx.Row) (memory.NodeDegree, error) {
		var d memory.NodeDegree
		return d, r.Scan(&d.Hash, &d.Degree)
	}, "connections", hubsSQL, owner, max(minDegree, 1), lim)
}
