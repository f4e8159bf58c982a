package sqlite

// Adjacent: the memories stored just before and after others, which search
// uses as their context.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/mcp-memory-go/memory"
)

// Adjacent returns, for each live memory of f.Owner named in hashes and
// matching f, up to n memories matching f on each side of it in creation
// order (ties broken by row id, as Find orders them), nearest first, within
// window of its creation time (0: unbounded). One statement finds the row
// ids (each side is a seek on the owner's creation-time index) and a second
// reads the rows. It returns EInvalid for an invalid filter, n < 1 or a
// negative window.
func (s *Store) Adjacent(ctx context.Context, f memory.Filter, hashes []string, n int, window time.Duration) (map[string]memory.Adjacency, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if n < 1 || window < 0 {
		return nil, memory.Errorf(memory.EInvalid, "adjacent memories need n >= 1 and a window >= 0, got %d and %s", n, window)
	}
	out := map[string]memory.Adjacency{}
	if len(hashes) == 0 {
		return out, nil
	}
	var b sqlBuilder
	// The time bound is a range on the index, so that a side with nothing
	// near reads nothing.
	side := func(cmp, order, bound string) {
		b.add("(SELECT json_group_array(id) FROM (SELECT m.id AS id FROM memories m WHERE ")
		flt.where(&b)
		b.add(" AND (m.created_at " + cmp + " s.created_at OR (m.created_at = s.created_at AND m.id " + cmp + " s.id))")
		if window > 0 {
			b.add(" AND m.created_at "+bound, window.Milliseconds())
		}
		b.add(" ORDER BY m.created_at "+order+", m.id "+order+" LIMIT ?))", n)
	}
	b.add("SELECT s.hash, ")
	side("<", "DESC", ">= s.created_at - ?")
	b.add(", ")
	side(">", "ASC", "<= s.created_at + ?")
	b.add(" FROM memories s WHERE s.owner = ? AND s.deleted_at IS NULL AND s.hash IN ", flt.Owner)
	b.in(hashes)
	type ids struct{ before, after []int64 }
	found := map[string]ids{}
	var all []int64
	rows, err := s.on(nil).QueryContext(ctx, b.String(), b.args...)
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
	byID, err := s.byIDs(ctx, all)
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

// byIDs reads the live memories with the given row ids.
func (s *Store) byIDs(ctx context.Context, ids []int64) (map[int64]*memory.Memory, error) {
	out := make(map[int64]*memory.Memory, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	js, _ := json.Marshal(ids) // int64s always marshal
	rows, err := s.on(nil).QueryContext(ctx, "SELECT "+memoryCols+
		" FROM memories m WHERE m.id IN (SELECT value FROM json_each(?)) AND m.deleted_at IS NULL", string(js))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m, id, err := scanMemory(rows)
		if err != nil {
			return nil, err
		}
		out[id] = m
	}
	return out, rows.Err()
}
