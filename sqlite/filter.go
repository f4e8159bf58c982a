package sqlite

// Filters: memory.Filter turned into SQL conditions on the memories table
// (alias m), and the Unicode case folding behind Filter.Contains.

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/mcp-memory-go/memory"
)

// maxInlineList is the longest list bound as one placeholder per value;
// longer lists are bound as one JSON array read by json_each.
const maxInlineList = 500

// sqlBuilder accumulates SQL text and its arguments.
type sqlBuilder struct {
	strings.Builder
	args []any
}

// add appends SQL text with its arguments.
func (b *sqlBuilder) add(sql string, args ...any) {
	b.WriteString(sql)
	b.args = append(b.args, args...)
}

// in appends "(?, ?, …)" or a json_each subquery for the values.
func (b *sqlBuilder) in(vals []string) {
	if len(vals) > maxInlineList {
		js, _ := json.Marshal(vals) // strings always marshal
		b.add("(SELECT value FROM json_each(?))", string(js))
		return
	}
	b.WriteByte('(')
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.add("?", v)
	}
	b.WriteByte(')')
}

// filter is a validated memory.Filter.
type filter struct {
	memory.Filter
	tags   []string // normalised, deduplicated
	folded string   // Contains, case-folded
}

// newFilter validates f. It returns EInvalid for a missing owner or an
// unknown TagMatch.
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
	return f.inSlab() && f.After.IsZero() && f.Before.IsZero()
}

// inSlab reports whether the vector slab can apply f by itself: it knows
// each vector's owner, creation time and superseded flag.
func (f filter) inSlab() bool {
	return len(f.Hashes) == 0 && len(f.tags) == 0 && len(f.Types) == 0 &&
		f.StaleBefore.IsZero() && f.Contains == ""
}

// where appends the conditions selecting the live memories (alias m) that
// match f.
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
	f.rest(b)
}

// rest appends the conditions the vector slab cannot check itself.
func (f filter) rest(b *sqlBuilder) {
	if len(f.Hashes) > 0 {
		b.add(" AND m.hash IN ")
		b.in(f.Hashes)
	}
	if len(f.Types) > 0 {
		b.add(" AND m.type IN ")
		b.in(f.Types)
	}
	if !f.StaleBefore.IsZero() {
		b.add(" AND coalesce(m.last_accessed_at, m.created_at) < ?", bound(f.StaleBefore))
	}
	if f.Contains != "" {
		b.add(" AND memory_contains(m.content, ?)", f.folded)
	}
	if len(f.tags) > 0 {
		b.add(" AND m.id IN (")
		f.tagged(b)
		b.add(")")
	}
}

// tagged appends a query of the ids of the rows carrying the tags.
func (f filter) tagged(b *sqlBuilder) {
	b.add("SELECT memory_id FROM memory_tags WHERE tag IN ")
	b.in(f.tags)
	if f.TagMatch == memory.TagAll && len(f.tags) > 1 {
		b.add(" GROUP BY memory_id HAVING count(*) = ?", len(f.tags))
	}
}

// candidates appends a query of the ids of rows that may match f, for a
// filter the slab cannot apply alone. It leaves out what the slab checks
// (owner, superseded, creation time, deletion: tombstones have no vector),
// so that the indexes answer without reading the rows: the tag index alone
// for a tag filter, the owner's hash, type or staleness index otherwise.
func (f filter) candidates(b *sqlBuilder) {
	if len(f.Hashes) == 0 && len(f.Types) == 0 && f.StaleBefore.IsZero() && f.Contains == "" {
		f.tagged(b)
		return
	}
	b.add("SELECT m.id FROM memories m WHERE m.owner = ?", f.Owner)
	f.rest(b)
}

// prefilter appends a condition on the full-text row id (of memories_fts)
// equivalent to f's tags, or else to its hashes, checked on an index
// without reading memories, and returns f without that part, which is left
// to check. It appends nothing and returns f, false if f has neither. The
// unary + keeps SQLite from handing the list to FTS5 as row ids to look up
// one at a time.
func (f filter) prefilter(b *sqlBuilder) (rest filter, ok bool) {
	switch {
	case len(f.tags) > 0:
		b.add("+memories_fts.rowid IN (")
		f.tagged(b)
		b.add(")")
		f.tags = nil
	case len(f.Hashes) > 0:
		b.add("+memories_fts.rowid IN (SELECT m.id FROM memories m WHERE m.owner = ? AND m.hash IN ", f.Owner)
		b.in(f.Hashes)
		b.add(")")
		f.Hashes = nil
	default:
		return f, false
	}
	return f, true
}

// ms converts t to unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// bound converts a filter bound to unix milliseconds, rounding up, so that
// for whole-millisecond times x: x >= t ⇔ x >= bound(t) and x < t ⇔
// x < bound(t).
func bound(t time.Time) int64 {
	v := t.UnixMilli()
	if t.After(time.UnixMilli(v)) {
		v++
	}
	return v
}

// fromMS converts unix milliseconds to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// registerFold registers memory_contains(text, folded): whether text,
// case-folded, contains folded (which the caller folded already).
func registerFold(c *sqlite3.Conn) error {
	return c.CreateFunction("memory_contains", 2, sqlite3.DETERMINISTIC|sqlite3.INNOCUOUS,
		func(ctx sqlite3.Context, arg ...sqlite3.Value) {
			if arg[0].Type() == sqlite3.NULL || arg[1].Type() == sqlite3.NULL {
				ctx.ResultNull()
				return
			}
			ctx.ResultBool(foldContains(arg[0].RawText(), arg[1].RawText()))
		})
}

var foldBufs = sync.Pool{New: func() any { return new([]byte) }}

// foldContains reports whether s, case-folded, contains the folded needle.
func foldContains(s, folded []byte) bool {
	bp := foldBufs.Get().(*[]byte)
	buf := memory.AppendFold((*bp)[:0], s)
	ok := bytes.Contains(buf, folded)
	*bp = buf
	foldBufs.Put(bp)
	return ok
}
