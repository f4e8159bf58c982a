package postgres

// Filters: memory.Filter turned into SQL conditions on the memories table
// (alias m), with every value bound as a parameter.

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory"
)

// sqlBuilder accumulates SQL text and its arguments, numbering the
// placeholders.
type sqlBuilder struct {
	strings.Builder
	args []any
}

// arg binds v and returns its placeholder ($n).
func (b *sqlBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// add appends SQL text.
func (b *sqlBuilder) add(sql ...string) {
	for _, s := range sql {
		b.WriteString(s)
	}
}

// filter is a validated memory.Filter.
type filter struct {
	memory.Filter
	tags []string // normalised, deduplicated
	// none is set when a value the filter needs can never be stored (it
	// holds a NUL or invalid UTF-8), so that the filter matches nothing.
	none bool
}

// newFilter validates f. It returns EInvalid for a missing owner or an
// unknown TagMatch.
func newFilter(f memory.Filter) (filter, error) {
	if err := f.Check(); err != nil {
		return filter{}, err
	}
	out := filter{Filter: f, tags: f.NormalTags()}
	out.none = !storable(f.Owner) || !storable(f.Contains)
	out.tags, out.none = storableList(out.tags, f.TagMatch == memory.TagAll, out.none)
	out.Hashes, out.none = storableList(f.Hashes, false, out.none)
	out.Types, out.none = storableList(f.Types, false, out.none)
	return out, nil
}

// storable reports whether PostgreSQL can hold s in a text column.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// storableList drops the values no stored text can equal. A list that
// loses all its values, or any with all (tags that must all be present),
// matches nothing.
func storableList(vals []string, all, none bool) ([]string, bool) {
	if len(vals) == 0 {
		return vals, none
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if storable(v) {
			out = append(out, v)
		} else if all {
			return nil, true
		}
	}
	return out, none || len(out) == 0
}

// ownerOnly reports whether f selects every live memory of its owner.
func (f filter) ownerOnly() bool {
	return len(f.Hashes) == 0 && len(f.tags) == 0 && len(f.Types) == 0 && f.After.IsZero() &&
		f.Before.IsZero() && f.StaleBefore.IsZero() && f.Contains == "" && !f.none
}

// where appends the conditions selecting the live memories (alias m) that
// match f.
func (f filter) where(b *sqlBuilder) {
	if f.none {
		b.add("false") // and no argument PostgreSQL would refuse
		return
	}
	b.add("m.owner = ", b.arg(f.Owner), " AND m.deleted_at IS NULL")
	if !f.IncludeSuperseded {
		b.add(" AND m.superseded_by = ''")
	}
	if !f.After.IsZero() {
		b.add(" AND m.created_at >= ", b.arg(bound(f.After)))
	}
	if !f.Before.IsZero() {
		b.add(" AND m.created_at < ", b.arg(bound(f.Before)))
	}
	if len(f.Hashes) > 0 {
		b.add(" AND m.hash = ANY(", b.arg(f.Hashes), "::text[])")
	}
	if len(f.Types) > 0 {
		b.add(" AND m.type = ANY(", b.arg(f.Types), "::text[])")
	}
	if !f.StaleBefore.IsZero() {
		b.add(" AND coalesce(m.last_accessed_at, m.created_at) < ", b.arg(bound(f.StaleBefore)))
	}
	if f.Contains != "" {
		// Both sides lower-cased under one Unicode collation, whatever
		// the database's locale; strpos, unlike LIKE, has no wildcards.
		b.add(" AND strpos(lower(m.content COLLATE memory_fold), lower(", b.arg(f.Contains), "::text COLLATE memory_fold)) > 0")
	}
	if len(f.tags) > 0 {
		op := " && "
		if f.TagMatch == memory.TagAll {
			op = " @> "
		}
		b.add(" AND m.tags", op, b.arg(f.tags), "::text[]")
	}
}

// ms truncates t to the millisecond in UTC, the precision of stored times.
func ms(t time.Time) time.Time { return memory.TimeMS(t) }

// nullTime is t at millisecond precision, or nil (NULL) for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := ms(t)
	return &v
}

// bound rounds a filter bound up to the next millisecond, so that for the
// whole-millisecond times stored: x >= t ⇔ x >= bound(t) and x < t ⇔
// x < bound(t). PostgreSQL keeps microseconds; a finer bound would be
// truncated.
func bound(t time.Time) time.Time {
	v := ms(t)
	if t.After(v) {
		v = v.Add(time.Millisecond)
	}
	return v
}
