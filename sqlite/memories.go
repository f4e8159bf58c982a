package sqlite

// Writing and reading single memories: Insert, Get, Update, Touch, and the
// row encoding shared by every query.

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mcp-memory-go/memory"
)

// memoryCols are the columns scanMemory reads, from alias m.
const memoryCols = `m.id, m.owner, m.hash, m.content, m.type, m.metadata,
	m.created_at, m.updated_at, m.last_accessed_at, m.deleted_at, m.access_count,
	m.quality, m.superseded_by, m.embedding_model, m.revision,
	(SELECT v.embedding FROM memory_vectors v WHERE v.memory_id = m.id),
	(SELECT json_group_array(t.tag ORDER BY t.pos) FROM memory_tags t WHERE t.memory_id = m.id)`

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanMemory reads one row of memoryCols, then any extra columns into extra.
func scanMemory(sc scanner, extra ...any) (*memory.Memory, int64, error) {
	var (
		m                  memory.Memory
		id                 int64
		meta, tags         string
		vec                []byte
		superseded, vmodel string
	)
	dest := append([]any{&id, &m.Owner, &m.Hash, &m.Content, &m.Type, &meta,
		msTime{&m.CreatedAt}, msTime{&m.UpdatedAt}, msTime{&m.LastAccessedAt}, msTime{&m.DeletedAt}, &m.AccessCount,
		&m.Quality, &superseded, &vmodel, &m.Revision, &vec, &tags}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, 0, err
	}
	m.SupersededBy = superseded
	m.EmbeddingModel = vmodel
	if len(vec) > 0 {
		m.Embedding = decodeVector(vec)
	}
	if err := json.Unmarshal([]byte(meta), &m.Metadata); err != nil {
		return nil, 0, fmt.Errorf("metadata of memory %s: %w", m.Hash, err)
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	if err := json.Unmarshal([]byte(tags), &m.Tags); err != nil {
		return nil, 0, fmt.Errorf("tags of memory %s: %w", m.Hash, err)
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	return &m, id, nil
}

// encodeVector returns v as little-endian float32 bytes, or nil.
func encodeVector(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// decodeVector reads little-endian float32 bytes; a trailing partial
// value is ignored.
func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	decodeInto(v, b)
	return v
}

// decodeInto fills v from little-endian float32 bytes.
func decodeInto(v []float32, b []byte) {
	b = b[:4*len(v)]
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// nullMS is unix milliseconds, or NULL for the zero time.
// msTime scans a column of unix milliseconds, NULL or not, into a time:
// NULL is the zero time. Use it as a Scan destination: msTime{&m.CreatedAt}.
type msTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d msTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d.t = time.Time{}
	case int64:
		*d.t = fromMS(x)
	default:
		return fmt.Errorf("a time in milliseconds, got %T", v)
	}
	return nil
}

func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

// encodeMetadata returns metadata as a JSON object.
func encodeMetadata(m *memory.Memory) (string, error) { return memory.MetadataJSON(m) }

// normalizeTags lower-cases, trims and deduplicates tags, keeping order.
func normalizeTags(tags []string) []string { return memory.CleanTags(tags) }

// validate checks the fields Insert requires.
func validate(m *memory.Memory) error { return memory.CheckInsert(m) }

const insertSQL = `INSERT INTO memories (owner, hash, content, type, metadata,
	created_at, updated_at, last_accessed_at, deleted_at, access_count, quality,
	superseded_by, seq, embedding_model, embedding_dim, revision)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (owner, hash) DO UPDATE SET
	content = excluded.content, type = excluded.type, metadata = excluded.metadata,
	created_at = excluded.created_at, updated_at = excluded.updated_at,
	last_accessed_at = excluded.last_accessed_at, deleted_at = NULL,
	access_count = excluded.access_count, quality = excluded.quality,
	superseded_by = excluded.superseded_by, seq = excluded.seq,
	embedding_model = excluded.embedding_model, embedding_dim = excluded.embedding_dim,
	revision = max(excluded.revision, memories.revision + 1)
WHERE memories.deleted_at IS NOT NULL
RETURNING id`

// Insert adds memories in one transaction: all or none. It returns
// EInvalid for a memory missing a required field or whose vector length
// differs from its model's, and EConflict naming the hash when a live
// memory with the same owner and hash exists (or appears twice in ms). A
// tombstone with that hash becomes the new memory, keeping its row id.
func (s *Store) Insert(ctx context.Context, mems []*memory.Memory) error {
	if len(mems) == 0 {
		return nil
	}
	seen := make(map[[2]string]bool, len(mems))
	dims := make(map[string]int)
	for _, m := range mems {
		if err := validate(m); err != nil {
			return err
		}
		k := [2]string{m.Owner, m.Hash}
		if seen[k] {
			return memory.Errorf(memory.EConflict, "memory %s appears twice in the batch", m.Hash)
		}
		seen[k] = true
		if err := batchDim(dims, m.EmbeddingModel, len(m.Embedding)); err != nil {
			return err
		}
	}
	now := s.nowMS()
	err := s.write(ctx, func(tx *sql.Tx, seq int64) error {
		if err := s.checkDims(ctx, tx, dims); err != nil {
			return err
		}
		q := s.on(tx)
		ins := q.stmt(ctx, insertSQL)
		if ins == nil {
			var err error
			if ins, err = tx.PrepareContext(ctx, insertSQL); err != nil {
				return err
			}
		}
		for _, m := range mems {
			meta, err := encodeMetadata(m)
			if err != nil {
				return err
			}
			// A model without a vector records that the model found
			// nothing to embed; the memory is then not pending.
			model := m.EmbeddingModel
			var id int64
			err = ins.QueryRowContext(ctx, m.Owner, m.Hash, m.Content, m.Type, meta,
				ms(m.CreatedAt), ms(m.UpdatedAt), nullMS(m.LastAccessedAt), m.AccessCount, m.Quality,
				m.SupersededBy, seq, model, len(m.Embedding), now).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return memory.Errorf(memory.EConflict, "memory %s already exists", m.Hash)
			}
			if err != nil {
				return fmt.Errorf("insert memory %s: %w", m.Hash, err)
			}
			if err := setTags(ctx, q, id, m.Tags); err != nil {
				return fmt.Errorf("insert tags of memory %s: %w", m.Hash, err)
			}
			// A new row has no vector yet; a revived tombstone had its
			// vector dropped.
			if len(m.Embedding) > 0 {
				if err := setVector(ctx, q, id, m.Embedding); err != nil {
					return fmt.Errorf("insert vector of memory %s: %w", m.Hash, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.rememberDims(dims)
	return nil
}

// setTags replaces the tags of memory id with the normalised tags.
func setTags(ctx context.Context, q queryer, id int64, tags []string) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM memory_tags WHERE memory_id = ?", id); err != nil {
		return err
	}
	for i, tag := range normalizeTags(tags) {
		if _, err := q.ExecContext(ctx, "INSERT INTO memory_tags (memory_id, tag, pos) VALUES (?, ?, ?)", id, tag, i); err != nil {
			return err
		}
	}
	return nil
}

// Get returns owner's live memory with this hash, or ENotFound.
func (s *Store) Get(ctx context.Context, owner, hash string) (*memory.Memory, error) {
	row := s.on(nil).QueryRowContext(ctx, "SELECT "+memoryCols+
		" FROM memories m WHERE m.owner = ? AND m.hash = ? AND m.deleted_at IS NULL", owner, hash)
	m, _, err := scanMemory(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, memory.Errorf(memory.ENotFound, "memory %s not found", hash)
	}
	if err != nil {
		return nil, fmt.Errorf("get memory %s: %w", hash, err)
	}
	return m, nil
}

// Update replaces the mutable fields of the live memory (m.Owner, m.Hash):
// Tags, Type, Metadata, UpdatedAt, CreatedAt, Quality, SupersededBy,
// AccessCount and LastAccessedAt. It returns ENotFound if there is no such
// memory and EInvalid if a required field is missing.
func (s *Store) Update(ctx context.Context, m *memory.Memory) error {
	if m == nil || m.Owner == "" || m.Hash == "" || m.Type == "" || m.CreatedAt.IsZero() || m.UpdatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "update of memory %s needs owner, hash, type, created_at and updated_at", memory.Clip(m.Hash, 16))
	}
	meta, err := encodeMetadata(m)
	if err != nil {
		return err
	}
	now := s.nowMS()
	return s.write(ctx, func(tx *sql.Tx, seq int64) error {
		var id int64
		q := s.on(tx)
		err := q.QueryRowContext(ctx, `UPDATE memories SET type = ?, metadata = ?, updated_at = ?,
			created_at = ?, quality = ?, superseded_by = ?, access_count = ?, last_accessed_at = ?, seq = ?,
			revision = max(?, revision + 1)
			WHERE owner = ? AND hash = ? AND deleted_at IS NULL RETURNING id`,
			m.Type, meta, ms(m.UpdatedAt), ms(m.CreatedAt), m.Quality, m.SupersededBy,
			m.AccessCount, nullMS(m.LastAccessedAt), seq, now, m.Owner, m.Hash).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return memory.Errorf(memory.ENotFound, "memory %s not found", m.Hash)
		}
		if err != nil {
			return fmt.Errorf("update memory %s: %w", m.Hash, err)
		}
		if err := setTags(ctx, q, id, m.Tags); err != nil {
			return fmt.Errorf("update tags of memory %s: %w", m.Hash, err)
		}
		return nil
	})
}

// Touch increments the access count and sets the last access time of
// owner's live memories with these hashes; unknown hashes are ignored.
// Access statistics do not advance the change sequence (see counters), so
// that reads do not make every other process reload vectors.
func (s *Store) Touch(ctx context.Context, owner string, hashes []string, at time.Time) error {
	if len(hashes) == 0 {
		return nil
	}
	if owner == "" {
		return memory.Errorf(memory.EInvalid, "touch needs an owner")
	}
	var b sqlBuilder
	b.add("UPDATE memories SET access_count = access_count + 1, last_accessed_at = ? WHERE owner = ? AND deleted_at IS NULL AND hash IN ", ms(at), owner)
	b.in(hashes)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := s.on(tx).ExecContext(ctx, b.String(), b.args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch memories: %w", err)
	}
	return nil
}
