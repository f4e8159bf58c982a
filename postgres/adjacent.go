package postgres

// Adjacent: the memories stored just before and after others, which search
// uses as their context.

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
)

// Adjacent returns, for each live memory of f.Owner named in hashes, up to
// n memories matching f on each side of it in creation order (ties broken
// by id, as Find orders them), nearest first, within window of its creation
// time (0: unbounded), in one snapshot: a lateral join per side, each an
// index scan on (owner, created_at). It returns EInvalid for an invalid
// filter, n < 1 or a negative window.
func (s *Store) Adjacent(ctx context.Context, f memory.Filter, hashes []string, n int, window time.Duration) (map[string]memory.Adjacency, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if err := memory.CheckAdjacent(n, window); err != nil {
		return nil, err
	}
	out := map[string]memory.Adjacency{}
	hashes, none := storableList(hashes, false, false)
	if len(hashes) == 0 || none {
		return out, nil
	}
	var b sqlBuilder
	side := func(dir int, cmp, order, bound string) {
		b.add("SELECT ", memoryCols, ", s.hash, ", fmt.Sprint(dir), " AS side, m.id FROM memories s CROSS JOIN LATERAL (SELECT m.* FROM memories m WHERE ")
		flt.where(&b)
		b.add(" AND (m.created_at, m.id) ", cmp, " (s.created_at, s.id)")
		if window > 0 {
			b.add(" AND m.created_at ", bound, b.arg(window), "::interval")
		}
		b.add(" ORDER BY m.created_at ", order, ", m.id ", order, " LIMIT ", b.arg(n), ") m",
			" WHERE s.owner = ", b.arg(flt.Owner), " AND s.deleted_at IS NULL AND s.hash = ANY(", b.arg(hashes), "::text[])")
	}
	side(-1, "<", "DESC", ">= s.created_at - ")
	b.add(" UNION ALL ")
	side(1, ">", "ASC", "<= s.created_at + ")
	before, after := map[string][]entry{}, map[string][]entry{}
	err = s.snapshot(ctx, func(q pgx.Tx) error {
		clear(before)
		clear(after)
		clear(out)
		rows, err := q.Query(ctx, b.String(), b.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				hash string
				dir  int
				id   int64
			)
			m, err := scanMemory(rows, &hash, &dir, &id)
			if err != nil {
				return err
			}
			if dir < 0 {
				before[hash] = append(before[hash], entry{m, id})
			} else {
				after[hash] = append(after[hash], entry{m, id})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// A memory with nothing on either side is found too.
		rows, err = q.Query(ctx, "SELECT m.hash FROM memories m WHERE m.owner = $1 AND m.deleted_at IS NULL AND m.hash = ANY($2::text[])", flt.Owner, hashes)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				return err
			}
			out[h] = memory.Adjacency{Before: list(before[h], true), After: list(after[h], false)}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("adjacent memories: %w", err)
	}
	return out, nil
}

// list orders the memories of one side nearest first: by creation time and
// id, descending before the memory, ascending after it.
func list(es []entry, desc bool) []*memory.Memory {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if !a.m.CreatedAt.Equal(b.m.CreatedAt) {
			return a.m.CreatedAt.Before(b.m.CreatedAt) != desc
		}
		return (a.id < b.id) != desc
	})
	ms := make([]*memory.Memory, len(es))
	for i, e := range es {
		ms[i] = e.m
	}
	return ms
}

// entry is a memory found beside another, with its row id.
type entry struct {
	m  *memory.Memory
	id int64
}
