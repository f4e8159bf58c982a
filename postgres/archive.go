package postgres

// The archive (memory.Archive): forgotten memories copied whole into
// memory_archive while their row is a tombstone, and revived exactly on
// restore.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcp-memory-go/memory"
)

var _ memory.Archive = (*Store)(nil)

// archiveSQL copies owner $1's live memories with hashes $2 into the
// archive at $3 for reason $4, replacing an older archived copy.
const archiveSQL = `INSERT INTO memory_archive AS a (owner, hash, archived_at, reason, content, type, tags, metadata,
	created_at, updated_at, last_accessed_at, access_count, quality, superseded_by, embedding_model, embedding)
SELECT m.owner, m.hash, $3, $4, m.content, m.type, m.tags, m.metadata, m.created_at, m.updated_at,
	m.last_accessed_at, m.access_count, m.quality, m.superseded_by, coalesce(em.model, ''), m.embedding
FROM memories m LEFT JOIN embedding_models em ON em.id = m.model_id
WHERE m.owner = $1 AND m.hash = ANY($2::text[]) AND m.deleted_at IS NULL
ORDER BY m.hash COLLATE "C"
ON CONFLICT (owner, hash) DO UPDATE SET archived_at = excluded.archived_at, reason = excluded.reason,
	content = excluded.content, type = excluded.type, tags = excluded.tags, metadata = excluded.metadata,
	created_at = excluded.created_at, updated_at = excluded.updated_at, last_accessed_at = excluded.last_accessed_at,
	access_count = excluded.access_count, quality = excluded.quality, superseded_by = excluded.superseded_by,
	embedding_model = excluded.embedding_model, embedding = excluded.embedding
RETURNING a.hash`

// Archive moves owner's live memories with these hashes to the archive in
// one transaction (see memory.Archive) and returns the archived hashes,
// sorted.
func (s *Store) Archive(ctx context.Context, owner string, hashes []string, at time.Time, reason string) ([]string, error) {
	if err := memory.CheckArchiveArgs(owner, at, reason); err != nil {
		return nil, err
	}
	if !storable(reason) {
		return nil, memory.Errorf(memory.EInvalid, "the reason holds a NUL character or invalid UTF-8")
	}
	hashes, none := storableList(hashes, false, !storable(owner))
	if none {
		return []string{}, nil
	}
	var done []string
	err := s.change(ctx, func(tx pgx.Tx, seq, now int64) error {
		rows, err := tx.Query(ctx, archiveSQL, owner, hashes, ms(at), reason)
		if err != nil {
			return err
		}
		if done, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(done) == 0 {
			return err
		}
		// As Delete: a tombstone without vector; its edges and mark stay
		// (the trigger sees the archive row).
		_, err = tx.Exec(ctx, `UPDATE memories m SET deleted_at = $3, model_id = NULL, embedding = NULL,
			revision = greatest($4, memory_revision(m.revision, m.updated_at) + 1), seq = $5
			WHERE m.owner = $1 AND m.hash = ANY($2::text[]) AND m.deleted_at IS NULL`, owner, done, ms(at), now, seq)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("archive memories: %w", err)
	}
	if done == nil {
		done = []string{}
	}
	slices.Sort(done)
	return done, nil
}

// restoreSQL revives owner $1's archived memories with hashes $2 as they
// were, at revision $3 (or above the tombstone's) and change $4; a hash
// with a live memory is missing from what it returns.
const restoreSQL = `INSERT INTO memories AS m (owner, hash, content, type, tags, metadata, created_at, updated_at,
	last_accessed_at, access_count, quality, superseded_by, model_id, embedding, revision, seq)
SELECT a.owner, a.hash, a.content, a.type, a.tags, a.metadata, a.created_at, a.updated_at,
	a.last_accessed_at, a.access_count, a.quality, a.superseded_by, em.id, a.embedding, $3, $4
FROM memory_archive a LEFT JOIN embedding_models em ON em.model = a.embedding_model
WHERE a.owner = $1 AND a.hash = ANY($2::text[])
ORDER BY array_position($2::text[], a.hash)
` + reviveSQL + `
RETURNING m.hash`

// Restore brings archived memories back, all or none (see
// memory.Archive), in the order of hashes.
func (s *Store) Restore(ctx context.Context, owner string, hashes []string) ([]*memory.Memory, error) {
	if owner == "" {
		return nil, memory.Errorf(memory.EInvalid, "restoring needs an owner")
	}
	hashes = uniq(hashes)
	for _, h := range hashes {
		if !storable(owner) || !storable(h) {
			return nil, memory.Errorf(memory.ENotFound, "memory %s is not in the archive", memory.Clip(h, 16))
		}
	}
	if len(hashes) == 0 {
		return []*memory.Memory{}, nil
	}
	var out []*memory.Memory
	err := s.change(ctx, func(tx pgx.Tx, seq, now int64) error {
		rows, err := tx.Query(ctx, "SELECT hash FROM memory_archive WHERE owner = $1 AND hash = ANY($2::text[]) FOR UPDATE", owner, hashes)
		if err != nil {
			return err
		}
		have, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, h := range hashes {
			if !slices.Contains(have, h) {
				return memory.Errorf(memory.ENotFound, "memory %s is not in the archive", h)
			}
		}
		if rows, err = tx.Query(ctx, restoreSQL, owner, hashes, now, seq); err != nil {
			return err
		}
		revived, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, h := range hashes {
			if !slices.Contains(revived, h) {
				return memory.Errorf(memory.EConflict, "memory %s was stored again since it was archived; delete that copy to restore this one", h)
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM memory_archive WHERE owner = $1 AND hash = ANY($2::text[])", owner, hashes); err != nil {
			return err
		}
		out, err = collect(tx.Query(ctx, "SELECT "+memoryCols+` FROM memories m WHERE m.owner = $1 AND m.hash = ANY($2::text[])
			ORDER BY array_position($2::text[], m.hash)`, owner, hashes))
		return err
	})
	if err != nil {
		if memory.ErrorCode(err) != memory.EInternal {
			return nil, err
		}
		return nil, fmt.Errorf("restore memories: %w", err)
	}
	return out, nil
}

// uniq returns vals without repeats, in order.
func uniq(vals []string) []string {
	seen := make(map[string]bool, len(vals))
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Archived lists owner's archived memories, most recently archived first
// (vectors are not loaded), and how many there are, from one snapshot.
func (s *Store) Archived(ctx context.Context, owner string, p memory.Page) ([]memory.ArchivedMemory, int, error) {
	if owner == "" {
		return nil, 0, memory.Errorf(memory.EInvalid, "the archive needs an owner")
	}
	if p.Offset < 0 || p.Limit < 0 {
		return nil, 0, memory.Errorf(memory.EInvalid, "page offset %d or limit %d is negative", p.Offset, p.Limit)
	}
	out := []memory.ArchivedMemory{}
	if !storable(owner) {
		return out, 0, nil
	}
	var limit *int
	if p.Limit > 0 {
		limit = &p.Limit
	}
	var total int
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		out = out[:0]
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM memory_archive WHERE owner = $1", owner).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT owner, hash, archived_at, reason, content, type, tags, metadata, created_at, updated_at,
				last_accessed_at, access_count, quality, superseded_by, embedding_model
			FROM memory_archive WHERE owner = $1 ORDER BY archived_at DESC, hash LIMIT $2 OFFSET $3`, owner, limit, p.Offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				am               memory.ArchivedMemory
				m                memory.Memory
				meta             []byte
				created, updated time.Time
				last             *time.Time
			)
			if err := rows.Scan(&m.Owner, &m.Hash, &am.ArchivedAt, &am.Reason, &m.Content, &m.Type, &m.Tags, &meta,
				&created, &updated, &last, &m.AccessCount, &m.Quality, &m.SupersededBy, &m.EmbeddingModel); err != nil {
				return err
			}
			am.ArchivedAt, m.CreatedAt, m.UpdatedAt, m.LastAccessedAt = am.ArchivedAt.UTC(), created.UTC(), updated.UTC(), timeOf(last)
			if m.Tags == nil {
				m.Tags = []string{}
			}
			if err := json.Unmarshal(meta, &m.Metadata); err != nil {
				return fmt.Errorf("archived memory %s: %w", m.Hash, err)
			}
			if m.Metadata == nil {
				m.Metadata = map[string]any{}
			}
			am.Memory = &m
			out = append(out, am)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list the archive: %w", err)
	}
	return out, total, nil
}
