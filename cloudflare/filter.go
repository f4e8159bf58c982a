package cloudflare

// Filters: memory.Filter as D1 SQL conditions on the memories table (alias
// m). Lists are bound as one JSON array read by json_each (D1 binds at most
// 100 parameters); text search uses the case-folded copy of the content.

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/mcp-memory-go/memory"
)

// sqlBuilder accumulates SQL text and its parameters.
type sqlBuilder struct {
	strings.Builder
	args []any
}

func (b *sqlBuilder) add(sql string, args ...any) {
	b.WriteString(sql)
	b.args = append(b.args, args...)
}

// list appends a subquery of the values.
func (b *sqlBuilder) list(vals []string) {
	js, _ := json.Marshal(vals) // strings always marshal
	b.add("(SELECT value FROM json_each(?))", string(js))
}

// stmt returns the built statement.
func (b *sqlBuilder) stmt() stmt { return q(b.String(), b.args...) }

// filter is a validated memory.Filter.
type filter struct {
	memory.Filter
	tags   []string // normalised, deduplicated
	folded string   // Contains, case-folded
	// r2ok lists the ids of memories whose content lives in R2 and
	// contains the text (checked in Go: D1 holds only their first bytes).
	r2ok []int64
}

// newFilter validates f.
func newFilter(f memory.Filter) (filter, error) {
	if err := f.Check(); err != nil {
		return filter{}, err
	}
	out := filter{Filter: f, tags: f.NormalTags()}
	if f.Contains != "" {
		out.folded = memory.FoldString(f.Contains)
	}
	return out, nil
}

// ownerOnly reports whether f selects every live memory of its owner.
func (f filter) ownerOnly() bool {
	return len(f.Hashes) == 0 && len(f.tags) == 0 && len(f.Types) == 0 && f.After.IsZero() &&
		f.Before.IsZero() && f.StaleBefore.IsZero() && f.Contains == ""
}

// where appends the conditions selecting the live memories matching f.
func (f filter) where(b *sqlBuilder) {
	b.add("m.owner = ? AND m.deleted_at IS NULL", f.Owner)
	if !f.IncludeSuperseded {
		b.add(" AND m.superseded_by = ''")
	}
	if !f.After.IsZero() {
		b.add(" AND m.created_at >= ?", bound(f.After))
	}
	if !f.Before.IsZero() {
		b.add(" AND m.created_at < ?", bound(f.Before))
	}
	if len(f.Hashes) > 0 {
		b.add(" AND m.hash IN ")
		b.list(f.Hashes)
	}
	if len(f.Types) > 0 {
		b.add(" AND m.type IN ")
		b.list(f.Types)
	}
	if !f.StaleBefore.IsZero() {
		b.add(" AND coalesce(m.last_accessed_at, m.created_at) < ?", bound(f.StaleBefore))
	}
	if len(f.tags) > 0 {
		b.add(" AND m.id IN (SELECT memory_id FROM memory_tags WHERE tag IN ")
		b.list(f.tags)
		if f.TagMatch == memory.TagAll && len(f.tags) > 1 {
			b.add(" GROUP BY memory_id HAVING count(*) = ?", len(f.tags))
		}
		b.add(")")
	}
	if f.Contains != "" {
		b.add(" AND (instr(m.content_fold, ?) > 0", f.folded)
		if len(f.r2ok) > 0 {
			js, _ := json.Marshal(f.r2ok)
			b.add(" OR m.id IN (SELECT value FROM json_each(?))", string(js))
		}
		b.add(")")
	}
}

// prepare completes a filter with a text condition: the memories whose
// content lives in R2 are checked in Go (their whole content is not in D1)
// and those containing the text are listed, so that the SQL of where is
// exact. It costs one count when no such memory matches the rest of f.
func (s *Store) prepare(ctx context.Context, f filter) (filter, error) {
	if f.Contains == "" {
		return f, nil
	}
	rest := f
	rest.Contains = ""
	var b sqlBuilder
	b.add("SELECT m.id, m.r2_key FROM memories m WHERE ")
	rest.where(&b)
	b.add(" AND m.r2_key <> '' AND instr(m.content_fold, ?) = 0", f.folded)
	t, _, err := s.d1Query(ctx, "filter large content", b.stmt())
	if err != nil {
		return f, err
	}
	for _, r := range t.Rows {
		content, err := s.r2Get(ctx, colString(r[1]))
		if err != nil {
			return f, err
		}
		if strings.Contains(memory.FoldString(content), f.folded) {
			f.r2ok = append(f.r2ok, colInt(r[0]))
		}
	}
	return f, nil
}

// compile validates and prepares f.
func (s *Store) compile(ctx context.Context, mf memory.Filter) (filter, error) {
	f, err := newFilter(mf)
	if err != nil {
		return f, err
	}
	return s.prepare(ctx, f)
}
