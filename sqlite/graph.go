package sqlite

// The associations graph (memory.Graph): typed edges between memories by
// hash, read only between live memories.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mcp-memory-go/memory"
)

var _ memory.Graph = (*Store)(nil)

// putEdgeSQL inserts or replaces an edge whose two memories are live.
const putEdgeSQL = `INSERT INTO memory_edges (owner, source, target, type, similarity, metadata, created_at, updated_at)
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
WHERE EXISTS (SELECT 1 FROM memories WHERE owner = ?1 AND hash = ?2 AND deleted_at IS NULL)
	AND EXISTS (SELECT 1 FROM memories WHERE owner = ?1 AND hash = ?3 AND deleted_at IS NULL)
ON CONFLICT (owner, source, target, type) DO UPDATE SET
	similarity = excluded.similarity, metadata = excluded.metadata, updated_at = excluded.updated_at`

// PutEdges inserts or replaces edges in one transaction (see
// memory.Graph), skipping those whose memories are not both live, and
// returns the number written.
func (s *Store) PutEdges(ctx context.Context, edges []memory.Edge) (int, error) {
	type row struct {
		e    memory.Edge
		meta string
	}
	rows := make([]row, 0, len(edges))
	for _, e := range edges {
		e = e.Canonical()
		if err := e.Check(); err != nil {
			return 0, err
		}
		meta, err := e.MetadataJSON()
		if err != nil {
			return 0, err
		}
		rows = append(rows, row{e, meta})
	}
	if len(rows) == 0 {
		return 0, nil
	}
	var n int
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		n = 0
		q := s.on(tx)
		for _, r := range rows {
			e := r.e
			res, err := q.ExecContext(ctx, putEdgeSQL, e.Owner, e.Source, e.Target, e.Type, e.Similarity, r.meta, ms(e.CreatedAt), ms(e.UpdatedAt))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("put edges: %w", err)
	}
	return n, nil
}

// edgeWhere appends the conditions of f on memory_edges (alias e).
func edgeWhere(b *sqlBuilder, f memory.EdgeFilter) {
	b.add("e.owner = ?", f.Owner)
	if len(f.Hashes) > 0 {
		b.add(" AND (e.source IN ")
		b.in(f.Hashes)
		b.add(" OR e.target IN ")
		b.in(f.Hashes)
		b.add(")")
	}
	if len(f.Types) > 0 {
		b.add(" AND e.type IN ")
		b.in(f.Types)
	}
}

// liveEnds appends the joins keeping edges between live memories.
func liveEnds(b *sqlBuilder, superseded bool) {
	cond := ""
	if !superseded {
		cond = " AND %[1]s.superseded_by = ''"
	}
	for _, end := range []struct{ alias, col string }{{"a", "source"}, {"z", "target"}} {
		b.add(fmt.Sprintf(" JOIN memories %[1]s ON %[1]s.owner = e.owner AND %[1]s.hash = e.%[2]s AND %[1]s.deleted_at IS NULL"+cond, end.alias, end.col))
	}
}

// edgesSQL returns the query of Edges and its arguments.
func edgesSQL(f memory.EdgeFilter) (string, []any) {
	var b sqlBuilder
	b.add("SELECT e.owner, e.source, e.target, e.type, e.similarity, e.metadata, e.created_at, e.updated_at FROM memory_edges e")
	liveEnds(&b, f.IncludeSuperseded)
	b.add(" WHERE ")
	edgeWhere(&b, f)
	b.add(" ORDER BY e.source, e.target, e.type")
	if f.Limit > 0 {
		b.add(" LIMIT ?", f.Limit)
	}
	return b.String(), b.args
}

// Edges returns the edges matching f between live memories, ordered by
// source, target and type.
func (s *Store) Edges(ctx context.Context, f memory.EdgeFilter) ([]memory.Edge, error) {
	if f.Owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "edges need an owner")
	}
	query, args := edgesSQL(f)
	rows, err := s.on(nil).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read edges: %w", err)
	}
	defer rows.Close()
	out := []memory.Edge{}
	for rows.Next() {
		var e memory.Edge
		var meta string
		if err := rows.Scan(&e.Owner, &e.Source, &e.Target, &e.Type, &e.Similarity, &meta, msTime{&e.CreatedAt}, msTime{&e.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("read edges: %w", err)
		}
		if err := json.Unmarshal([]byte(meta), &e.Metadata); err != nil {
			return nil, fmt.Errorf("metadata of edge %.12s-%.12s: %w", e.Source, e.Target, err)
		}
		if e.Metadata == nil {
			e.Metadata = map[string]any{}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read edges: %w", err)
	}
	return out, nil
}

// DeleteEdges removes the edges matching f, whatever the state of their
// memories, and returns how many.
func (s *Store) DeleteEdges(ctx context.Context, f memory.EdgeFilter) (int, error) {
	if f.Owner == "" {
		return 0, memory.Errorf(memory.EInvalid, "edges need an owner")
	}
	if len(f.Hashes) == 0 && len(f.Types) == 0 {
		return 0, memory.Errorf(memory.EInvalid, "deleting edges needs hashes or types besides the owner")
	}
	var b sqlBuilder
	b.add("DELETE FROM memory_edges AS e WHERE ")
	edgeWhere(&b, f)
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, b.String(), b.args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
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
	var b sqlBuilder
	b.add("SELECT e.type, count(*) FROM memory_edges e")
	liveEnds(&b, false)
	b.add(" WHERE e.owner = ? GROUP BY e.type", owner)
	rows, err := s.on(nil).QueryContext(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("count edges: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("count edges: %w", err)
		}
		out[t] = n
	}
	return out, rows.Err()
}

// hubsSQL counts the edges of each live, current memory of owner ?1,
// keeping those with at least ?2, most connected first.
var hubsSQL = strings.Join([]string{
	`SELECT x.h, count(*) AS n FROM (
		SELECT source AS h, target AS o FROM memory_edges WHERE owner = ?1
		UNION ALL SELECT target, source FROM memory_edges WHERE owner = ?1) x`,
	`JOIN memories a ON a.owner = ?1 AND a.hash = x.h AND a.deleted_at IS NULL AND a.superseded_by = ''`,
	`JOIN memories z ON z.owner = ?1 AND z.hash = x.o AND z.deleted_at IS NULL AND z.superseded_by = ''`,
	`GROUP BY x.h HAVING n >= ?2 ORDER BY n DESC, x.h LIMIT ?3`,
}, " ")

// Hubs returns owner's live, current memories with at least minDegree
// edges (below 1 counts as 1), most connected first, at most limit (0:
// all).
func (s *Store) Hubs(ctx context.Context, owner string, minDegree, limit int) ([]memory.NodeDegree, error) {
	if owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "edges need an owner")
	}
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.on(nil).QueryContext(ctx, hubsSQL, owner, max(minDegree, 1), limit)
	if err != nil {
		return nil, fmt.Errorf("count connections: %w", err)
	}
	defer rows.Close()
	out := []memory.NodeDegree{}
	for rows.Next() {
		var d memory.NodeDegree
		if err := rows.Scan(&d.Hash, &d.Degree); err != nil {
			return nil, fmt.Errorf("count connections: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
