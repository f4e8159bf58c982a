package cloudflare

// Listings and bulk changes: Find, Delete, Tags and Stats.

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/mcp-memory-go/memory"
)

// orderBy returns the ORDER BY of a listing order.
func orderBy(o memory.Order) (string, error) {
	switch o {
	case "", memory.NewestFirst:
		return " ORDER BY m.created_at DESC, m.id DESC", nil
	case memory.OldestFirst:
		return " ORDER BY m.created_at, m.id", nil
	}
	return "", memory.Errorf(memory.EInvalid, "order %q is neither %q nor %q", o, memory.NewestFirst, memory.OldestFirst)
}

// Find lists the memories matching f in the page's order of CreatedAt and
// returns the number matching in all, both from one D1 batch (one
// snapshot).
func (s *Store) Find(ctx context.Context, mf memory.Filter, p memory.Page) ([]*memory.Memory, int, error) {
	if err := s.ready(ctx); err != nil {
		return nil, 0, err
	}
	if p.Offset < 0 || p.Limit < 0 {
		return nil, 0, memory.Errorf(memory.EInvalid, "page offset %d or limit %d is negative", p.Offset, p.Limit)
	}
	order, err := orderBy(p.Order)
	if err != nil {
		return nil, 0, err
	}
	f, err := s.compile(ctx, mf)
	if err != nil {
		return nil, 0, err
	}
	var where sqlBuilder
	f.where(&where)
	limit := p.Limit
	if limit == 0 {
		limit = -1
	}
	count := q("SELECT count(*) FROM memories m WHERE "+where.String(), where.args...)
	list := q("SELECT "+memCols+" FROM memories m WHERE "+where.String()+order+" LIMIT ? OFFSET ?",
		append(where.args[:len(where.args):len(where.args)], limit, p.Offset)...)
	res, err := s.d1Batch(ctx, "find", []stmt{count, list})
	if err != nil {
		return nil, 0, fmt.Errorf("find memories: %w", err)
	}
	total := 0
	if len(res[0].Rows) == 1 {
		total = int(colInt(res[0].Rows[0][0]))
	}
	rs, err := s.readRows(ctx, res[1])
	if err != nil {
		return nil, 0, fmt.Errorf("find memories: %w", err)
	}
	return memoriesOf(rs), total, nil
}

// Delete turns the memories matching f into tombstones (DeletedAt = at,
// vector dropped, content kept for sync) and returns their hashes, newest
// first; with dryRun it only returns the hashes. It returns EInvalid for a
// filter that selects every memory of its owner, or a zero time.
func (s *Store) Delete(ctx context.Context, mf memory.Filter, at time.Time, dryRun bool) ([]string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	f, err := newFilter(mf)
	if err != nil {
		return nil, err
	}
	if f.ownerOnly() {
		return nil, memory.Errorf(memory.EInvalid, "delete needs a filter besides the owner (hashes, tags, types, times or text)")
	}
	if !dryRun && at.IsZero() {
		return nil, memory.Errorf(memory.EInvalid, "delete needs a time")
	}
	if f, err = s.prepare(ctx, f); err != nil {
		return nil, err
	}
	var where sqlBuilder
	f.where(&where)
	var t *table
	if dryRun {
		t, _, err = s.d1Query(ctx, "delete (dry run)", q("SELECT m.hash, m.created_at, m.id FROM memories m WHERE "+where.String(), where.args...))
	} else {
		var res []*table
		upd := q(`UPDATE memories AS m SET deleted_at = ?, seq = `+curSeq+`, revision = max(?, m.revision + 1),
			embedding = NULL, embedding_model = '', embedding_dim = 0, vindex = 1
			WHERE `+where.String()+" RETURNING hash, created_at, id",
			append([]any{ms(at), ms(s.now())}, where.args...)...)
		res, err = s.d1Batch(ctx, "delete", []stmt{bumpSeq, upd})
		if err == nil {
			t = res[1]
		}
	}
	if err != nil {
		return nil, fmt.Errorf("delete memories: %w", err)
	}
	type found struct {
		hash        string
		created, id int64
	}
	rows := make([]found, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = found{colString(r[0]), colInt(r[1]), colInt(r[2])}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].created != rows[j].created {
			return rows[i].created > rows[j].created
		}
		return rows[i].id > rows[j].id
	})
	hashes := make([]string, len(rows))
	for i, r := range rows {
		hashes[i] = r.hash
	}
	if !dryRun && len(hashes) > 0 {
		gone := make([]*memory.Memory, len(hashes))
		for i, h := range hashes {
			gone[i] = &memory.Memory{Owner: f.Owner, Hash: h}
		}
		s.indexAfterWrite(ctx, gone)
	}
	return hashes, nil
}

// Tags returns the tags of owner's live memories with their counts, most
// used first, then by tag.
func (s *Store) Tags(ctx context.Context, owner string) ([]memory.TagCount, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "tags need an owner")
	}
	t, _, err := s.d1Query(ctx, "tags", q(`SELECT t.tag, count(*) AS n
		FROM memories m JOIN memory_tags t ON t.memory_id = m.id
		WHERE m.owner = ? AND m.deleted_at IS NULL
		GROUP BY t.tag ORDER BY n DESC, t.tag`, owner))
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	out := make([]memory.TagCount, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = memory.TagCount{Tag: colString(r[0]), Count: colInt(r[1])}
	}
	return out, nil
}

// Stats describes owner's memories, or every owner's if owner is "".
// SizeBytes is the size of the D1 database as D1 reports it.
func (s *Store) Stats(ctx context.Context, owner string) (memory.StoreStats, error) {
	if err := s.ready(ctx); err != nil {
		return memory.StoreStats{}, err
	}
	st := memory.StoreStats{Types: map[string]int64{}, Models: map[string]int64{}}
	cond, args := "1", []any(nil)
	if owner != "" {
		cond, args = "m.owner = ?", []any{owner}
	}
	res, err := s.d1Batch(ctx, "stats", []stmt{
		q(`SELECT count(*) FILTER (WHERE m.deleted_at IS NULL), count(*) FILTER (WHERE m.deleted_at IS NOT NULL),
			count(*) FILTER (WHERE m.deleted_at IS NULL AND m.superseded_by <> ''),
			min(m.created_at) FILTER (WHERE m.deleted_at IS NULL), max(m.created_at) FILTER (WHERE m.deleted_at IS NULL)
			FROM memories m WHERE `+cond, args...),
		q(`SELECT count(DISTINCT t.tag) FROM memories m JOIN memory_tags t ON t.memory_id = m.id
			WHERE m.deleted_at IS NULL AND `+cond, args...),
		q("SELECT m.type, count(*) FROM memories m WHERE m.deleted_at IS NULL AND "+cond+" GROUP BY m.type", args...),
		q("SELECT m.embedding_model, count(*) FROM memories m WHERE m.deleted_at IS NULL AND "+cond+" GROUP BY m.embedding_model", args...),
	})
	if err != nil {
		return memory.StoreStats{}, fmt.Errorf("stats: %w", err)
	}
	if r := res[0].Rows; len(r) == 1 {
		st.Memories, st.Tombstones, st.Superseded = colInt(r[0][0]), colInt(r[0][1]), colInt(r[0][2])
		if !colNull(r[0][3]) {
			st.Oldest, st.Newest = fromMS(colInt(r[0][3])), fromMS(colInt(r[0][4]))
		}
	}
	if r := res[1].Rows; len(r) == 1 {
		st.UniqueTags = colInt(r[0][0])
	}
	for _, r := range res[2].Rows {
		st.Types[colString(r[0])] = colInt(r[1])
	}
	for _, r := range res[3].Rows {
		st.Models[colString(r[0])] = colInt(r[1])
	}
	s.mu.Lock()
	st.SizeBytes = s.lastSize
	s.mu.Unlock()
	return st, nil
}

// Owners returns the owners of live memories, sorted: what an export of
// every user's memories walks through.
func (s *Store) Owners(ctx context.Context) ([]string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	t, _, err := s.d1Query(ctx, "owners", q("SELECT DISTINCT owner FROM memories WHERE deleted_at IS NULL ORDER BY owner"))
	if err != nil {
		return nil, fmt.Errorf("list owners: %w", err)
	}
	out := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = colString(r[0])
	}
	return out, nil
}
