package cloudflare

// Rows of the memories table: the columns read, decoding them into
// memories (content from R2 where it lives there), and the encodings of
// vectors and keys.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/mcp-memory-go/memory"
)

// memCols are the columns scanRow reads, from alias m.
const memCols = `m.id, m.owner, m.hash, m.content, m.r2_key, m.type, m.tags, m.metadata,
	m.created_at, m.updated_at, m.last_accessed_at, m.deleted_at, m.access_count, m.quality,
	m.superseded_by, m.embedding_model, m.embedding, m.revision, m.seq`

// nMemCols is the number of memCols.
const nMemCols = 19

// row is a decoded memories row.
type row struct {
	m     *memory.Memory
	id    int64
	seq   int64
	r2key string
}

// scanRow decodes memCols at the start of r.
func scanRow(r []json.RawMessage) (row, error) {
	if len(r) < nMemCols {
		return row{}, fmt.Errorf("a memories row has %d columns, want %d", len(r), nMemCols)
	}
	m := &memory.Memory{
		Owner: colString(r[1]), Hash: colString(r[2]), Content: colString(r[3]), Type: colString(r[5]),
		CreatedAt: fromMS(colInt(r[8])), UpdatedAt: fromMS(colInt(r[9])),
		AccessCount: colInt(r[12]), Quality: colFloat(r[13]),
		SupersededBy: colString(r[14]), EmbeddingModel: colString(r[15]), Revision: colInt(r[17]),
	}
	if !colNull(r[10]) {
		m.LastAccessedAt = fromMS(colInt(r[10]))
	}
	if !colNull(r[11]) {
		m.DeletedAt = fromMS(colInt(r[11]))
	}
	if err := json.Unmarshal([]byte(colString(r[6])), &m.Tags); err != nil {
		return row{}, fmt.Errorf("tags of memory %s: %w", m.Hash, err)
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if err := json.Unmarshal([]byte(colString(r[7])), &m.Metadata); err != nil {
		return row{}, fmt.Errorf("metadata of memory %s: %w", m.Hash, err)
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	if !colNull(r[16]) {
		v, err := decodeVector(colString(r[16]))
		if err != nil {
			return row{}, fmt.Errorf("vector of memory %s: %w", m.Hash, err)
		}
		m.Embedding = v
	}
	return row{m: m, id: colInt(r[0]), seq: colInt(r[18]), r2key: colString(r[4])}, nil
}

// readRows decodes every row of t and fetches from R2 the content of those
// that keep it there.
func (s *Store) readRows(ctx context.Context, t *table) ([]row, error) {
	out := make([]row, 0, len(t.Rows))
	for _, r := range t.Rows {
		rw, err := scanRow(r)
		if err != nil {
			return nil, err
		}
		if rw.r2key != "" {
			content, err := s.r2Get(ctx, rw.r2key)
			if err != nil {
				return nil, fmt.Errorf("content of memory %s: %w", rw.m.Hash, err)
			}
			rw.m.Content = content
		}
		out = append(out, rw)
	}
	return out, nil
}

// memoriesOf returns the memories of rows.
func memoriesOf(rs []row) []*memory.Memory {
	out := make([]*memory.Memory, len(rs))
	for i, r := range rs {
		out[i] = r.m
	}
	return out
}

// encodeVector returns v as base64 of little-endian float32, or nil.
func encodeVector(v []float32) any {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// decodeVector reads a vector written by encodeVector.
func decodeVector(s string) ([]float32, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%d bytes is not a float32 vector", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// vectorID is the Vectorize id (and R2 name) of owner's memory hash: a
// digest of both, 43 characters, within Vectorize's 64-byte limit and
// revealing neither.
func vectorID(owner, hash string) string {
	sum := sha256.Sum256([]byte(owner + "\x00" + hash))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ms converts t to unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMS is unix milliseconds, or nil for the zero time.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS converts unix milliseconds to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// bound converts a filter bound to unix milliseconds rounding up, so that
// x >= t ⇔ x >= bound(t) and x < t ⇔ x < bound(t) for whole milliseconds.
func bound(t time.Time) int64 {
	v := t.UnixMilli()
	if t.After(time.UnixMilli(v)) {
		v++
	}
	return v
}

// normalizeTags lower-cases, trims and deduplicates tags, keeping order.
func normalizeTags(tags []string) []string { return memory.CleanTags(tags) }

// encodeJSON returns tags or metadata as JSON text.
func encodeTags(tags []string) string {
	b, _ := json.Marshal(normalizeTags(tags)) // strings always marshal
	return string(b)
}

// encodeMetadata returns metadata as a JSON object.
func encodeMetadata(m *memory.Memory) (string, error) { return memory.MetadataJSON(m) }

// prefix returns the longest start of s of at most n bytes that ends on a
// rune boundary.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// validate checks the fields Insert requires.
func validate(m *memory.Memory) error { return memory.CheckInsert(m) }
