package cloudflare

// memory.Replica: Put (copies from another replica, newest version wins),
// Changes (every change in order, by the change sequence) and Versions.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mcp-memory-go/memory"
)

// putRounds bounds how often Put re-reads memories that changed between
// its read and its write.
const putRounds = 5

// Put writes copies made by another replica where they are newer than
// what D1 holds (memory.Replica). Each round reads the stored memories,
// decides in Go, and writes with a guard on each row's change number, so
// that a row another client changed meanwhile is decided again. It returns
// EInvalid for a copy missing a field or a revision, or a vector of the
// wrong length.
func (s *Store) Put(ctx context.Context, copies []*memory.Memory) (int, error) {
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	if len(copies) == 0 {
		return 0, nil
	}
	if err := memory.CheckCopies(copies, validate); err != nil {
		return 0, err
	}
	if err := s.checkDims(copies); err != nil {
		return 0, err
	}
	changed := 0
	pending := copies
	var written []*memory.Memory
	for round := 0; len(pending) > 0; round++ {
		if round == putRounds {
			return changed, fmt.Errorf("put memories: %d kept changing under %d attempts", len(pending), putRounds)
		}
		n, again, done, err := s.putRound(ctx, pending)
		if err != nil {
			return changed, err
		}
		changed += n
		written = append(written, done...)
		pending = again
	}
	s.rememberDims(written)
	s.indexAfterWrite(ctx, written)
	return changed, nil
}

// putRound applies copies once; it returns how many changed a row, the
// copies to decide again and those written.
func (s *Store) putRound(ctx context.Context, copies []*memory.Memory) (int, []*memory.Memory, []*memory.Memory, error) {
	keys := make([]memory.Key, len(copies))
	for i, m := range copies {
		keys[i] = memory.KeyOf(m)
	}
	t, err := s.rowsByKey(ctx, "read for put", keys, "1")
	if err != nil {
		return 0, nil, nil, fmt.Errorf("put memories: %w", err)
	}
	rs, err := s.readRows(ctx, t)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("put memories: %w", err)
	}
	stored := make(map[memory.Key]row, len(rs))
	for _, r := range rs {
		stored[memory.KeyOf(r.m)] = r
	}
	sts := []stmt{bumpSeq}
	var guarded []int // statement index of each write, by position in written
	var writes []*memory.Memory
	for _, m := range copies {
		r, ok := stored[memory.KeyOf(m)]
		var w []stmt
		switch {
		case !ok:
			w, err = s.putNew(ctx, m)
		default:
			w, err = s.putOver(ctx, m, r)
		}
		if err != nil {
			return 0, nil, nil, err
		}
		if len(w) == 0 {
			continue
		}
		guarded = append(guarded, len(sts))
		writes = append(writes, m)
		sts = append(sts, w...)
	}
	if len(writes) == 0 {
		return 0, nil, nil, nil
	}
	res, err := s.d1Batch(ctx, "put", sts)
	if sqlError(err, "UNIQUE constraint failed") {
		return 0, copies, nil, nil // inserted meanwhile: decide again
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("put memories: %w", s.dimError(ctx, err))
	}
	var again, done []*memory.Memory
	for i, at := range guarded {
		if len(res[at].Rows) == 0 {
			again = append(again, writes[i])
		} else {
			done = append(done, writes[i])
		}
	}
	return len(done), again, done, nil
}

// copyColumns are the columns a copy sets, in the order of copyArgs.
var copyColumns = []string{"content", "content_fold", "content_size", "r2_key", "type", "tags", "metadata",
	"created_at", "updated_at", "last_accessed_at", "deleted_at", "access_count", "quality",
	"superseded_by", "embedding_model", "embedding_dim", "embedding", "revision"}

// putCols is the SET list of a copy written over a row.
var putCols = strings.Join(copyColumns, " = ?, ") + " = ?, seq = " + curSeq + ", op = '', vindex = 1"

// putNewSQL inserts a copy.
var putNewSQL = "INSERT INTO memories (owner, hash, vector_id, " + strings.Join(copyColumns, ", ") +
	", seq, op, vindex) VALUES (?, ?, ?, " + strings.Repeat("?, ", len(copyColumns)) + curSeq + ", '', 1) RETURNING id"

// copyArgs returns the values of putCols for m with vector (model, vec).
func (s *Store) copyArgs(ctx context.Context, m *memory.Memory, model string, vec []float32) ([]any, error) {
	meta, err := encodeMetadata(m)
	if err != nil {
		return nil, err
	}
	text, r2key, err := s.content(ctx, m)
	if err != nil {
		return nil, err
	}
	return []any{text, memory.FoldString(text), len(m.Content), r2key, m.Type, encodeTags(m.Tags), meta,
		ms(m.CreatedAt), ms(m.UpdatedAt), nullMS(m.LastAccessedAt), nullMS(m.DeletedAt), m.AccessCount, m.Quality,
		m.SupersededBy, model, len(vec), encodeVector(vec), m.Revision}, nil
}

// putNew inserts a copy of a memory D1 does not hold.
func (s *Store) putNew(ctx context.Context, m *memory.Memory) ([]stmt, error) {
	model, vec := m.EmbeddingModel, m.Embedding
	if !m.DeletedAt.IsZero() {
		model, vec = "", nil
	}
	args, err := s.copyArgs(ctx, m, model, vec)
	if err != nil {
		return nil, err
	}
	ins := q(putNewSQL, append([]any{m.Owner, m.Hash, vectorID(m.Owner, m.Hash)}, args...)...)
	return append([]stmt{ins}, copyTags(m, "m.owner = ? AND m.hash = ?", m.Owner, m.Hash)...), nil
}

// putOver writes a copy over the stored row r if it wins; otherwise it
// may only give r a vector it lacks.
func (s *Store) putOver(ctx context.Context, m *memory.Memory, r row) ([]stmt, error) {
	live := m.DeletedAt.IsZero()
	switch memory.VersionOf(m).Compare(memory.VersionOf(r.m)) {
	case -1:
		return nil, nil
	case 0:
		if !live || r.m.EmbeddingModel != "" || m.EmbeddingModel == "" || r.m.Content != m.Content {
			return nil, nil
		}
		return []stmt{q(`UPDATE memories SET embedding_model = ?, embedding_dim = ?, embedding = ?, seq = `+curSeq+`, vindex = 1
			WHERE id = ? AND seq = ? RETURNING id`, m.EmbeddingModel, len(m.Embedding), encodeVector(m.Embedding), r.id, r.seq)}, nil
	}
	model, vec := m.EmbeddingModel, m.Embedding
	if live && model == "" && r.m.DeletedAt.IsZero() && r.m.Content == m.Content {
		model, vec = r.m.EmbeddingModel, r.m.Embedding // the copy brings no vector: keep ours
	}
	if !live {
		model, vec = "", nil
	}
	args, err := s.copyArgs(ctx, m, model, vec)
	if err != nil {
		return nil, err
	}
	upd := q("UPDATE memories SET "+putCols+" WHERE id = ? AND seq = ? RETURNING id", append(args, r.id, r.seq)...)
	return append([]stmt{upd}, copyTags(m, "m.id = ?", r.id)...), nil
}

// copyTags replaces the tags of the row cond selects, if this batch wrote
// it.
func copyTags(m *memory.Memory, cond string, args ...any) []stmt {
	tags := encodeTags(m.Tags)
	cond += " AND m.seq = " + curSeq
	return []stmt{
		q("DELETE FROM memory_tags WHERE memory_id IN (SELECT m.id FROM memories m WHERE "+cond+")", args...),
		q("INSERT INTO memory_tags (memory_id, tag, pos) SELECT m.id, j.value, j.key FROM memories m, json_each(?) j WHERE "+cond,
			append([]any{tags}, args...)...),
	}
}

// Changes lists memories of every owner, tombstones included, changed
// after cursor, in the order of their last change (memory.Replica). The
// cursor is "seq.id" of the last memory returned.
func (s *Store) Changes(ctx context.Context, cursor string, limit int) ([]*memory.Memory, string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, cursor, err
	}
	if limit < 1 {
		return nil, cursor, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	var seq, id int64
	if cursor != "" {
		a, b, ok := strings.Cut(cursor, ".")
		var err1, err2 error
		seq, err1 = strconv.ParseInt(a, 10, 64)
		id, err2 = strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, cursor, memory.Errorf(memory.EInvalid, "change cursor %q is not one this store made", cursor)
		}
	}
	t, _, err := s.d1Query(ctx, "changes", q("SELECT "+memCols+" FROM memories m WHERE (m.seq, m.id) > (?, ?) ORDER BY m.seq, m.id LIMIT ?", seq, id, limit))
	if err != nil {
		return nil, cursor, fmt.Errorf("list changes: %w", err)
	}
	rs, err := s.readRows(ctx, t)
	if err != nil {
		return nil, cursor, fmt.Errorf("list changes: %w", err)
	}
	if len(rs) == 0 {
		return nil, cursor, nil
	}
	last := rs[len(rs)-1]
	return memoriesOf(rs), strconv.FormatInt(last.seq, 10) + "." + strconv.FormatInt(last.id, 10), nil
}

// Versions returns the versions of the memories with these keys, any
// owner, tombstones included (memory.Replica).
func (s *Store) Versions(ctx context.Context, keys []memory.Key) (map[memory.Key]memory.Version, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	out := make(map[memory.Key]memory.Version, len(keys))
	for chunk := range slices.Chunk(keys, 500) {
		t, err := s.rowsByKey(ctx, "versions", chunk, "1")
		if err != nil {
			return nil, fmt.Errorf("read versions: %w", err)
		}
		rs, err := s.readRows(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("read versions: %w", err)
		}
		for _, r := range rs {
			out[memory.KeyOf(r.m)] = memory.VersionOf(r.m)
		}
	}
	return out, nil
}
