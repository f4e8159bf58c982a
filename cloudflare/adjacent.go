package cloudflare

// Adjacent: the memories stored just before and after others, which search
// uses as their context.

import (
	"context"
	"fmt"
	"time"

	"github.com/mcp-memory-go/memory"
)

// Adjacent returns, for each live memory of f.Owner named in hashes, up to
// n memories matching f on each side of it in creation order (ties broken
// by row id, as Find orders them), nearest first, within window of its
// creation time (0: unbounded). Everything comes from one D1 batch: the
// anchors found, then two bounded index walks per anchor. It returns
// EInvalid for an invalid filter, n < 1 or a negative window.
func (s *Store) Adjacent(ctx context.Context, mf memory.Filter, hashes []string, n int, window time.Duration) (map[string]memory.Adjacency, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	f, err := newFilter(mf)
	if err != nil {
		return nil, err
	}
	if err := memory.CheckAdjacent(n, window); err != nil {
		return nil, err
	}
	out := map[string]memory.Adjacency{}
	if len(hashes) == 0 {
		return out, nil
	}
	if f, err = s.prepare(ctx, f); err != nil {
		return nil, err
	}
	var anchors sqlBuilder
	anchors.add("SELECT hash FROM memories WHERE owner = ? AND deleted_at IS NULL AND hash IN ", mf.Owner)
	anchors.list(hashes)
	sts := []stmt{anchors.stmt()}
	for _, h := range hashes {
		sts = append(sts, adjacentSide(f, h, n, window, true), adjacentSide(f, h, n, window, false))
	}
	res, err := s.d1Batch(ctx, "adjacent", sts)
	if err != nil {
		return nil, fmt.Errorf("adjacent memories: %w", err)
	}
	live := map[string]bool{}
	for _, r := range res[0].Rows {
		live[colString(r[0])] = true
	}
	for i, h := range hashes {
		if !live[h] {
			continue
		}
		before, err := s.readRows(ctx, res[1+2*i])
		if err != nil {
			return nil, fmt.Errorf("adjacent memories: %w", err)
		}
		after, err := s.readRows(ctx, res[2+2*i])
		if err != nil {
			return nil, fmt.Errorf("adjacent memories: %w", err)
		}
		out[h] = memory.Adjacency{Before: memoriesOf(before), After: memoriesOf(after)}
	}
	return out, nil
}

// adjacentSide is the statement listing the memories matching f on one side
// of the live memory (f.Owner, hash): created earlier (or at the same time
// and inserted earlier) when before, else later, nearest first, at most n,
// within window (0: unbounded).
func adjacentSide(f filter, hash string, n int, window time.Duration, before bool) stmt {
	var b sqlBuilder
	b.add("SELECT "+memCols+" FROM memories m, (SELECT created_at AS t, id AS i FROM memories WHERE owner = ? AND hash = ? AND deleted_at IS NULL) a WHERE ", f.Owner, hash)
	f.where(&b)
	if before {
		b.add(" AND (m.created_at < a.t OR (m.created_at = a.t AND m.id < a.i))")
		if window > 0 {
			b.add(" AND m.created_at >= a.t - ?", window.Milliseconds())
		}
		b.add(" ORDER BY m.created_at DESC, m.id DESC LIMIT ?", n)
	} else {
		b.add(" AND (m.created_at > a.t OR (m.created_at = a.t AND m.id > a.i))")
		if window > 0 {
			b.add(" AND m.created_at <= a.t + ?", window.Milliseconds())
		}
		b.add(" ORDER BY m.created_at, m.id LIMIT ?", n)
	}
	return b.stmt()
}
