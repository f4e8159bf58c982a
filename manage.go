package memory

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// Get returns one of the caller's memories by hash (ENotFound otherwise).
func (s *Service) Get(ctx context.Context, hash string) (*Memory, error) {
	hash = strings.TrimSpace(hash)
	if hash == "" {
		return nil, Errorf(EInvalid, "content_hash is required")
	}
	return s.Storage.Get(ctx, OwnerFrom(ctx), hash)
}

// ListRequest asks for a page of memories, newest first.
type ListRequest struct {
	Page     int // 1-based; 0 means 1
	PageSize int // 1..100; 0 means 20
	Tags     []string
	TagMatch TagMatch
	Type     string
	// StaleDays keeps memories not accessed (or, never accessed, not
	// created) in the last N days.
	StaleDays int
	// IncludeSuperseded also lists versions replaced by newer ones (a
	// versioned update, a resolved conflict).
	IncludeSuperseded bool
}

// ListResult is a page of memories.
type ListResult struct {
	Memories   []*Memory `json:"memories"`
	Page       int       `json:"page"`
	PageSize   int       `json:"page_size"`
	Total      int       `json:"total"`
	TotalPages int       `json:"total_pages"`
	HasMore    bool      `json:"has_more"`
}

// List returns a page of the caller's memories, newest first. Errors:
// EInvalid for a page or page size out of range, or an invalid tag match.
func (s *Service) List(ctx context.Context, req ListRequest) (ListResult, error) {
	res := ListResult{Page: req.Page, PageSize: req.PageSize}
	if res.Page == 0 {
		res.Page = 1
	}
	if res.PageSize == 0 {
		res.PageSize = 20
	}
	switch {
	case res.Page < 1:
		return res, Errorf(EInvalid, "page must be 1 or more, got %d", req.Page)
	case res.PageSize < 1 || res.PageSize > 100:
		return res, Errorf(EInvalid, "page_size must be between 1 and 100, got %d", req.PageSize)
	case req.StaleDays < 0:
		return res, Errorf(EInvalid, "stale_days must be 1 or more, got %d", req.StaleDays)
	}
	f, err := s.baseFilter(ctx, req.Tags, req.TagMatch, req.Type)
	if err != nil {
		return res, err
	}
	if req.StaleDays > 0 {
		f.StaleBefore = s.now().AddDate(0, 0, -req.StaleDays)
	}
	f.IncludeSuperseded = req.IncludeSuperseded
	ms, total, err := s.Storage.Find(ctx, f, Page{Offset: (res.Page - 1) * res.PageSize, Limit: res.PageSize})
	if err != nil {
		return res, err
	}
	res.Memories, res.Total = nonNil(ms), total
	res.TotalPages, res.HasMore = pages(total, res.Page, res.PageSize)
	return res, nil
}

// baseFilter builds the caller's filter from tag and type arguments;
// blank types are ignored, unknown ones are EInvalid.
func (s *Service) baseFilter(ctx context.Context, tags []string, match TagMatch, types ...string) (Filter, error) {
	f := Filter{Owner: OwnerFrom(ctx)}
	var err error
	if f.Tags, err = NormalizeTags(tags); err != nil {
		return f, err
	}
	switch match {
	case "", TagAny, TagAll:
		f.TagMatch = match
	default:
		return f, Errorf(EInvalid, "tag_match must be \"any\" or \"all\", got %q", match)
	}
	for _, typ := range types {
		if typ = strings.TrimSpace(typ); typ == "" {
			continue
		}
		t, warn := NormalizeType(typ)
		if warn != "" {
			return f, Errorf(EInvalid, "unknown memory type %q (valid: %s)", typ, strings.Join(MemoryTypes(), ", "))
		}
		f.Types = append(f.Types, t)
	}
	return f, nil
}

// DeleteRequest selects memories to delete. Filters combine with AND; a Hash
// alone deletes that memory. At least one filter is required.
type DeleteRequest struct {
	Hash     string
	Tags     []string
	TagMatch TagMatch
	Type     string
	After    time.Time
	Before   time.Time
	// TimeExpr is a natural-language range ("last week"); it combines with
	// After and Before (the narrower bound wins).
	TimeExpr string
	// Within, when non-nil, limits the deletion to these memories (still
	// only those the other filters match): a bulk delete confirmed after a
	// dry run deletes what the dry run counted, never more.
	Within []string
	DryRun bool
}

// DeleteResult lists the deleted (or, in a dry run, matching) hashes.
type DeleteResult struct {
	Deleted []string `json:"deleted"`
	Count   int      `json:"count"`
	DryRun  bool     `json:"dry_run"`
}

// Delete turns the selected memories into tombstones (kept for sync; hidden
// from every read). Errors: EInvalid when no filter is given, ENotFound when
// a given hash does not exist.
func (s *Service) Delete(ctx context.Context, req DeleteRequest) (DeleteResult, error) {
	res := DeleteResult{DryRun: req.DryRun, Deleted: []string{}}
	f, err := s.baseFilter(ctx, req.Tags, req.TagMatch, req.Type)
	if err != nil {
		return res, err
	}
	f.IncludeSuperseded = true
	if h := strings.TrimSpace(req.Hash); h != "" {
		f = Filter{Owner: f.Owner, Hashes: []string{h}, IncludeSuperseded: true}
		if _, err := s.Storage.Get(ctx, f.Owner, h); err != nil {
			return res, err
		}
	} else {
		if f.After, f.Before, err = s.timeRange(req.After, req.Before, req.TimeExpr); err != nil {
			return res, err
		}
		if len(f.Tags) == 0 && len(f.Types) == 0 && f.After.IsZero() && f.Before.IsZero() {
			return res, Errorf(EInvalid, "at least one filter is required: content_hash, tags, memory_type, after/before or time_expr")
		}
		if req.Within != nil {
			if len(req.Within) == 0 {
				return res, nil // the dry run matched nothing
			}
			f.Hashes = req.Within
		}
	}
	hashes, err := s.Storage.Delete(ctx, f, s.now(), req.DryRun)
	if err != nil {
		return res, err
	}
	res.Deleted, res.Count = nonNil(hashes), len(hashes)
	if !req.DryRun {
		s.publishDeleted(f.Owner, hashes)
	}
	return res, nil
}

// UpdateRequest changes a memory. Nil fields are left alone.
type UpdateRequest struct {
	Hash string
	// Tags replaces the tags when non-nil.
	Tags []string
	// Type replaces the memory type when non-empty.
	Type string
	// Metadata is merged into the metadata; a nil value removes the key.
	Metadata map[string]any
	// Content, with Versioned, stores a new version that supersedes this one.
	Content   string
	Versioned bool
	// PreserveTimestamps keeps UpdatedAt for metadata-only changes; when
	// false, CreatedAt and UpdatedAt may be set (sync and imports).
	PreserveTimestamps bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// UpdateResult is the memory after the update, and for a versioned update
// the hash of the version it replaced.
type UpdateResult struct {
	Memory        *Memory  `json:"memory"`
	ParentHash    string   `json:"parent_hash,omitempty"`
	UpdatedFields []string `json:"updated_fields"`
	Warnings      []string `json:"warnings,omitempty"`
}

// Update changes the tags, type or metadata of a memory, or with Versioned
// stores new content as a new memory and marks the old one superseded, so
// that search shows only the latest version. Errors: EInvalid (nothing to
// update, bad tags, content without versioned), ENotFound, EConflict (the new
// content already exists).
func (s *Service) Update(ctx context.Context, req UpdateRequest) (UpdateResult, error) {
	var res UpdateResult
	m, err := s.Get(ctx, req.Hash)
	if err != nil {
		return res, err
	}
	if req.Content != "" && !req.Versioned {
		return res, Errorf(EInvalid, "changing content needs versioned=true (the old version is kept and hidden from search)")
	}
	if req.Tags != nil {
		if m.Tags, err = NormalizeTags(req.Tags); err != nil {
			return res, err
		}
		res.UpdatedFields = append(res.UpdatedFields, "tags")
	}
	if strings.TrimSpace(req.Type) != "" {
		t, warn := NormalizeType(req.Type)
		if warn != "" {
			res.Warnings = append(res.Warnings, warn)
		}
		m.Type = t
		res.UpdatedFields = append(res.UpdatedFields, "memory_type")
	}
	if req.Metadata != nil {
		if m.Metadata == nil {
			m.Metadata = map[string]any{}
		}
		for k, v := range req.Metadata {
			if k == ProvenanceKey {
				res.Warnings = append(res.Warnings, "metadata."+ProvenanceKey+" is recorded by the server and cannot be changed; ignored")
				continue
			}
			if v == nil {
				delete(m.Metadata, k)
			} else {
				m.Metadata[k] = v
			}
		}
		res.UpdatedFields = append(res.UpdatedFields, "metadata")
	}
	if req.Versioned {
		return s.updateVersioned(ctx, m, req, res)
	}
	if len(res.UpdatedFields) == 0 && req.PreserveTimestamps {
		return res, Errorf(EInvalid, "nothing to update: give tags, memory_type or metadata")
	}
	if !req.PreserveTimestamps {
		if !req.CreatedAt.IsZero() {
			m.CreatedAt = TimeMS(req.CreatedAt)
			res.UpdatedFields = append(res.UpdatedFields, "created_at")
		}
		m.UpdatedAt = s.now()
		if !req.UpdatedAt.IsZero() {
			m.UpdatedAt = TimeMS(req.UpdatedAt)
		}
	} else if len(res.UpdatedFields) > 1 || res.UpdatedFields[0] != "metadata" {
		m.UpdatedAt = s.now() // tag and type changes advance updated_at
	}
	if err := s.Storage.Update(ctx, m); err != nil {
		return res, err
	}
	res.Memory = m
	s.publishUpdated(m)
	return res, nil
}

func (s *Service) updateVersioned(ctx context.Context, old *Memory, req UpdateRequest, res UpdateResult) (UpdateResult, error) {
	content := NormalizeContent(req.Content)
	if content == "" {
		return res, Errorf(EInvalid, "versioned update needs the new content")
	}
	if ContentHash(content) == old.Hash {
		return res, Errorf(EInvalid, "the new content is the same as the current version")
	}
	if old.SupersededBy != "" {
		return res, Errorf(EConflict, "memory %s was already superseded by %s; update that version instead", old.Hash, old.SupersededBy)
	}
	meta := maps.Clone(old.Metadata)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["parent_hash"] = old.Hash
	meta["version"] = versionOf(old) + 1
	r, err := s.Store(ctx, StoreRequest{Content: content, Tags: old.Tags, Type: old.Type, Metadata: meta, SkipSemanticDedup: true})
	if err != nil {
		return res, err
	}
	res.Warnings = append(res.Warnings, r.Warnings...)
	newest := r.Memories[len(r.Memories)-1]
	old.SupersededBy = newest.Hash
	old.UpdatedAt = s.now()
	if err := s.Storage.Update(ctx, old); err != nil {
		return res, fmt.Errorf("marking %s superseded (new version %s stored): %w", old.Hash, newest.Hash, err)
	}
	s.publishUpdated(old)
	res.Memory, res.ParentHash = newest, old.Hash
	res.UpdatedFields = append(res.UpdatedFields, "content")
	return res, nil
}

// versionOf reads the version number kept in a memory's metadata (1 if none).
func versionOf(m *Memory) int {
	switch v := m.Metadata["version"].(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return 1
}

// CleanupResult reports a duplicate clean-up.
type CleanupResult struct {
	Scanned  int      `json:"scanned"`
	Removed  []string `json:"removed"`
	Merged   int      `json:"merged_into"`
	Messages []string `json:"messages,omitempty"`
}

// Cleanup removes duplicates that exact-hash deduplication lets through:
// memories whose content differs only in white space, case or punctuation.
// The oldest copy is kept, receives the union of the tags, and the others
// become tombstones.
func (s *Service) Cleanup(ctx context.Context) (CleanupResult, error) {
	return s.cleanup(ctx, false)
}

// CleanupPreview reports what Cleanup would remove, changing nothing.
func (s *Service) CleanupPreview(ctx context.Context) (CleanupResult, error) {
	return s.cleanup(ctx, true)
}

func (s *Service) cleanup(ctx context.Context, dry bool) (CleanupResult, error) {
	res := CleanupResult{Removed: []string{}}
	owner := OwnerFrom(ctx)
	groups := map[string][]*Memory{}
	const page = 1000
	for off := 0; ; off += page {
		ms, _, err := s.Storage.Find(ctx, Filter{Owner: owner, IncludeSuperseded: true}, Page{Offset: off, Limit: page, Order: OldestFirst})
		if err != nil {
			return res, err
		}
		for _, m := range ms {
			k := looseKey(m.Content)
			if k == "" {
				continue
			}
			groups[k] = append(groups[k], m)
		}
		res.Scanned += len(ms)
		if len(ms) < page {
			break
		}
	}
	keys := make([]string, 0, len(groups))
	for k, g := range groups {
		if len(g) > 1 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		keep := g[0]
		tags := keep.Tags
		var drop []string
		for _, m := range g[1:] {
			tags = append(tags, m.Tags...)
			drop = append(drop, m.Hash)
		}
		if !dry {
			if t, err := NormalizeTags(tags); err == nil {
				keep.Tags = t
			}
			keep.UpdatedAt = s.now()
			if err := s.Storage.Update(ctx, keep); err != nil {
				return res, err
			}
			s.publishUpdated(keep)
			if _, err := s.Storage.Delete(ctx, Filter{Owner: owner, Hashes: drop, IncludeSuperseded: true}, s.now(), false); err != nil {
				return res, err
			}
			s.publishDeleted(owner, drop)
		}
		res.Removed = append(res.Removed, drop...)
		res.Merged++
	}
	verb := "removed"
	if dry {
		verb = "would remove"
	}
	res.Messages = append(res.Messages, fmt.Sprintf("scanned %d memories, %s %d duplicates in %d groups", res.Scanned, verb, len(res.Removed), res.Merged))
	return res, nil
}

// looseKey normalises content for duplicate detection: lower case, words
// only, single spaces.
func looseKey(s string) string { return strings.Join(Words(s), " ") }

// pages returns the number of pages of total items and whether there is
// one after page.
func pages(total, page, size int) (totalPages int, hasMore bool) {
	totalPages = (total + size - 1) / size
	return totalPages, page < totalPages
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
