package memory

import (
	"context"
	"maps"
	"slices"
	"time"
)

// ImportResult reports an import: how many memories were stored, how many
// were skipped because the owner already has their content, and how many
// of the stored ones were embedded here (their vector, if any, was made
// by another model).
type ImportResult struct {
	Imported   int      `json:"imported"`
	Duplicates int      `json:"duplicates"`
	Embedded   int      `json:"embedded"`
	Warnings   []string `json:"warnings,omitempty"`
}

// Import stores memories as they were exported or migrated, for the
// caller's owner (each memory's Owner is ignored): content, tags, type,
// metadata, quality, access statistics, SupersededBy and both timestamps
// are kept (a zero CreatedAt becomes now, a zero UpdatedAt CreatedAt).
// The hash is computed from the content. It is idempotent: a memory whose
// content the owner already has (or that repeats one earlier in ms) is
// skipped and counted as a duplicate, so importing twice stores nothing
// the second time. Semantic deduplication and splitting do not apply.
//
// A memory keeps its vector when it was made by the service's model with
// the model's dimension; the others are embedded in one batch (or, without
// an embedder, stored without a vector for `memory reembed`). An unknown
// type is stored as FallbackType with a warning. A memory that cannot be
// stored (empty content, bad tags, quality outside [0,1]) fails the whole
// call with EInvalid before anything is written.
func (s *Service) Import(ctx context.Context, ms []*Memory) (ImportResult, error) {
	var res ImportResult
	owner := OwnerFrom(ctx)
	now := s.now()
	warned := map[string]bool{}
	batch := make([]*Memory, 0, len(ms))
	seen := make(map[string]bool, len(ms))
	for i, in := range ms {
		m, warn, err := importable(in, owner, now)
		if err != nil {
			return res, Errorf(EInvalid, "memory %d: %s", i+1, ErrorMessage(err))
		}
		if warn != "" && !warned[warn] {
			warned[warn] = true
			res.Warnings = append(res.Warnings, warn)
		}
		if seen[m.Hash] {
			res.Duplicates++
			continue
		}
		seen[m.Hash] = true
		batch = append(batch, m)
	}
	model := s.model()
	stored, dups, warnings, err := s.insertNew(ctx, owner, batch, func(fresh []*Memory) []string {
		var todo []*Memory
		for _, m := range fresh {
			if s.Embedder == nil {
				m.Embedding, m.EmbeddingModel = nil, ""
			} else if m.EmbeddingModel != model.Name || (m.Embedding != nil && model.Dim > 0 && len(m.Embedding) != model.Dim) {
				todo = append(todo, m)
			}
		}
		res.Embedded = len(todo)
		if w := s.attachVectors(ctx, todo); w != "" {
			return []string{w}
		}
		return nil
	})
	res.Imported, res.Duplicates = len(stored), res.Duplicates+len(dups)
	res.Warnings = append(res.Warnings, warnings...)
	return res, err
}

// importable validates and normalises one imported memory for owner.
func importable(in *Memory, owner string, now time.Time) (*Memory, string, error) {
	if in == nil {
		return nil, "", Errorf(EInvalid, "no memory")
	}
	m := *in
	m.Content = NormalizeContent(in.Content)
	if m.Content == "" {
		return nil, "", Errorf(EInvalid, "content is empty")
	}
	tags, err := NormalizeTags(in.Tags)
	if err != nil {
		return nil, "", err
	}
	if in.Quality < 0 || in.Quality > 1 || in.Quality != in.Quality {
		return nil, "", Errorf(EInvalid, "quality_score %v is not between 0 and 1", in.Quality)
	}
	if in.AccessCount < 0 {
		return nil, "", Errorf(EInvalid, "access_count %d is negative", in.AccessCount)
	}
	var warn string
	m.Type, warn = NormalizeType(in.Type)
	m.Owner, m.Hash, m.Tags = owner, ContentHash(m.Content), tags
	m.Metadata = maps.Clone(in.Metadata)
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	m.CreatedAt, m.UpdatedAt = TimeMS(in.CreatedAt), TimeMS(in.UpdatedAt)
	m.LastAccessedAt, m.DeletedAt = TimeMS(in.LastAccessedAt), time.Time{}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = m.CreatedAt
	}
	m.Embedding = slices.Clone(in.Embedding)
	return &m, warn, nil
}

// insertNew inserts the memories of ms that owner does not have yet and
// returns them and the hashes of the others. prepare runs once on the new
// memories before the first insert (to embed them) and returns warnings.
// If another writer stores one of them meanwhile, it is dropped and the
// rest inserted again.
func (s *Service) insertNew(ctx context.Context, owner string, ms []*Memory, prepare func([]*Memory) []string) (stored []*Memory, dups, warnings []string, err error) {
	for attempt := 0; ; attempt++ {
		fresh, d, err := s.dropStored(ctx, owner, ms)
		if err != nil {
			return nil, dups, warnings, err
		}
		dups = append(dups, d...)
		if len(fresh) == 0 {
			return nil, dups, warnings, nil
		}
		if attempt == 0 {
			warnings = prepare(fresh)
		}
		err = s.Storage.Insert(ctx, fresh)
		if err == nil {
			s.publishStored(fresh)
			return fresh, dups, warnings, nil
		}
		if ErrorCode(err) != EConflict || attempt >= 3 {
			return nil, dups, warnings, err
		}
		ms = fresh
	}
}
