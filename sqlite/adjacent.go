package sqlite

// Adjacent: the memories stored just before and after others, which search
// uses as their context.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mcp-memory-go/memory"
)

// Adjacent returns, for each live memory of f.Owner named in hashes, up to
// n memories matching f on each side of it in creation order (ties broken
// by row id, as Find orders them), nearest first, within window of its
// creation time (0: unbounded). One statement finds the row ids (each side
// is two seeks on the owner's creation-time index, see adjacentSQL) and a
// second reads the rows. It returns EInvalid for an invalid filter, n < 1
// or a negative window.
func (s *Store) Adjacent(ctx context.Context, f memory.Filter, hashes []string, n int, window time.Duration) (map[string]memory.Adjacency, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if err := memory.CheckAdjacent(n, window); err != nil {
		return nil, err
	}
	out := map[string]memory.Adjacency{}
	if len(hashes) == 0 {
		return out, nil
	}
	query, args := adjacentSQL(flt, hashes, n, window)
	type ids struct{ before, after []int64 }
	found := map[string]ids{}
	var all []int64
	rows, err := s.on(nil).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("adjacent memories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			hash          string
			before, after string
			v             ids
		)
		if err := rows.Scan(&hash, &before, &after); err != nil {
			return nil, fmt.Errorf("adjacent memories: %w", err)
		}
		if json.Unmarshal([]byte(before), &v.before) != nil || json.Unmarshal([]byte(after), &v.after) != nil {
			return nil, fmt.Errorf("adjacent memories: bad id lists %q, %q", before, after)
		}
		found[hash] = v
		all = append(append(all, v.before...), v.after...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("adjacent memories: %w", err)
	}
	rows.Close()
	byID, err := s.readIDs(ctx, memoryColsNoVector, all)
	if err != nil {
		return nil, fmt.Errorf("adjacent memories: %w", err)
	}
	pick := func(ids []int64, desc bool) []*memory.Memory {
		ms := make([]*memory.Memory, 0, len(ids))
		ord := make([]int64, 0, len(ids))
		for _, id := range ids {
			if m := byID[id]; m != nil {
				ms, ord = append(ms, m), append(ord, id)
			}
		}
		// json_group_array keeps the subquery's order in practice; sort
		// anyway, so that the contract never rests on it.
		idx := make([]int, len(ms))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool {
			x, y := ms[idx[a]], ms[idx[b]]
			less := x.CreatedAt.Before(y.CreatedAt) || x.CreatedAt.Equal(y.CreatedAt) && ord[idx[a]] < ord[idx[b]]
			return less != desc
		})
		sorted := make([]*memory.Memory, len(ms))
		for i, j := range idx {
			sorted[i] = ms[j]
		}
		return sorted
	}
	for h, v := range found {
		out[h] = memory.Adjacency{Before: pick(v.before, true), After: pick(v.after, false)}
	}
	return out, nil
}

// adjacentSQL returns the statement of Adjacent that finds the row ids on
// each side of the memories named in hashes, and its arguments. Each side
// is a correlated subquery that walks the owner's creation-time index from
// the memory outwards and stops after n.
func adjacentSQL(flt filter, hashes []string, n int, window time.Duration) (string, []any) {
	var b sqlBuilder
	// Each side is the nearest n of two index seeks: the memories created at
	// the same time (walked by row id from the memory's own) and those
	// created earlier or later (walked by time, bounded by the window), so
	// that neither a batch sharing one time nor a gap before the window
	// makes SQLite read more than it returns.
	// A tag filter would otherwise lead SQLite to read every memory with
	// the tags and sort them; walking the time index and checking the tags
	// reads about n divided by their share, within the window.
	from := "FROM memories m"
	if len(flt.tags) > 0 && len(flt.Types) == 0 {
		from += " INDEXED BY memories_owner_created"
	}
	side := func(cmp, order, bound string) {
		b.add("(SELECT json_group_array(id) FROM (SELECT id FROM (SELECT * FROM (SELECT m.id AS id, m.created_at AS t " + from + " WHERE ")
		flt.where(&b)
		b.add(" AND m.created_at = s.created_at AND m.id "+cmp+" s.id ORDER BY m.id "+order+" LIMIT ?) UNION ALL SELECT * FROM (SELECT m.id, m.created_at "+from+" WHERE ", n)
		flt.where(&b)
		b.add(" AND m.created_at " + cmp + " s.created_at")
		if window > 0 {
			b.add(" AND m.created_at "+bound, window.Milliseconds())
		}
		b.add(" ORDER BY m.created_at "+order+", m.id "+order+" LIMIT ?)) ORDER BY t "+order+", id "+order+" LIMIT ?))", n, n)
	}
	b.add("SELECT s.hash, ")
	side("<", "DESC", ">= s.created_at - ?")
	b.add(", ")
	side(">", "ASC", "<= s.created_at + ?")
	b.add(" FROM memories s WHERE s.owner = ? AND s.deleted_at IS NULL AND s.hash IN ", flt.Owner)
	b.in(hashes)
	return b.String(), b.args
}

// memoryColsNoVector is memoryCols without the vector, which context does
// not need.
var memoryColsNoVector = strings.Replace(memoryCols, "(SELECT v.embedding FROM memory_vectors v WHERE v.memory_id = m.id)", "NULL", 1)
