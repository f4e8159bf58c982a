package memory

// The archive: memories moved out of every read by forgetting, listed and
// restored on request. Nothing is destroyed.

import (
	"context"
	"strings"
)

// maxArchiveBatch bounds the hashes one archive or restore request names.
const maxArchiveBatch = 1000

// ArchiveList is a page of archived memories.
type ArchiveList struct {
	Memories   []ArchivedMemory `json:"memories"`
	Page       int              `json:"page"`
	PageSize   int              `json:"page_size"`
	Total      int              `json:"total"`
	TotalPages int              `json:"total_pages"`
	HasMore    bool             `json:"has_more"`
}

// Archived lists the caller's archived memories, most recently archived
// first. Page is 1-based (0 means 1), pageSize 1..100 (0 means 20).
// Errors: EInvalid for a bad page, EUnavailable without an archive.
func (s *Service) Archived(ctx context.Context, page, pageSize int) (ArchiveList, error) {
	res := ArchiveList{Page: max(page, 1), PageSize: pageSize, Memories: []ArchivedMemory{}}
	if res.PageSize == 0 {
		res.PageSize = 20
	}
	switch {
	case s.Archive == nil:
		return res, errNoArchive
	case page < 0:
		return res, Errorf(EInvalid, "page must be 1 or more, got %d", page)
	case res.PageSize < 1 || res.PageSize > 100:
		return res, Errorf(EInvalid, "page_size must be between 1 and 100, got %d", pageSize)
	}
	ms, total, err := s.Archive.Archived(ctx, OwnerFrom(ctx), Page{Offset: (res.Page - 1) * res.PageSize, Limit: res.PageSize})
	if err != nil {
		return res, err
	}
	res.Memories, res.Total = nonNil(ms), total
	res.TotalPages, res.HasMore = pages(total, res.Page, res.PageSize)
	return res, nil
}

// ArchiveMemories moves the caller's memories to the archive, where only
// Archived lists them, until Restore brings them back. Hashes that name no
// live memory are skipped; the archived ones are returned. Errors:
// EInvalid (no hashes, no reason, too many), EUnavailable without an
// archive.
func (s *Service) ArchiveMemories(ctx context.Context, hashes []string, reason string) ([]string, error) {
	hashes, err := cleanHashes(hashes)
	if err != nil {
		return nil, err
	}
	if s.Archive == nil {
		return nil, errNoArchive
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, Errorf(EInvalid, "archiving needs a reason, shown to whoever considers restoring")
	}
	owner := OwnerFrom(ctx)
	done, err := s.Archive.Archive(ctx, owner, hashes, s.now(), reason)
	if err != nil {
		return nil, err
	}
	s.publishHashes(EventArchived, owner, done)
	return nonNil(done), nil
}

// Restore brings archived memories back exactly as they were, all or
// none. Errors: EInvalid (no hashes, too many), ENotFound (one is not
// archived), EConflict (its content was stored again since),
// EUnavailable without an archive.
func (s *Service) Restore(ctx context.Context, hashes []string) ([]*Memory, error) {
	hashes, err := cleanHashes(hashes)
	if err != nil {
		return nil, err
	}
	if s.Archive == nil {
		return nil, errNoArchive
	}
	owner := OwnerFrom(ctx)
	ms, err := s.Archive.Restore(ctx, owner, hashes)
	if err != nil {
		return nil, err
	}
	done := make([]string, len(ms))
	for i, m := range ms {
		done[i] = m.Hash
	}
	s.publishHashes(EventRestored, owner, done)
	return ms, nil
}

// cleanHashes trims and deduplicates hashes, refusing none or too many.
func cleanHashes(hashes []string) ([]string, error) {
	out := make([]string, 0, len(hashes))
	seen := map[string]bool{}
	for _, h := range hashes {
		if h = strings.TrimSpace(h); h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	switch {
	case len(out) == 0:
		return nil, Errorf(EInvalid, "content_hashes is empty: name the memories")
	case len(out) > maxArchiveBatch:
		return nil, Errorf(EInvalid, "%d memories named; at most %d at once", len(out), maxArchiveBatch)
	}
	return out, nil
}

var errNoArchive = Errorf(EUnavailable, "the storage backend has no archive")
