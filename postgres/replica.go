package postgres

// memory.Replica: Put (copies from another replica, newest version wins),
// Changes (every change in order, by the change counter) and Versions, and
// the change helper that numbers every changing transaction.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/mcp-memory-go/memory"
)

var _ memory.Replica = (*Store)(nil)

// change runs fn in a write transaction that changes memories, with the
// transaction's change number and the current time in unix milliseconds
// (for revisions). The number comes from the counter row, whose lock the
// transaction keeps until it ends: changes commit in the order of their
// numbers, so that Changes never returns a number while a smaller one is
// still to be committed. Taking it first keeps the lock order of every
// writer the same.
func (s *Store) change(ctx context.Context, fn func(tx pgx.Tx, seq, now int64) error) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		var seq int64
		if err := tx.QueryRow(ctx, "UPDATE memory_change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq").Scan(&seq); err != nil {
			return fmt.Errorf("number the change: %w", err)
		}
		return fn(tx, seq, s.nowMS())
	})
}

// nowMS is the clock in unix milliseconds.
func (s *Store) nowMS() int64 {
	if s.Now != nil {
		return s.Now().UnixMilli()
	}
	return time.Now().UnixMilli()
}

// putSQL writes the copies of parallel arrays over whatever is stored
// (the caller decided they are newer), with change $18.
const putSQL = `INSERT INTO memories AS m (owner, hash, content, type, tags, metadata, created_at, updated_at,
	last_accessed_at, deleted_at, access_count, quality, superseded_by, model_id, embedding, revision, seq)
SELECT u.owner, u.hash, u.content, u.type,
	ARRAY(SELECT t FROM jsonb_array_elements_text(u.tags::jsonb) WITH ORDINALITY AS e(t, i) ORDER BY e.i),
	u.metadata::jsonb, u.created_at, u.updated_at, u.last_accessed_at, u.deleted_at, u.access_count, u.quality,
	u.superseded_by, u.model_id, u.embedding, u.revision, $18
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
	$8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::bigint[], $12::float8[], $13::text[], $14::int[],
	$15::vector[], $16::bigint[], $17::int[])
	AS u(owner, hash, content, type, tags, metadata, created_at, updated_at, last_accessed_at, deleted_at,
	access_count, quality, superseded_by, model_id, embedding, revision, ord)
ORDER BY u.ord
ON CONFLICT (owner, hash) DO UPDATE SET
	content = excluded.content, type = excluded.type, tags = excluded.tags, metadata = excluded.metadata,
	created_at = excluded.created_at, updated_at = excluded.updated_at,
	last_accessed_at = excluded.last_accessed_at, deleted_at = excluded.deleted_at,
	access_count = excluded.access_count, quality = excluded.quality,
	superseded_by = excluded.superseded_by, model_id = excluded.model_id, embedding = excluded.embedding,
	revision = excluded.revision, seq = excluded.seq`

// Put writes copies made by another replica where they are newer than the
// stored memory (memory.Replica), in one transaction that locks the stored
// rows first, so that concurrent Puts of one memory decide one after the
// other. It returns how many memories changed, and EInvalid for a copy
// missing a field or a revision, or a vector whose length differs from its
// model's.
func (s *Store) Put(ctx context.Context, copies []*memory.Memory) (int, error) {
	if len(copies) == 0 {
		return 0, nil
	}
	if err := memory.CheckCopies(copies, validate); err != nil {
		return 0, err
	}
	dims := make(map[string]int)
	owners, hashes, metas := make([]string, len(copies)), make([]string, len(copies)), make([]string, len(copies))
	for i, m := range copies {
		var err error
		if metas[i], err = encodeMetadata(m); err != nil {
			return 0, err
		}
		if m.DeletedAt.IsZero() {
			if err := batchDim(dims, m.EmbeddingModel, len(m.Embedding)); err != nil {
				return 0, err
			}
		}
		owners[i], hashes[i] = m.Owner, m.Hash
	}
	var (
		changed int
		models  map[string]modelInfo
	)
	err := s.change(ctx, func(tx pgx.Tx, seq, _ int64) error {
		changed = 0
		var err error
		if models, err = s.registerModels(ctx, tx, modelsOf(copies), dims); err != nil {
			return err
		}
		local := make(map[memory.Key]*memory.Memory, len(copies))
		rows, err := tx.Query(ctx, "SELECT "+memoryCols+` FROM memories m
			JOIN unnest($1::text[], $2::text[]) AS k(owner, hash) ON m.owner = k.owner AND m.hash = k.hash
			ORDER BY m.id FOR UPDATE OF m`, owners, hashes)
		ls, err := collect(rows, err)
		if err != nil {
			return err
		}
		for _, l := range ls {
			local[memory.KeyOf(l)] = l
		}
		var w putRows
		var fill []*memory.Memory // same version, giving a missing vector
		for i, m := range copies {
			l := local[memory.KeyOf(m)]
			live := m.DeletedAt.IsZero()
			if l != nil {
				switch memory.VersionOf(m).Compare(memory.VersionOf(l)) {
				case -1:
					continue
				case 0:
					if live && l.EmbeddingModel == "" && m.EmbeddingModel != "" && l.Content == m.Content {
						fill = append(fill, m)
					}
					continue
				}
			}
			model, vec := m.EmbeddingModel, m.Embedding
			if live && model == "" && l != nil && l.DeletedAt.IsZero() && l.Content == m.Content {
				model, vec = l.EmbeddingModel, l.Embedding // a copy without vector keeps ours
				if _, ok := models[model]; !ok && model != "" {
					mi, err := s.registerModels(ctx, tx, []string{model}, nil)
					if err != nil {
						return err
					}
					models[model] = mi[model]
				}
			}
			if !live {
				model, vec = "", nil
			}
			w.add(m, metas[i], models, model, vec)
		}
		if len(w.owners) > 0 {
			if _, err := tx.Exec(ctx, putSQL, w.args(seq)...); err != nil {
				return err
			}
		}
		if len(fill) > 0 {
			var fo, fh []string
			var ids []int32
			var vecs []*pgvector.Vector
			for _, m := range fill {
				fo, fh, ids, vecs = append(fo, m.Owner), append(fh, m.Hash), append(ids, models[m.EmbeddingModel].id), append(vecs, vector(m.Embedding))
			}
			if _, err := tx.Exec(ctx, `UPDATE memories m SET model_id = u.model_id, embedding = u.embedding, seq = $5
				FROM unnest($1::text[], $2::text[], $3::int[], $4::vector[]) AS u(owner, hash, model_id, embedding)
				WHERE m.owner = u.owner AND m.hash = u.hash`, fo, fh, ids, vecs, seq); err != nil {
				return err
			}
		}
		changed = len(w.owners) + len(fill)
		return nil
	})
	if err != nil {
		if memory.ErrorCode(err) != memory.EInternal {
			return 0, err
		}
		return 0, fmt.Errorf("put memories: %w", err)
	}
	s.remember(models)
	return changed, nil
}

// putRows are the parallel arrays of putSQL.
type putRows struct {
	owners, hashes, contents, types, tags, metas, superseded []string
	created, updated                                         []time.Time
	accessed, deleted                                        []*time.Time
	counts, revisions                                        []int64
	quality                                                  []float64
	modelIDs                                                 []*int32
	vecs                                                     []*pgvector.Vector
	ord                                                      []int32
}

// add appends copy m, with its encoded metadata and the vector model and
// vec.
func (w *putRows) add(m *memory.Memory, meta string, models map[string]modelInfo, model string, vec []float32) {
	tj, _ := json.Marshal(memory.CleanTags(m.Tags))
	w.owners, w.hashes, w.contents, w.types = append(w.owners, m.Owner), append(w.hashes, m.Hash), append(w.contents, m.Content), append(w.types, m.Type)
	w.tags, w.metas, w.superseded = append(w.tags, string(tj)), append(w.metas, meta), append(w.superseded, m.SupersededBy)
	w.created, w.updated = append(w.created, ms(m.CreatedAt)), append(w.updated, ms(m.UpdatedAt))
	w.accessed, w.deleted = append(w.accessed, nullTime(m.LastAccessedAt)), append(w.deleted, nullTime(m.DeletedAt))
	w.counts, w.revisions, w.quality = append(w.counts, m.AccessCount), append(w.revisions, m.Revision), append(w.quality, m.Quality)
	w.modelIDs, w.vecs, w.ord = append(w.modelIDs, modelID(models, model)), append(w.vecs, vector(vec)), append(w.ord, int32(len(w.ord)))
}

func (w *putRows) args(seq int64) []any {
	return []any{w.owners, w.hashes, w.contents, w.types, w.tags, w.metas, w.created, w.updated, w.accessed, w.deleted,
		w.counts, w.quality, w.superseded, w.modelIDs, w.vecs, w.revisions, w.ord, seq}
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
	var out []*memory.Memory
	next := cursor
	err = s.read(ctx, func(q querier) error {
		out, next = nil, cursor
		rows, err := q.Query(ctx, "SELECT "+memoryCols+", m.seq, m.id FROM memories m"+
			" WHERE (m.seq, m.id) > ($1, $2) ORDER BY m.seq, m.id LIMIT $3", seq, id, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var mseq, mid int64
			m, err := scanMemory(rows, &mseq, &mid)
			if err != nil {
				return err
			}
			out = append(out, m)
			next = memory.ChangeCursor(mseq, mid)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, cursor, fmt.Errorf("list changes: %w", err)
	}
	return out, next, nil
}

// Versions returns the versions of the memories with these keys, any
// owner, tombstones included (memory.Replica).
func (s *Store) Versions(ctx context.Context, keys []memory.Key) (map[memory.Key]memory.Version, error) {
	out := make(map[memory.Key]memory.Version, len(keys))
	for chunk := range slices.Chunk(keys, 1000) {
		var owners, hashes []string
		for _, k := range chunk {
			if storable(k.Owner) && storable(k.Hash) {
				owners, hashes = append(owners, k.Owner), append(hashes, k.Hash)
			}
		}
		if len(owners) == 0 {
			continue
		}
		err := s.read(ctx, func(q querier) error {
			ms, err := collect(q.Query(ctx, "SELECT "+memoryCols+` FROM memories m
				JOIN unnest($1::text[], $2::text[]) AS k(owner, hash) ON m.owner = k.owner AND m.hash = k.hash`, owners, hashes))
			for _, m := range ms {
				out[memory.KeyOf(m)] = memory.VersionOf(m)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("read versions: %w", err)
		}
	}
	return out, nil
}
