package sqlite

// Reading upstream's sqlite_vec.db (doobidoo/mcp-memory-service) for the
// migrate command.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/mcp-memory-go/memory"
)

// UpstreamReport counts what ReadUpstream found.
type UpstreamReport struct {
	// Rows is every row of the memories table; Live those passed to the
	// callback; Tombstones the deleted ones (deleted_at set), skipped;
	// Invalid the rows skipped because their content is empty.
	Rows, Live, Tombstones, Invalid int
	// Superseded counts live memories replaced by a newer version (kept,
	// hidden from search as upstream hides them).
	Superseded int
	// TypesMapped counts memories whose type is not in our ontology, by
	// upstream type; they are stored as memory.FallbackType.
	TypesMapped map[string]int
	// TagsDropped counts tags dropped for being too long or too many.
	TagsDropped int
	// Embeddings describes upstream's vector table (a sqlite-vec vec0
	// table, which this program cannot read: memories are re-embedded),
	// "" if there is none.
	Embeddings string
}

// upstreamCols are the columns of upstream's memories table that
// ReadUpstream reads; older databases lack some of the later ones.
var upstreamCols = []string{"id", "content_hash", "content", "tags", "memory_type", "metadata",
	"created_at", "updated_at", "created_at_iso", "updated_at_iso", "deleted_at",
	"parent_id", "version", "confidence", "last_accessed", "superseded_by"}

// ReadUpstream opens upstream's SQLite database at path read-only and
// calls fn with each live memory, oldest first, in this program's model:
// tags split from upstream's comma-joined list and normalised, the type
// mapped through the ontology (unknown types become memory.FallbackType,
// counted in the report), metadata parsed with upstream's quality_score,
// access_count and last_accessed_at lifted into their fields, timestamps
// from the epoch columns (or the ISO ones), superseded_by translated to
// this program's hash of the newer version. Owner and vectors are left
// empty: the caller owns the memories and embeds them with its model.
// Tombstones are counted and skipped. Nothing in the file is changed.
//
// Errors: the file is not an SQLite database, is not upstream's (no
// memories table with content_hash and content), or fn's error.
func ReadUpstream(ctx context.Context, path string, fn func(*memory.Memory) error) (UpstreamReport, error) {
	rep := UpstreamReport{TypesMapped: map[string]int{}}
	if _, err := checkHeader(path); err != nil {
		return rep, err
	}
	c, err := openReadOnly(ctx, path)
	if err != nil {
		return rep, err
	}
	defer c.Close()
	have, err := columns(c, "memories")
	if err != nil {
		return rep, fmt.Errorf("%s: %w", path, describe(err))
	}
	if !have["content_hash"] || !have["content"] {
		var v int
		rawRows(c, "PRAGMA user_version", func(st *sqlite3.Stmt) { v = st.ColumnInt(0) })
		if v > 0 && have["hash"] {
			return rep, memory.Errorf(memory.EInvalid, "%s is a database of this program, not upstream's: restore it (memory restore) or export and import it", path)
		}
		return rep, memory.Errorf(memory.EInvalid, "%s is not an upstream mcp-memory-service database (no memories table with content_hash and content)", path)
	}
	rawRows(c, "SELECT sql FROM sqlite_schema WHERE name = 'memory_embeddings'", func(st *sqlite3.Stmt) {
		rep.Embeddings = strings.Join(strings.Fields(st.ColumnText(0)), " ")
	})

	// superseded_by holds upstream's hash of the newer version, which for
	// memories stored before upstream hashed content alone differs from
	// ours: translate it.
	rehash := map[string]string{}
	if have["superseded_by"] {
		err := rawRows(c, `SELECT content_hash, content FROM memories WHERE content_hash IN
			(SELECT superseded_by FROM memories WHERE coalesce(superseded_by, '') <> '')`, func(st *sqlite3.Stmt) {
			rehash[st.ColumnText(0)] = memory.ContentHash(st.ColumnText(1))
		})
		if err != nil {
			return rep, fmt.Errorf("%s: read memories: %w", path, describe(err))
		}
	}

	sel := make([]string, len(upstreamCols))
	for i, col := range upstreamCols {
		sel[i] = "NULL"
		if have[col] {
			sel[i] = col
		}
	}
	order := "id"
	switch {
	case have["created_at"] && have["created_at_iso"]:
		order = "coalesce(nullif(created_at, 0), unixepoch(created_at_iso, 'subsec'), 0), id"
	case have["created_at"]:
		order = "coalesce(created_at, 0), id"
	}
	query := "SELECT " + strings.Join(sel, ", ") + " FROM memories ORDER BY " + order
	st, _, err := c.Prepare(query)
	if err != nil {
		return rep, fmt.Errorf("%s: read memories: %w", path, describe(err))
	}
	defer st.Close()
	now := memory.TimeMS(time.Now())
	for st.Step() {
		rep.Rows++
		if st.ColumnType(10) != sqlite3.NULL {
			rep.Tombstones++
			continue
		}
		m, ok := upstreamMemory(st, now, &rep)
		if !ok {
			rep.Invalid++
			continue
		}
		rep.Live++
		if m.SupersededBy != "" {
			rep.Superseded++
			if h, ok := rehash[m.SupersededBy]; ok {
				m.SupersededBy = h
			}
		}
		if err := fn(m); err != nil {
			return rep, err
		}
	}
	if err := st.Err(); err != nil {
		return rep, fmt.Errorf("%s: read memories: %w", path, describe(err))
	}
	return rep, nil
}

// upstreamMemory converts the current row of the upstreamCols query.
func upstreamMemory(st *sqlite3.Stmt, now time.Time, rep *UpstreamReport) (*memory.Memory, bool) {
	content := memory.NormalizeContent(st.ColumnText(2))
	if content == "" {
		return nil, false
	}
	m := &memory.Memory{
		Content:  content,
		Hash:     memory.ContentHash(content),
		Quality:  memory.DefaultQuality,
		Metadata: map[string]any{},
	}
	m.Tags, rep.TagsDropped = upstreamTags(st.ColumnText(3), rep.TagsDropped)
	typ, warn := memory.NormalizeType(st.ColumnText(4))
	switch {
	case warn != "":
		rep.TypesMapped[st.ColumnText(4)]++
	case typ == "standard": // upstream's pre-v9 default, migrated by v9 as here
		typ = memory.FallbackType
	}
	m.Type = typ
	if raw := strings.TrimSpace(st.ColumnText(5)); raw != "" {
		if err := json.Unmarshal([]byte(raw), &m.Metadata); err != nil || m.Metadata == nil {
			m.Metadata = map[string]any{"upstream_metadata": raw}
		}
	}
	liftMetadata(m)

	m.CreatedAt = upstreamTime(st, 6, 8)
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	m.UpdatedAt = upstreamTime(st, 7, 9)
	if m.UpdatedAt.IsZero() || m.UpdatedAt.Before(m.CreatedAt) {
		m.UpdatedAt = m.CreatedAt
	}
	if m.LastAccessedAt.IsZero() && st.ColumnType(14) != sqlite3.NULL {
		m.LastAccessedAt = epochTime(st.ColumnFloat(14))
	}
	if p := st.ColumnText(11); p != "" {
		m.Metadata["parent_id"] = p
	}
	if st.ColumnType(12) != sqlite3.NULL && st.ColumnInt64(12) > 1 {
		m.Metadata["version"] = st.ColumnInt64(12)
	}
	if st.ColumnType(13) != sqlite3.NULL && st.ColumnFloat(13) != 1 {
		m.Metadata["confidence"] = st.ColumnFloat(13)
	}
	m.SupersededBy = strings.TrimSpace(st.ColumnText(15))
	return m, true
}

// upstreamTags splits upstream's comma-joined tags, normalises them and
// drops (counting) what our limits refuse.
func upstreamTags(joined string, dropped int) ([]string, int) {
	var out []string
	for _, t := range memory.SplitTagList(joined) {
		t = memory.NormalizeTag(t)
		switch {
		case t == "":
		case len([]rune(t)) > memory.MaxTagLength || len(out) >= memory.MaxTags:
			dropped++
		default:
			out = append(out, t)
		}
	}
	tags, err := memory.NormalizeTags(out) // deduplicates
	if err != nil {
		return []string{}, dropped + len(out)
	}
	return tags, dropped
}

// liftMetadata moves upstream's quality and access statistics out of the
// metadata into the memory's fields.
func liftMetadata(m *memory.Memory) {
	if q, ok := m.Metadata["quality_score"].(float64); ok && q >= 0 && q <= 1 {
		m.Quality = q
		delete(m.Metadata, "quality_score")
	}
	if n, ok := m.Metadata["access_count"].(float64); ok && n >= 0 && n == math.Trunc(n) {
		m.AccessCount = int64(n)
		delete(m.Metadata, "access_count")
	}
	switch v := m.Metadata["last_accessed_at"].(type) {
	case float64:
		m.LastAccessedAt = epochTime(v)
		delete(m.Metadata, "last_accessed_at")
	case string:
		if t, err := parseISO(v); err == nil {
			m.LastAccessedAt = t
			delete(m.Metadata, "last_accessed_at")
		}
	}
}

// upstreamTime reads an epoch-seconds column, or if it is empty the ISO
// column beside it; the zero time if neither holds a time.
func upstreamTime(st *sqlite3.Stmt, epochCol, isoCol int) time.Time {
	if st.ColumnType(epochCol) != sqlite3.NULL {
		if v := st.ColumnFloat(epochCol); v > 0 {
			return epochTime(v)
		}
	}
	if t, err := parseISO(st.ColumnText(isoCol)); err == nil {
		return t
	}
	return time.Time{}
}

// epochTime converts upstream's float seconds (or, for values too large
// to be seconds, milliseconds) to a millisecond time.
func epochTime(v float64) time.Time {
	if v > 1e11 { // after year 5138 in seconds: milliseconds
		return memory.TimeMS(time.UnixMilli(int64(v)))
	}
	return memory.TimeMS(time.UnixMilli(int64(math.Round(v * 1000))))
}

// parseISO reads upstream's ISO times ("2025-03-01T12:00:00.123456Z", with
// or without zone).
func parseISO(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return memory.TimeMS(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an ISO time: %q", s)
}
