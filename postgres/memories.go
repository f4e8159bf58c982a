package postgres

// Writing and reading single memories: Insert, Get, Update, Touch, and the
// row encoding shared by every query.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/mcp-memory-go/memory"
)

// memoryCols are the columns scanMemory reads, from alias m.
const memoryCols = `m.id, m.owner, m.hash, m.content, m.type, m.tags, m.metadata,
	m.created_at, m.updated_at, m.last_accessed_at, m.deleted_at, m.access_count,
	m.quality, m.superseded_by,
	coalesce((SELECT e.model FROM embedding_models e WHERE e.id = m.model_id), ''), m.embedding, memory_revision(m.revision, m.updated_at)`

// scanMemory reads one row of memoryCols, then any extra columns into extra.
func scanMemory(row pgx.Row, extra ...any) (*memory.Memory, error) {
	var (
		m                memory.Memory
		id               int64
		meta             []byte
		last, deleted    *time.Time
		vec              *pgvector.Vector
		created, updated time.Time
		tags             []string
	)
	dest := append([]any{&id, &m.Owner, &m.Hash, &m.Content, &m.Type, &tags, &meta,
		&created, &updated, &last, &deleted, &m.AccessCount,
		&m.Quality, &m.SupersededBy, &m.EmbeddingModel, &vec, &m.Revision}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	m.CreatedAt, m.UpdatedAt = created.UTC(), updated.UTC()
	if last != nil {
		m.LastAccessedAt = last.UTC()
	}
	if deleted != nil {
		m.DeletedAt = deleted.UTC()
	}
	if vec != nil {
		m.Embedding = vec.Slice()
	}
	m.Tags = tags
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if err := json.Unmarshal(meta, &m.Metadata); err != nil {
		return nil, fmt.Errorf("metadata of memory %s: %w", m.Hash, err)
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	return &m, nil
}

// collect reads every row of a memoryCols query.
func collect(rows pgx.Rows, err error) ([]*memory.Memory, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*memory.Memory
	for rows.Next() {
		m, err := scanMemory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// validate checks the fields Insert requires (memory.CheckInsert) and that
// every text can be stored.
func validate(m *memory.Memory) error {
	if err := memory.CheckInsert(m); err != nil {
		return err
	}
	return checkText(m)
}

// checkText refuses text PostgreSQL cannot store: a NUL character or
// invalid UTF-8, in any field.
func checkText(m *memory.Memory) error {
	texts := append([]string{m.Owner, m.Hash, m.Content, m.Type, m.SupersededBy, m.EmbeddingModel}, m.Tags...)
	for _, t := range texts {
		if !storable(t) {
			return memory.Errorf(memory.EInvalid, "memory %s holds a NUL character or invalid UTF-8, which PostgreSQL cannot store", memory.Clip(m.Hash, 16))
		}
	}
	return nil
}

// encodeMetadata returns metadata as a JSON object (memory.MetadataJSON)
// that PostgreSQL can store: jsonb refuses a NUL character.
func encodeMetadata(m *memory.Memory) (string, error) {
	js, err := memory.MetadataJSON(m)
	if err != nil {
		return "", err
	}
	if strings.Contains(js, `\u0000`) {
		return "", memory.Errorf(memory.EInvalid, "metadata of memory %s holds a NUL character, which PostgreSQL cannot store", m.Hash)
	}
	return js, nil
}

// vector returns v for a vector parameter, or nil (NULL) when empty.
func vector(v []float32) *pgvector.Vector {
	if len(v) == 0 {
		return nil
	}
	p := pgvector.NewVector(v)
	return &p
}

// modelID returns model's id for a model_id parameter, or nil (NULL) for
// no model.
func modelID(models map[string]modelInfo, model string) *int32 {
	if model == "" {
		return nil
	}
	id := models[model].id
	return &id
}

// reviveSQL ends an INSERT INTO memories AS m whose rows carry a revision
// and a change number: a row whose owner and hash are a tombstone's
// revives it in place with the row's fields, at the row's revision or one
// above the tombstone's if that is later; a live memory is left alone.
const reviveSQL = `ON CONFLICT (owner, hash) DO UPDATE SET
	content = excluded.content, type = excluded.type, tags = excluded.tags, metadata = excluded.metadata,
	created_at = excluded.created_at, updated_at = excluded.updated_at,
	last_accessed_at = excluded.last_accessed_at, deleted_at = NULL,
	access_count = excluded.access_count, quality = excluded.quality,
	superseded_by = excluded.superseded_by, model_id = excluded.model_id, embedding = excluded.embedding,
	revision = greatest(excluded.revision, memory_revision(m.revision, m.updated_at) + 1), seq = excluded.seq
WHERE m.deleted_at IS NOT NULL`

// insertSQL inserts the rows of parallel arrays, in their order (so that
// ids follow it), reviving a tombstone with the same owner and hash in
// place; a live memory with that owner and hash is left alone and its
// hash is missing from what the statement returns. Every row gets
// revision $15 (a revived tombstone one above its own if that is later)
// and change $16.
const insertSQL = `INSERT INTO memories AS m (owner, hash, content, type, tags, metadata, created_at, updated_at,
	last_accessed_at, access_count, quality, superseded_by, model_id, embedding, revision, seq)
SELECT u.owner, u.hash, u.content, u.type,
	ARRAY(SELECT t FROM jsonb_array_elements_text(u.tags::jsonb) WITH ORDINALITY AS e(t, i) ORDER BY e.i),
	u.metadata::jsonb, u.created_at, u.updated_at, u.last_accessed_at, u.access_count, u.quality,
	u.superseded_by, u.model_id, u.embedding, $15, $16
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
	$8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::float8[], $12::text[], $13::int[], $14::vector[])
	WITH ORDINALITY AS u(owner, hash, content, type, tags, metadata, created_at, updated_at,
	last_accessed_at, access_count, quality, superseded_by, model_id, embedding, ord)
ORDER BY u.ord
` + reviveSQL + `
RETURNING m.owner, m.hash`

// Insert adds memories in one transaction, in one statement: all or none.
// It returns EInvalid for a memory missing a required field, holding text
// PostgreSQL cannot store, or whose vector length differs from its
// model's, and EConflict naming the hash when a live memory with the same
// owner and hash exists (or appears twice in ms). A tombstone with that
// hash becomes the new memory, keeping its row id.
func (s *Store) Insert(ctx context.Context, mems []*memory.Memory) error {
	if len(mems) == 0 {
		return nil
	}
	seen := make(map[[2]string]bool, len(mems))
	dims := make(map[string]int)
	var (
		owners, hashes, contents, types, tags, metas, superseded []string
		created, updated                                         []time.Time
		accessed                                                 []*time.Time
		counts                                                   []int64
		quality                                                  []float64
		vecs                                                     []*pgvector.Vector
	)
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
		meta, err := encodeMetadata(m)
		if err != nil {
			return err
		}
		tj, _ := json.Marshal(memory.CleanTags(m.Tags)) // strings always marshal
		owners, hashes, contents, types = append(owners, m.Owner), append(hashes, m.Hash), append(contents, m.Content), append(types, m.Type)
		tags, metas, superseded = append(tags, string(tj)), append(metas, meta), append(superseded, m.SupersededBy)
		created, updated, accessed = append(created, ms(m.CreatedAt)), append(updated, ms(m.UpdatedAt)), append(accessed, nullTime(m.LastAccessedAt))
		counts, quality, vecs = append(counts, m.AccessCount), append(quality, m.Quality), append(vecs, vector(m.Embedding))
	}
	var models map[string]modelInfo
	err := s.change(ctx, func(tx pgx.Tx, seq, now int64) error {
		var err error
		if models, err = s.registerModels(ctx, tx, modelsOf(mems), dims); err != nil {
			return err
		}
		modelIDs := make([]*int32, len(mems))
		for i, m := range mems {
			modelIDs[i] = modelID(models, m.EmbeddingModel)
		}
		rows, err := tx.Query(ctx, insertSQL, owners, hashes, contents, types, tags, metas, created, updated,
			accessed, counts, quality, superseded, modelIDs, vecs, now, seq)
		if err != nil {
			return fmt.Errorf("insert memories: %w", err)
		}
		done := make(map[[2]string]bool, len(mems))
		var k [2]string
		_, err = pgx.ForEachRow(rows, []any{&k[0], &k[1]}, func() error { done[k] = true; return nil })
		if err != nil {
			return fmt.Errorf("insert memories: %w", err)
		}
		for _, m := range mems {
			if !done[[2]string{m.Owner, m.Hash}] {
				return memory.Errorf(memory.EConflict, "memory %s already exists", m.Hash)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.remember(models)
	return nil
}

// modelsOf returns the embedding models named by memories.
func modelsOf(mems []*memory.Memory) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mems {
		if m.EmbeddingModel != "" && !seen[m.EmbeddingModel] {
			seen[m.EmbeddingModel] = true
			out = append(out, m.EmbeddingModel)
		}
	}
	return out
}

// Get returns owner's live memory with this hash, or ENotFound.
func (s *Store) Get(ctx context.Context, owner, hash string) (*memory.Memory, error) {
	if !storable(owner) || !storable(hash) {
		return nil, memory.Errorf(memory.ENotFound, "memory %s not found", memory.Clip(hash, 16))
	}
	var m *memory.Memory
	err := s.read(ctx, func(q querier) error {
		var err error
		m, err = scanMemory(q.QueryRow(ctx, "SELECT "+memoryCols+
			" FROM memories m WHERE m.owner = $1 AND m.hash = $2 AND m.deleted_at IS NULL", owner, hash))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
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
		hash := ""
		if m != nil {
			hash = m.Hash
		}
		return memory.Errorf(memory.EInvalid, "update of memory %s needs owner, hash, type, created_at and updated_at", memory.Clip(hash, 16))
	}
	if err := checkText(m); err != nil {
		return err
	}
	meta, err := encodeMetadata(m)
	if err != nil {
		return err
	}
	return s.change(ctx, func(tx pgx.Tx, seq, now int64) error {
		tag, err := tx.Exec(ctx, `UPDATE memories SET type = $3, tags = $4, metadata = $5::jsonb, updated_at = $6,
			created_at = $7, quality = $8, superseded_by = $9, access_count = $10, last_accessed_at = $11,
			revision = greatest($12, memory_revision(revision, updated_at) + 1), seq = $13
			WHERE owner = $1 AND hash = $2 AND deleted_at IS NULL`,
			m.Owner, m.Hash, m.Type, memory.CleanTags(m.Tags), meta, ms(m.UpdatedAt), ms(m.CreatedAt), m.Quality,
			m.SupersededBy, m.AccessCount, nullTime(m.LastAccessedAt), now, seq)
		if err != nil {
			return fmt.Errorf("update memory %s: %w", m.Hash, err)
		}
		if tag.RowsAffected() == 0 {
			return memory.Errorf(memory.ENotFound, "memory %s not found", m.Hash)
		}
		return nil
	})
}

// Touch increments the access count and sets the last access time of
// owner's live memories with these hashes; unknown hashes are ignored.
func (s *Store) Touch(ctx context.Context, owner string, hashes []string, at time.Time) error {
	if len(hashes) == 0 {
		return nil
	}
	if owner == "" {
		return memory.Errorf(memory.EInvalid, "touch needs an owner")
	}
	hashes, none := storableList(hashes, false, !storable(owner))
	if none {
		return nil
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE memories SET access_count = access_count + 1, last_accessed_at = $3
			WHERE owner = $1 AND hash = ANY($2::text[]) AND deleted_at IS NULL`, owner, hashes, ms(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("touch memories: %w", err)
	}
	return nil
}
