package cloudflare

// Writing and reading single memories: Insert, Get, Update, Touch,
// SetEmbeddings and PendingEmbeddings.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mcp-memory-go/memory"
)

// bumpSeq starts every write batch: the change number its rows carry.
var bumpSeq = q("UPDATE mms_counter SET seq = seq + 1 WHERE id = 1")

// curSeq is the change number of the running batch, in SQL.
const curSeq = "(SELECT seq FROM mms_counter WHERE id = 1)"

// d1Now is D1's clock in unix milliseconds, in SQL.
const d1Now = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"

// checkDims returns EInvalid if a vector's length differs from its model's
// recorded dimension, or a batch gives one model two lengths.
func (s *Store) checkDims(ms []*memory.Memory) error {
	batch := map[string]int{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range ms {
		n := len(m.Embedding)
		if n == 0 || !m.DeletedAt.IsZero() {
			continue
		}
		if d, ok := batch[m.EmbeddingModel]; ok && d != n {
			return memory.Errorf(memory.EInvalid, "model %q vectors have %d and %d dimensions in one batch", m.EmbeddingModel, d, n)
		}
		batch[m.EmbeddingModel] = n
		if d := s.dims[m.EmbeddingModel]; d != 0 && d != n {
			return memory.Errorf(memory.EInvalid, "model %q makes %d-dimensional vectors, not %d", m.EmbeddingModel, d, n)
		}
	}
	return nil
}

// rememberDims caches the dimensions of vectors written.
func (s *Store) rememberDims(ms []*memory.Memory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range ms {
		if len(m.Embedding) > 0 && m.DeletedAt.IsZero() {
			if _, ok := s.dims[m.EmbeddingModel]; !ok {
				s.dims[m.EmbeddingModel] = len(m.Embedding)
			}
		}
	}
}

// dimError turns D1's refusal of a vector length into EInvalid, after
// refreshing the cached dimensions (another process may have recorded the
// model).
func (s *Store) dimError(ctx context.Context, err error) error {
	if !sqlError(err, "mms_dimension") {
		return err
	}
	if lerr := s.loadModels(ctx); lerr != nil {
		s.log.Warn("read embedding models", "err", lerr)
	}
	return memory.Errorf(memory.EInvalid, "a vector's length differs from the dimension recorded for its model")
}

// content returns what D1 keeps of m's content and the R2 key of the whole,
// uploading it to R2 when it is larger than the threshold.
func (s *Store) content(ctx context.Context, m *memory.Memory) (text, r2key string, err error) {
	if len(m.Content) <= s.cfg.LargeContent {
		return m.Content, "", nil
	}
	if s.cfg.R2Bucket == "" {
		return "", "", memory.Errorf(memory.ETooLarge, "memory %s has %d bytes of content; above %d bytes content goes to R2, and no R2 bucket is configured",
			memory.Clip(m.Hash, 12), len(m.Content), s.cfg.LargeContent)
	}
	key := "memories/" + vectorID(m.Owner, m.Hash) + ".txt"
	if err := s.r2Put(ctx, key, m.Content); err != nil {
		return "", "", err
	}
	return prefix(m.Content, s.cfg.LargeContent), key, nil
}

const insertSQL = `INSERT INTO memories (owner, hash, content, content_fold, content_size, r2_key, type, tags,
	metadata, created_at, updated_at, last_accessed_at, deleted_at, access_count, quality, superseded_by,
	embedding_model, embedding_dim, embedding, revision, seq, op, vector_id, vindex)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ` + curSeq + `, ?, ?, ?)
ON CONFLICT (owner, hash) DO UPDATE SET
	content = excluded.content, content_fold = excluded.content_fold, content_size = excluded.content_size,
	r2_key = excluded.r2_key, type = excluded.type, tags = excluded.tags, metadata = excluded.metadata,
	created_at = excluded.created_at, updated_at = excluded.updated_at,
	last_accessed_at = excluded.last_accessed_at, deleted_at = NULL, access_count = excluded.access_count,
	quality = excluded.quality, superseded_by = excluded.superseded_by,
	embedding_model = excluded.embedding_model, embedding_dim = excluded.embedding_dim,
	embedding = excluded.embedding, revision = max(excluded.revision, memories.revision + 1),
	seq = excluded.seq, op = excluded.op, vindex = 1
WHERE memories.deleted_at IS NOT NULL`

// setTags replaces the tags of owner's memory hash (if live, when live is
// set) with the JSON list tags.
func setTags(owner, hash, tags string, live bool) []stmt {
	cond := ""
	if live {
		cond = " AND m.deleted_at IS NULL"
	}
	return []stmt{
		q("DELETE FROM memory_tags WHERE memory_id IN (SELECT m.id FROM memories m WHERE m.owner = ? AND m.hash = ?"+cond+")", owner, hash),
		q(`INSERT INTO memory_tags (memory_id, tag, pos) SELECT m.id, j.value, j.key
			FROM memories m, json_each(?) j WHERE m.owner = ? AND m.hash = ?`+cond, tags, owner, hash),
	}
}

// Insert adds memories in one D1 transaction: all or none. A tombstone
// with the same owner and hash becomes the new memory. It returns EInvalid
// for a missing field or a vector of the wrong length, EConflict naming the
// hash when a live memory has it, and ETooLarge for content above the R2
// threshold without a bucket. A retried call is not its own conflict.
func (s *Store) Insert(ctx context.Context, mems []*memory.Memory) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if len(mems) == 0 {
		return nil
	}
	seen := map[memory.Key]bool{}
	for _, m := range mems {
		if err := validate(m); err != nil {
			return err
		}
		if seen[memory.KeyOf(m)] {
			return memory.Errorf(memory.EConflict, "memory %s appears twice in the batch", m.Hash)
		}
		seen[memory.KeyOf(m)] = true
	}
	if err := s.checkDims(mems); err != nil {
		return err
	}
	op, now := opID(), ms(s.now())
	sts := []stmt{bumpSeq}
	for _, m := range mems {
		meta, err := encodeMetadata(m)
		if err != nil {
			return err
		}
		text, r2key, err := s.content(ctx, m)
		if err != nil {
			return err
		}
		tags := encodeTags(m.Tags)
		vindex := 0
		if len(m.Embedding) > 0 {
			vindex = 1
		}
		sts = append(sts, q(insertSQL, m.Owner, m.Hash, text, memory.FoldString(text), len(m.Content), r2key,
			m.Type, tags, meta, ms(m.CreatedAt), ms(m.UpdatedAt), nullMS(m.LastAccessedAt), m.AccessCount,
			m.Quality, m.SupersededBy, m.EmbeddingModel, len(m.Embedding), encodeVector(m.Embedding), now,
			op, vectorID(m.Owner, m.Hash), vindex))
		sts = append(sts, setTags(m.Owner, m.Hash, tags, true)...)
	}
	if _, err := s.d1Batch(ctx, "insert", sts); err != nil {
		if sqlError(err, "mms_conflict") {
			return s.conflict(ctx, mems)
		}
		return fmt.Errorf("insert memories: %w", s.dimError(ctx, err))
	}
	s.rememberDims(mems)
	s.indexAfterWrite(ctx, mems)
	return nil
}

// conflict names a memory of ms that is live in D1.
func (s *Store) conflict(ctx context.Context, ms []*memory.Memory) error {
	keys := make([]memory.Key, len(ms))
	for i, m := range ms {
		keys[i] = memory.KeyOf(m)
	}
	t, err := s.rowsByKey(ctx, "find conflict", keys, "m.deleted_at IS NULL")
	if err != nil || len(t.Rows) == 0 {
		return memory.Errorf(memory.EConflict, "a memory of the batch already exists")
	}
	return memory.Errorf(memory.EConflict, "memory %s already exists", colString(t.Rows[0][2]))
}

// rowsByKey reads the rows (memCols) of these keys that satisfy cond.
func (s *Store) rowsByKey(ctx context.Context, op string, keys []memory.Key, cond string) (*table, error) {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.Owner, k.Hash}
	}
	js, _ := json.Marshal(pairs)
	t, _, err := s.d1Query(ctx, op, q("SELECT "+memCols+` FROM memories m
		WHERE m.id IN (SELECT m2.id FROM json_each(?) j JOIN memories m2
			ON m2.owner = json_extract(j.value, '$[0]') AND m2.hash = json_extract(j.value, '$[1]'))
		AND `+cond+" ORDER BY m.id", string(js)))
	return t, err
}

// Get returns owner's live memory with this hash, or ENotFound.
func (s *Store) Get(ctx context.Context, owner, hash string) (*memory.Memory, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	t, _, err := s.d1Query(ctx, "get", q("SELECT "+memCols+" FROM memories m WHERE m.owner = ? AND m.hash = ? AND m.deleted_at IS NULL", owner, hash))
	if err != nil {
		return nil, fmt.Errorf("get memory %s: %w", hash, err)
	}
	rs, err := s.readRows(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("get memory %s: %w", hash, err)
	}
	if len(rs) == 0 {
		return nil, memory.Errorf(memory.ENotFound, "memory %s not found", hash)
	}
	return rs[0].m, nil
}

// Update replaces the mutable fields of the live memory (m.Owner, m.Hash).
// It returns ENotFound if there is no such memory and EInvalid if a
// required field is missing.
func (s *Store) Update(ctx context.Context, m *memory.Memory) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if m == nil || m.Owner == "" || m.Hash == "" || m.Type == "" || m.CreatedAt.IsZero() || m.UpdatedAt.IsZero() {
		return memory.Errorf(memory.EInvalid, "update of a memory needs owner, hash, type, created_at and updated_at")
	}
	meta, err := encodeMetadata(m)
	if err != nil {
		return err
	}
	tags := encodeTags(m.Tags)
	upd := q(`UPDATE memories SET type = ?, tags = ?, metadata = ?, updated_at = ?, created_at = ?, quality = ?,
		superseded_by = ?, access_count = ?, last_accessed_at = ?, seq = `+curSeq+`, revision = max(?, revision + 1),
		vindex = CASE WHEN embedding IS NULL THEN vindex ELSE 1 END
		WHERE owner = ? AND hash = ? AND deleted_at IS NULL RETURNING id`,
		m.Type, tags, meta, ms(m.UpdatedAt), ms(m.CreatedAt), m.Quality, m.SupersededBy, m.AccessCount,
		nullMS(m.LastAccessedAt), ms(s.now()), m.Owner, m.Hash)
	res, err := s.d1Batch(ctx, "update", append([]stmt{bumpSeq, upd}, setTags(m.Owner, m.Hash, tags, true)...))
	if err != nil {
		return fmt.Errorf("update memory %s: %w", m.Hash, err)
	}
	if len(res[1].Rows) == 0 {
		return memory.Errorf(memory.ENotFound, "memory %s not found", m.Hash)
	}
	s.indexAfterWrite(ctx, []*memory.Memory{m})
	return nil
}

// Touch increments the access count and sets the last access time of
// owner's live memories with these hashes; unknown hashes are ignored.
// Access statistics are not changes: they move neither the revision nor
// the change sequence.
func (s *Store) Touch(ctx context.Context, owner string, hashes []string, at time.Time) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if len(hashes) == 0 {
		return nil
	}
	if owner == "" {
		return memory.Errorf(memory.EInvalid, "touch needs an owner")
	}
	var b sqlBuilder
	b.add("UPDATE memories SET access_count = access_count + 1, last_accessed_at = ? WHERE owner = ? AND deleted_at IS NULL AND hash IN ", ms(at), owner)
	b.list(hashes)
	if _, _, err := s.d1Query(ctx, "touch", b.stmt()); err != nil {
		return fmt.Errorf("touch memories: %w", err)
	}
	return nil
}

// PendingEmbeddings returns up to limit live memories of any owner whose
// vector is missing or was made by another model.
func (s *Store) PendingEmbeddings(ctx context.Context, model string, limit int) ([]*memory.Memory, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if model == "" {
		return nil, memory.Errorf(memory.EInvalid, "pending embeddings need a model")
	}
	if limit < 1 {
		return nil, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	t, _, err := s.d1Query(ctx, "pending embeddings", q("SELECT "+memCols+
		" FROM memories m WHERE m.deleted_at IS NULL AND m.embedding_model <> ? LIMIT ?", model, limit))
	if err != nil {
		return nil, fmt.Errorf("pending embeddings: %w", err)
	}
	rs, err := s.readRows(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("pending embeddings: %w", err)
	}
	return memoriesOf(rs), nil
}

// SetEmbeddings replaces vectors and their model in one transaction;
// unknown memories are ignored. It returns EInvalid for a vector without a
// model or of the wrong length.
func (s *Store) SetEmbeddings(ctx context.Context, us []memory.EmbeddingUpdate) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if len(us) == 0 {
		return nil
	}
	mems := make([]*memory.Memory, len(us))
	for i, u := range us {
		if len(u.Vector) > 0 && u.Model == "" {
			return memory.Errorf(memory.EInvalid, "embedding of memory %s: a vector needs a model", u.Hash)
		}
		mems[i] = &memory.Memory{Owner: u.Owner, Hash: u.Hash, EmbeddingModel: u.Model, Embedding: u.Vector}
	}
	if err := s.checkDims(mems); err != nil {
		return err
	}
	sts := []stmt{bumpSeq}
	for _, u := range us {
		sts = append(sts, q(`UPDATE memories SET embedding_model = ?, embedding_dim = ?, embedding = ?, seq = `+curSeq+`, vindex = 1
			WHERE owner = ? AND hash = ? AND deleted_at IS NULL`, u.Model, len(u.Vector), encodeVector(u.Vector), u.Owner, u.Hash))
	}
	if _, err := s.d1Batch(ctx, "set embeddings", sts); err != nil {
		return fmt.Errorf("set embeddings: %w", s.dimError(ctx, err))
	}
	s.rememberDims(mems)
	s.indexAfterWrite(ctx, mems)
	return nil
}
