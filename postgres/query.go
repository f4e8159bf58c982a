package postgres

// Listings and bulk changes: Find, Delete, Tags, Stats and Check.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
)

// orderBy returns the ORDER BY clause of a listing order: by creation time,
// ties broken by insertion order (row id), OldestFirst being the exact
// reverse of NewestFirst.
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
// returns the number matching in all, both from one snapshot. It returns
// EInvalid for a filter without owner, a negative offset or limit, or an
// unknown order.
func (s *Store) Find(ctx context.Context, f memory.Filter, p memory.Page) ([]*memory.Memory, int, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, 0, err
	}
	if p.Offset < 0 || p.Limit < 0 {
		return nil, 0, memory.Errorf(memory.EInvalid, "page offset %d or limit %d is negative", p.Offset, p.Limit)
	}
	order, err := orderBy(p.Order)
	if err != nil {
		return nil, 0, err
	}
	var where sqlBuilder
	flt.where(&where)
	page := sqlBuilder{args: where.args[:len(where.args):len(where.args)]}
	page.add("SELECT ", memoryCols, " FROM memories m WHERE ", where.String(), order, " OFFSET ", page.arg(p.Offset))
	if p.Limit > 0 {
		page.add(" LIMIT ", page.arg(p.Limit))
	}
	var (
		out   []*memory.Memory
		total int
	)
	err = s.snapshot(ctx, func(tx pgx.Tx) error {
		out = nil
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM memories m WHERE "+where.String(), where.args...).Scan(&total); err != nil {
			return err
		}
		if total == 0 || p.Offset >= total {
			return nil
		}
		var err error
		out, err = collect(tx.Query(ctx, page.String(), page.args...))
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find memories: %w", err)
	}
	return out, total, nil
}

// Delete turns the memories matching f into tombstones (DeletedAt = at,
// vector dropped, content kept for sync) and returns their hashes, newest
// first; with dryRun it only returns the hashes. It returns EInvalid for a
// filter that selects every memory of its owner, or a zero time.
func (s *Store) Delete(ctx context.Context, f memory.Filter, at time.Time, dryRun bool) ([]string, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	if flt.ownerOnly() {
		return nil, memory.Errorf(memory.EInvalid, "delete needs a filter besides the owner (hashes, tags, types, times or text)")
	}
	if !dryRun && at.IsZero() {
		return nil, memory.Errorf(memory.EInvalid, "delete needs a time")
	}
	// A delete binds the change number ($2) and the revision ($3) in its
	// transaction.
	var b sqlBuilder
	if dryRun {
		b.add("SELECT m.hash FROM memories m WHERE ")
		flt.where(&b)
		b.add(" ORDER BY m.created_at DESC, m.id DESC")
	} else {
		b.add("WITH d AS (UPDATE memories m SET deleted_at = ", b.arg(ms(at)), ", model_id = NULL, embedding = NULL,",
			" seq = ", b.arg(nil), ", revision = greatest(", b.arg(nil), ", memory_revision(m.revision, m.updated_at) + 1) WHERE ")
		flt.where(&b)
		b.add(" RETURNING m.hash, m.created_at, m.id) SELECT hash FROM d ORDER BY created_at DESC, id DESC")
	}
	var hashes []string
	run := func(q querier, args []any) error {
		rows, err := q.Query(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		hashes, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}
	if dryRun {
		err = s.read(ctx, func(q querier) error { return run(q, b.args) })
	} else {
		err = s.change(ctx, func(tx pgx.Tx, seq, now int64) error {
			args := slices.Clone(b.args)
			args[1], args[2] = seq, now
			return run(tx, args)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("delete memories: %w", err)
	}
	return hashes, nil
}

// Tags returns the tags of owner's live memories (superseded ones
// included) with their counts, most used first, then by tag, from the
// counts the triggers keep. It returns EInvalid for an empty owner.
func (s *Store) Tags(ctx context.Context, owner string) ([]memory.TagCount, error) {
	if owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "tags need an owner")
	}
	if !storable(owner) {
		return []memory.TagCount{}, nil
	}
	return listRecords(ctx, s, func(r pgx.Row) (memory.TagCount, error) {
		var tc memory.TagCount
		return tc, r.Scan(&tc.Tag, &tc.Count)
	}, "tags", `SELECT tag, docs FROM memory_tag_counts WHERE owner = $1 AND docs > 0 ORDER BY docs DESC, tag COLLATE "C"`, owner)
}

// Stats describes owner's memories, or every owner's if owner is "", from
// one snapshot of the counts the triggers keep (and the index of creation
// times), so that it costs the same at a million memories as at ten.
// SizeBytes is the size of the memories table with its indexes and TOAST
// data, whatever the owner.
func (s *Store) Stats(ctx context.Context, owner string) (memory.StoreStats, error) {
	var st memory.StoreStats
	owners := "SELECT owner FROM memory_owner_counts"
	args := []any(nil)
	if owner != "" {
		if !storable(owner) {
			return memory.StoreStats{Types: map[string]int64{}, Models: map[string]int64{}}, nil
		}
		owners, args = "SELECT $1::text AS owner", []any{owner}
	}
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		st = memory.StoreStats{Types: map[string]int64{}, Models: map[string]int64{}}
		var oldest, newest *time.Time
		err := tx.QueryRow(ctx, `WITH o AS (`+owners+`)
			SELECT coalesce(sum(c.live), 0), coalesce(sum(c.tombstones), 0), coalesce(sum(c.superseded), 0),
				(SELECT count(DISTINCT t.tag) FROM memory_tag_counts t WHERE t.owner IN (SELECT owner FROM o) AND t.docs > 0),
				min(x.oldest), max(x.newest)
			FROM o LEFT JOIN memory_owner_counts c ON c.owner = o.owner, LATERAL (
				SELECT (SELECT min(m.created_at) FROM memories m WHERE m.owner = o.owner AND m.deleted_at IS NULL) AS oldest,
					(SELECT max(m.created_at) FROM memories m WHERE m.owner = o.owner AND m.deleted_at IS NULL) AS newest) AS x`,
			args...).Scan(&st.Memories, &st.Tombstones, &st.Superseded, &st.UniqueTags, &oldest, &newest)
		if err != nil {
			return err
		}
		if oldest != nil && newest != nil {
			st.Oldest, st.Newest = oldest.UTC(), newest.UTC()
		}
		for _, c := range []struct {
			query string
			dst   map[string]int64
		}{
			{"SELECT t.type, sum(t.docs) FROM memory_type_counts t WHERE t.owner IN (SELECT owner FROM o) AND t.docs > 0 GROUP BY 1", st.Types},
			{`SELECT coalesce(e.model, ''), sum(t.docs) FROM memory_model_counts t LEFT JOIN embedding_models e ON e.id = t.model_id
				WHERE t.owner IN (SELECT owner FROM o) AND t.docs > 0 GROUP BY 1`, st.Models},
		} {
			if err := countBy(ctx, tx, "WITH o AS ("+owners+") "+c.query, args, c.dst); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, "SELECT pg_total_relation_size('memories')").Scan(&st.SizeBytes)
	})
	if err != nil {
		return memory.StoreStats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

// countBy reads the (key, count) rows of query into dst.
func countBy(ctx context.Context, tx pgx.Tx, query string, args []any, dst map[string]int64) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	var (
		k string
		n int64
	)
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error { dst[k] = n; return nil })
	return err
}

// Check verifies that the server answers, that the schema is the one this
// program knows, and that every vector index is usable. It returns an
// error describing the first problems found, or nil if all is well.
func (s *Store) Check(ctx context.Context) error {
	var (
		version int
		broken  []string
	)
	err := s.read(ctx, func(q querier) error {
		if err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM memory_schema_migrations").Scan(&version); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE i.indrelid = 'memories'::regclass AND NOT (i.indisvalid AND i.indisready) ORDER BY c.relname`)
		if err != nil {
			return err
		}
		broken, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return fmt.Errorf("check postgres at %s: %w", s.addr, err)
	}
	var problems []string
	if version != SchemaVersion() {
		problems = append(problems, fmt.Sprintf("schema version %d, this program's is %d", version, SchemaVersion()))
	}
	if len(broken) > 0 {
		problems = append(problems, "invalid indexes (rebuild them with REINDEX): "+strings.Join(broken, ", "))
	}
	if len(problems) > 0 {
		return fmt.Errorf("check postgres at %s: %s", s.addr, strings.Join(problems, "; "))
	}
	return nil
}
