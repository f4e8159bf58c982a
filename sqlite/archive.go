package sqlite

// The archive (memory.Archive): forgotten memories copied whole into
// memory_archive while their row is a tombstone, and revived exactly on
// restore.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mcp-memory-go/memory"
)

var _ memory.Archive = (*Store)(nil)

// archived is the JSON form of an archived memory (memory_archive.data):
// every field a restore must give back, times in milliseconds.
type archived struct {
	Content      string         `json:"content"`
	Type         string         `json:"type"`
	Tags         []string       `json:"tags"`
	Metadata     map[string]any `json:"metadata"`
	CreatedAt    int64          `json:"created_at"`
	UpdatedAt    int64          `json:"updated_at"`
	LastAccessed int64          `json:"last_accessed_at,omitempty"`
	AccessCount  int64          `json:"access_count"`
	Quality      float64        `json:"quality"`
	SupersededBy string         `json:"superseded_by,omitempty"`
}

func toArchived(m *memory.Memory) archived {
	a := archived{Content: m.Content, Type: m.Type, Tags: m.Tags, Metadata: m.Metadata,
		CreatedAt: ms(m.CreatedAt), UpdatedAt: ms(m.UpdatedAt), AccessCount: m.AccessCount,
		Quality: m.Quality, SupersededBy: m.SupersededBy}
	if !m.LastAccessedAt.IsZero() {
		a.LastAccessed = ms(m.LastAccessedAt)
	}
	return a
}

func (a archived) memory(owner, hash, model string, vec []byte) *memory.Memory {
	m := &memory.Memory{Owner: owner, Hash: hash, Content: a.Content, Type: a.Type, Tags: a.Tags, Metadata: a.Metadata,
		CreatedAt: fromMS(a.CreatedAt), UpdatedAt: fromMS(a.UpdatedAt), AccessCount: a.AccessCount,
		Quality: a.Quality, SupersededBy: a.SupersededBy, EmbeddingModel: model}
	if a.LastAccessed != 0 {
		m.LastAccessedAt = fromMS(a.LastAccessed)
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	if len(vec) > 0 {
		m.Embedding = decodeVector(vec)
	}
	return m
}

// Archive moves owner's live memories with these hashes to the archive
// in one transaction (see memory.Archive).
func (s *Store) Archive(ctx context.Context, owner string, hashes []string, at time.Time, reason string) ([]string, error) {
	if err := memory.CheckArchiveArgs(owner, at, reason); err != nil {
		return nil, err
	}
	if len(hashes) == 0 {
		return []string{}, nil
	}
	var sel sqlBuilder
	sel.add("m.owner = ? AND m.deleted_at IS NULL AND m.hash IN ", owner)
	sel.in(hashes)
	var done []string
	now := s.nowMS()
	err := s.write(ctx, func(tx *sql.Tx, seq int64) error {
		done = done[:0]
		q := s.on(tx)
		rows, err := q.QueryContext(ctx, "SELECT "+memoryCols+" FROM memories m WHERE "+sel.String()+" ORDER BY m.hash", sel.args...)
		if err != nil {
			return err
		}
		var found []*memory.Memory
		for rows.Next() {
			m, _, err := scanMemory(rows)
			if err != nil {
				rows.Close()
				return err
			}
			found = append(found, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range found {
			data, err := json.Marshal(toArchived(m))
			if err != nil {
				return memory.Errorf(memory.EInvalid, "memory %s cannot be archived: %v", m.Hash, err)
			}
			_, err = q.ExecContext(ctx, `INSERT OR REPLACE INTO memory_archive (owner, hash, archived_at, reason, data, embedding_model, embedding)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, owner, m.Hash, ms(at), reason, string(data), m.EmbeddingModel, encodeVector(m.Embedding))
			if err != nil {
				return err
			}
			done = append(done, m.Hash)
		}
		// As Delete: a tombstone without vector (the memories_vector_drop
		// trigger), but its edges stay (memories_edges_drop sees the
		// archive row).
		args := append([]any{ms(at), seq, now}, sel.args...)
		_, err = q.ExecContext(ctx, `UPDATE memories AS m SET deleted_at = ?, seq = ?, embedding_model = '', embedding_dim = 0,
			revision = max(?, m.revision + 1) WHERE `+sel.String(), args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("archive memories: %w", err)
	}
	return append([]string{}, done...), nil
}

// Restore brings archived memories back, all or none (see
// memory.Archive).
func (s *Store) Restore(ctx context.Context, owner string, hashes []string) ([]*memory.Memory, error) {
	if owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "restoring needs an owner")
	}
	var out []*memory.Memory
	dims := map[string]int{}
	now := s.nowMS()
	err := s.write(ctx, func(tx *sql.Tx, seq int64) error {
		out = out[:0]
		q := s.on(tx)
		for _, h := range hashes {
			var data, model string
			var vec []byte
			err := q.QueryRowContext(ctx, "SELECT data, embedding_model, embedding FROM memory_archive WHERE owner = ? AND hash = ?", owner, h).Scan(&data, &model, &vec)
			if errors.Is(err, sql.ErrNoRows) {
				return memory.Errorf(memory.ENotFound, "memory %s is not in the archive", h)
			}
			if err != nil {
				return err
			}
			var a archived
			if err := json.Unmarshal([]byte(data), &a); err != nil {
				return fmt.Errorf("archived memory %s: %w", h, err)
			}
			m := a.memory(owner, h, model, vec)
			if len(m.Embedding) > 0 {
				if err := batchDim(dims, model, len(m.Embedding)); err != nil {
					return err
				}
				if err := s.checkDims(ctx, tx, map[string]int{model: len(m.Embedding)}); err != nil {
					return err
				}
			}
			meta, err := encodeMetadata(m)
			if err != nil {
				return err
			}
			var id int64
			err = q.QueryRowContext(ctx, insertSQL, m.Owner, m.Hash, m.Content, m.Type, meta,
				ms(m.CreatedAt), ms(m.UpdatedAt), nullMS(m.LastAccessedAt), m.AccessCount, m.Quality,
				m.SupersededBy, seq, m.EmbeddingModel, len(m.Embedding), now).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return memory.Errorf(memory.EConflict, "memory %s was stored again since it was archived; delete that copy to restore this one", h)
			}
			if err != nil {
				return fmt.Errorf("restore memory %s: %w", h, err)
			}
			if err := setTags(ctx, q, id, m.Tags); err != nil {
				return err
			}
			if len(m.Embedding) > 0 {
				if err := setVector(ctx, q, id, m.Embedding); err != nil {
					return err
				}
			}
			if _, err := q.ExecContext(ctx, "DELETE FROM memory_archive WHERE owner = ? AND hash = ?", owner, h); err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		if memory.ErrorCode(err) != memory.EInternal {
			return nil, err
		}
		return nil, fmt.Errorf("restore memories: %w", err)
	}
	s.rememberDims(dims)
	return append([]*memory.Memory{}, out...), nil
}

// Archived lists owner's archived memories, most recently archived first
// (vectors are not loaded).
func (s *Store) Archived(ctx context.Context, owner string, p memory.Page) ([]memory.ArchivedMemory, int, error) {
	if owner == "" {
		return nil, 0, memory.Errorf(memory.EInvalid, "the archive needs an owner")
	}
	if p.Offset < 0 || p.Limit < 0 {
		return nil, 0, memory.Errorf(memory.EInvalid, "page offset %d or limit %d is negative", p.Offset, p.Limit)
	}
	limit := p.Limit
	if limit == 0 {
		limit = -1
	}
	var out []memory.ArchivedMemory
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM memory_archive WHERE owner = ?", owner).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT hash, archived_at, reason, data, embedding_model FROM memory_archive
			WHERE owner = ? ORDER BY archived_at DESC, hash LIMIT ? OFFSET ?`, owner, limit, p.Offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var am memory.ArchivedMemory
			var hash, data, model string
			if err := rows.Scan(&hash, msTime{&am.ArchivedAt}, &am.Reason, &data, &model); err != nil {
				return err
			}
			var a archived
			if err := json.Unmarshal([]byte(data), &a); err != nil {
				return fmt.Errorf("archived memory %s: %w", hash, err)
			}
			am.Memory = a.memory(owner, hash, model, nil)
			out = append(out, am)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list the archive: %w", err)
	}
	if out == nil {
		out = []memory.ArchivedMemory{}
	}
	return out, total, nil
}
