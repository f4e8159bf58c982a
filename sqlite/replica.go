package sqlite

// memory.Replica: Put (copies from another replica, newest version wins),
// Changes (every change in order, by the counters sequence) and Versions.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/mcp-memory-go/memory"
)

var _ memory.Replica = (*Store)(nil)

const putSQL = `INSERT INTO memories (owner, hash, content, type, metadata,
	created_at, updated_at, last_accessed_at, deleted_at, access_count, quality,
	superseded_by, seq, embedding_model, embedding_dim, revision)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (owner, hash) DO UPDATE SET
	content = excluded.content, type = excluded.type, metadata = excluded.metadata,
	created_at = excluded.created_at, updated_at = excluded.updated_at,
	last_accessed_at = excluded.last_accessed_at, deleted_at = excluded.deleted_at,
	access_count = excluded.access_count, quality = excluded.quality,
	superseded_by = excluded.superseded_by, seq = excluded.seq,
	embedding_model = excluded.embedding_model, embedding_dim = excluded.embedding_dim,
	revision = excluded.revision
RETURNING id`

// Put writes copies made by another replica where they are newer than the
// local memory (memory.Replica), in one transaction that does not queue them
// for sync. Where the local memory is newer, it is queued instead (if the
// outbox is on), so that the other side catches up. It returns EInvalid for
// a copy missing a field or a revision, or a vector whose length differs
// from its model's.
func (s *Store) Put(ctx context.Context, ms []*memory.Memory) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	if err := memory.CheckCopies(ms, validate); err != nil {
		return 0, err
	}
	dims := make(map[string]int)
	for _, m := range ms {
		if m.DeletedAt.IsZero() {
			if err := batchDim(dims, m.EmbeddingModel, len(m.Embedding)); err != nil {
				return 0, err
			}
		}
	}
	var changed int
	err := s.writeSeq(ctx, false, func(tx *sql.Tx, seq int64) error {
		changed = 0
		if err := s.checkDims(ctx, tx, dims); err != nil {
			return err
		}
		q := s.on(tx)
		for _, m := range ms {
			n, err := s.putOne(ctx, q, m, seq)
			if err != nil {
				return fmt.Errorf("put memory %s: %w", m.Hash, err)
			}
			changed += n
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.rememberDims(dims)
	return changed, nil
}

// putOne applies one copy; it returns 1 if the memory changed.
func (s *Store) putOne(ctx context.Context, q queryer, m *memory.Memory, seq int64) (int, error) {
	local, id, err := scanMemory(q.QueryRowContext(ctx, "SELECT "+memoryCols+
		" FROM memories m WHERE m.owner = ? AND m.hash = ?", m.Owner, m.Hash))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	live := m.DeletedAt.IsZero()
	if local != nil {
		switch memory.VersionOf(m).Compare(memory.VersionOf(local)) {
		case -1:
			if s.outbox {
				return 0, s.enqueue(ctx, q, id, seq)
			}
			return 0, nil
		case 0:
			// Same memory: only a missing vector may be filled in.
			if !live || local.EmbeddingModel != "" || m.EmbeddingModel == "" || local.Content != m.Content {
				return 0, nil
			}
			return 1, s.putCopyVector(ctx, q, id, m, seq)
		}
	}
	meta, err := encodeMetadata(m)
	if err != nil {
		return 0, err
	}
	model, vec := m.EmbeddingModel, m.Embedding
	keepVector := live && model == "" && local != nil && local.DeletedAt.IsZero() && local.Content == m.Content
	if keepVector {
		model, vec = local.EmbeddingModel, local.Embedding
	}
	if !live {
		model, vec = "", nil
	}
	var deleted any
	if !live {
		deleted = ms(m.DeletedAt)
	}
	err = q.QueryRowContext(ctx, putSQL, m.Owner, m.Hash, m.Content, m.Type, meta,
		ms(m.CreatedAt), ms(m.UpdatedAt), nullMS(m.LastAccessedAt), deleted, m.AccessCount, m.Quality,
		m.SupersededBy, seq, model, len(vec), m.Revision).Scan(&id)
	if err != nil {
		return 0, err
	}
	if err := setTags(ctx, q, id, m.Tags); err != nil {
		return 0, err
	}
	if live {
		if err := setVector(ctx, q, id, vec); err != nil {
			return 0, err
		}
	}
	return 1, nil
}

// putCopyVector gives the live memory id the copy's vector.
func (s *Store) putCopyVector(ctx context.Context, q queryer, id int64, m *memory.Memory, seq int64) error {
	_, err := q.ExecContext(ctx, "UPDATE memories SET embedding_model = ?, embedding_dim = ?, seq = ? WHERE id = ?",
		m.EmbeddingModel, len(m.Embedding), seq, id)
	if err != nil {
		return err
	}
	return setVector(ctx, q, id, m.Embedding)
}

// Changes lists memories of every owner, tombstones included, changed
// after cursor, in the order of their last change (memory.Replica). The
// cursor is "seq.id" of the last memory returned. Access statistics alone
// are not changes.
func (s *Store) Changes(ctx context.Context, cursor string, limit int) ([]*memory.Memory, string, error) {
	if limit < 1 {
		return nil, cursor, memory.Errorf(memory.EInvalid, "limit %d is below 1", limit)
	}
	seq, id, err := memory.ParseChangeCursor(cursor)
	if err != nil {
		return nil, cursor, err
	}
	rows, err := s.on(nil).QueryContext(ctx, "SELECT "+memoryCols+", m.seq FROM memories m"+
		" WHERE (m.seq, m.id) > (?, ?) ORDER BY m.seq, m.id LIMIT ?", seq, id, limit)
	if err != nil {
		return nil, cursor, fmt.Errorf("list changes: %w", err)
	}
	defer rows.Close()
	var out []*memory.Memory
	next := cursor
	for rows.Next() {
		var mseq int64
		m, mid, err := scanMemory(rows, &mseq)
		if err != nil {
			return nil, cursor, fmt.Errorf("list changes: %w", err)
		}
		out = append(out, m)
		next = memory.ChangeCursor(mseq, mid)
	}
	if err := rows.Err(); err != nil {
		return nil, cursor, fmt.Errorf("list changes: %w", err)
	}
	return out, next, nil
}

// Versions returns the versions of the memories with these keys, any
// owner, tombstones included (memory.Replica).
func (s *Store) Versions(ctx context.Context, keys []memory.Key) (map[memory.Key]memory.Version, error) {
	out := make(map[memory.Key]memory.Version, len(keys))
	for chunk := range slices.Chunk(keys, 500) {
		pairs := make([][2]string, len(chunk))
		for i, k := range chunk {
			pairs[i] = [2]string{k.Owner, k.Hash}
		}
		js, _ := json.Marshal(pairs)
		rows, err := s.on(nil).QueryContext(ctx, "SELECT "+memoryCols+` FROM memories m
			WHERE (m.owner, m.hash) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`, string(js))
		if err != nil {
			return nil, fmt.Errorf("read versions: %w", err)
		}
		for rows.Next() {
			m, _, err := scanMemory(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read versions: %w", err)
			}
			out[memory.KeyOf(m)] = memory.VersionOf(m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read versions: %w", err)
		}
	}
	return out, nil
}
