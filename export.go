package memory

import (
	"context"
	"time"
)

// ExportRequest selects the caller's memories to export. Filters combine
// with AND; zero fields do not filter. Superseded versions are included
// (with SupersededBy), tombstones never.
type ExportRequest struct {
	Tags     []string
	TagMatch TagMatch
	Types    []string
	// After and Before bound CreatedAt (After <= CreatedAt < Before);
	// TimeExpr ("last month") narrows them further.
	After, Before time.Time
	TimeExpr      string
	// Embeddings keeps each memory's vector and model; without it both
	// are cleared, and an import embeds the content with its own model.
	Embeddings bool
	// Progress, if set, is called after each page with the number of
	// memories exported so far and the number expected.
	Progress func(done, total int64)
}

// exportPage is how many memories Export reads at a time.
const exportPage = 500

// Export calls fn with each of the caller's memories selected by req,
// oldest first (ties in insertion order), and returns how many it passed.
// It reads in pages keyed by creation time, so memories stored or deleted
// meanwhile neither shift nor repeat the others: each memory that exists
// throughout the export is passed exactly once. fn's error stops it.
// Errors: EInvalid for unknown types, a bad tag match or time range.
func (s *Service) Export(ctx context.Context, req ExportRequest, fn func(*Memory) error) (int, error) {
	f, err := s.baseFilter(ctx, req.Tags, req.TagMatch, req.Types...)
	if err != nil {
		return 0, err
	}
	if f.After, f.Before, err = s.timeRange(req.After, req.Before, req.TimeExpr); err != nil {
		return 0, err
	}
	f.IncludeSuperseded = true
	var (
		done, total int
		cursor      time.Time // CreatedAt of the last memory passed
		atCursor    int       // memories passed with exactly that CreatedAt
	)
	for first := true; ; first = false {
		pf := f
		if !cursor.IsZero() {
			pf.After = cursor
		}
		ms, n, err := s.Storage.Find(ctx, pf, Page{Offset: atCursor, Limit: exportPage, Order: OldestFirst})
		if err != nil {
			return done, err
		}
		if first {
			total = n
		}
		for _, m := range ms {
			if !req.Embeddings {
				m.Embedding, m.EmbeddingModel = nil, ""
			}
			if err := fn(m); err != nil {
				return done, err
			}
			done++
			if m.CreatedAt.Equal(cursor) {
				atCursor++
			} else {
				cursor, atCursor = m.CreatedAt, 1
			}
		}
		if req.Progress != nil {
			req.Progress(int64(done), int64(max(total, done)))
		}
		if len(ms) < exportPage {
			return done, nil
		}
	}
}
